"""Telnyx account in Slack: the application core (no Slack payload parsing, no Block Kit)."""
