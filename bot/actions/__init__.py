"""Custom actions, served by `python -m rasa_sdk --actions bot.actions` in the app's venv.

Importing a module registers its actions with the action server. Actions call the
app only through `outreach.bot_services`, looked up at call time, so nothing touches
the database at import and tests can replace the services.
"""

from bot.actions import balance, handoff, plans, promise, session, verification

__all__ = ["balance", "handoff", "plans", "promise", "session", "verification"]
