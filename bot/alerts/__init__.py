"""Alerts: rules an admin sets up in Slack (`rules`), what they find in the account (`evaluate`), and the
alerts' lifecycle in the database (`book`). The scheduler (bot/scheduler.py) runs them every tick."""
