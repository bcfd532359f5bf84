"""The Discord adapter: slash commands, mentions and DMs, rendered from the engine's replies."""
