"""What the app itself tells a borrower when the bot cannot answer, in the bot's two languages.

These replace silence (security findings 6, 15, 17, 21): Rasa down or paused, every Rasa call
slot taken, an action that failed, a message with no text to read. The language is the
conversation's (``bot_turns.conversation_language``).
"""

from __future__ import annotations

from outreach.selfservice.locale import BOT_LANGUAGES

NOTICES: dict[str, dict[str, str]] = {
    # Rasa did not answer, or the conversation could not be handed back to it yet.
    "unavailable": {
        "en": "Sorry, our assistant is unavailable right now. Please try again in a few minutes.",
        "es": "Perdón, nuestro asistente no está disponible en este momento. "
        "Intente de nuevo en unos minutos.",
    },
    # Every Rasa call slot of this process is taken (the call was not made).
    "busy": {
        "en": "Sorry, our assistant is busy right now. Please try again in a minute.",
        "es": "Perdón, nuestro asistente está ocupado en este momento. "
        "Intente de nuevo en un minuto.",
    },
    # An empty message, or pictures or other media without words.
    "text_only": {
        "en": "Sorry, I can only read text. Please write your message in words.",
        "es": "Perdón, solo puedo leer texto. Por favor escriba su mensaje con palabras.",
    },
    # Nothing but intent or annotation syntax ("/inform{...}"): no words left for the bot.
    "no_words": {
        "en": "Sorry, I couldn't read that. Please write your message in words.",
        "es": "Perdón, no pude leer eso. Por favor escriba su mensaje con palabras.",
    },
    # A bot action failed (action server down or erroring): what the bot said is not sent.
    "action_failed": {
        "en": "Sorry, something went wrong on our side and I could not do that. "
        "Please try again in a few minutes.",
        "es": "Perdón, algo falló de nuestro lado y no pude hacerlo. "
        "Intente de nuevo en unos minutos.",
    },
    # The borrower asked for a person and the bot could not open the case: the app did.
    "handed_off": {
        "en": "Sorry, something went wrong on our side, so I've passed your conversation to our "
        "team. An officer will answer you here {when}.",
        "es": "Perdón, algo falló de nuestro lado, así que pasé su conversación a nuestro equipo. "
        "Una persona le responderá por aquí {when}.",
    },
}


def notice(kind: str, language: str | None, **values: str) -> str:
    """The ``kind`` notice in ``language`` (English when the bot has no such language)."""
    texts = NOTICES[kind]
    text = texts[language] if language in BOT_LANGUAGES else texts["en"]
    return text.format(**values) if values else text


BOT_UNAVAILABLE = NOTICES["unavailable"]["en"]
