"""faqbot: answers community questions from curated Markdown cards, on Discord, Slack and the console."""

__version__ = "0.1.0"
