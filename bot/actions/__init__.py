"""Custom actions, served by `python -m rasa_sdk --actions bot.actions` in the app's venv.

Importing a module registers its actions with the action server. Actions call the
app through the `outreach.selfservice` package (`selfservice.balance_for(...)`) and, for paying
now, `outreach.payments.bot_offer` / `bot_methods` (the bot sits above the app's import layers),
looked up at call time, so nothing touches the database at import and tests can replace a
function there. Plans and promises share `terms` (reading days and terms, handing them to the
app).
"""

from bot.actions import (
    balance,
    care,
    confirm,
    handoff,
    payment,
    plans,
    promise,
    resolutions,
    session,
    verification,
)
from outreach import logs

# The same logging as the web app and the scheduler: Twilio's client quiet, personal data redacted
# (security findings 19, 29). In the main process rasa-sdk has set up its handlers already and
# they get the filter; Sanic's worker processes start with none, and get ours.
logs.configure()

__all__ = [
    "balance",
    "care",
    "confirm",
    "handoff",
    "payment",
    "plans",
    "promise",
    "resolutions",
    "session",
    "verification",
]
