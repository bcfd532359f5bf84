"""Learned phrasings: members' picks and votes teach the bot new phrasings for its cards, reviewed by admins."""
