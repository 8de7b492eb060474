"""Notifications: Apprise targets fed by the engine's published events, and the Telegram bot."""
