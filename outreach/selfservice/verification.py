"""The identity check as the bot sees it: which factors to ask for, and what the app decided.

The checking itself is :mod:`outreach.selfservice.identity`; these wrap it for one conversation
id, each in its own session.
"""

from __future__ import annotations

from outreach import clock
from outreach.db import session_scope
from outreach.selfservice import identity
from outreach.selfservice.access import find_conversation
from outreach.selfservice.identity import VerifyResult
from outreach.selfservice.verification_config import verification_config
from outreach.settings import Settings


def verification_factors(
    conversation_id: str | None = None, settings: Settings | None = None
) -> list[str]:
    """The factors this conversation is asked for, in order (config/bot.yaml ``verification``;
    a web visitor who typed the loan number is asked ``typed_loan_factors``)."""
    if conversation_id is None:
        return list(verification_config().factors)
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        conv = find_conversation(session, conversation_id)
        return identity.factors_for(conv) if conv is not None else verification_factors()


def submit_factor(
    conversation_id: str, factor: str, text: str, settings: Settings | None = None
) -> VerifyResult:
    """Check one identity factor answer (the raw text) for this conversation.

    Flask does this itself before Rasa sees the answer (``identity_turns``); the bot reads the
    outcome with :func:`factor_outcome`. The value is always compared: being verified before
    never makes an answer right."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        conv = find_conversation(session, conversation_id)
        if conv is None:
            return VerifyResult(verified=False, locked=True, attempts_left=0)
        return identity.check_answer(session, conv, factor, text, clock.now())


def factor_outcome(
    conversation_id: str, factor: str, settings: Settings | None = None
) -> VerifyResult | None:
    """What the app decided about the borrower's latest answer to ``factor`` (read once); None
    when it checked none (the form then asks again). The slot text Rasa holds is a placeholder
    and is never checked."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        conv = find_conversation(session, conversation_id)
        return identity.take_outcome(session, conv, factor) if conv is not None else None
