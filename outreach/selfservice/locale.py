"""The bot's languages and the locale its numbers and dates are formatted in."""

from __future__ import annotations

import re

from babel import localedata

BOT_LANGUAGES = ("en", "es")  # the languages the bot's responses are written in
_SPANISH_HINTS = re.compile(
    r"[ñ¿¡áéíóú]|\b(?:hola|buenas|buenos|cuanto|cuánto|debo|deuda|saldo|pagar|pago|quiero|"
    r"puedo|necesito|gracias|por favor|señor|señora|cuenta|préstamo|prestamo|ayuda|no me)\b",
    re.IGNORECASE,
)


def language_of(locale: str | None) -> str | None:
    """ "es_US" -> "es"; None when the bot has no responses in that language."""
    language = (locale or "").replace("-", "_").partition("_")[0].lower()
    return language if language in BOT_LANGUAGES else None


def guess_language(text: str) -> str:
    """For a number no borrower has: Spanish if the message reads Spanish, else English."""
    return "es" if _SPANISH_HINTS.search(text or "") else "en"


def reply_locale(locale: str, language: str | None = None) -> str:
    """Format for the borrower's region, in the language the bot answers in: es_US gets
    es_US formats in a Spanish reply and en_US formats inside an English sentence."""
    locale = (locale or "en").replace("-", "_")
    own, _, territory = locale.partition("_")
    language = language if language in BOT_LANGUAGES else (own if own in BOT_LANGUAGES else "en")
    combined = f"{language}_{territory}" if territory else language
    # Babel has no data for every pair (es_KE): the language's own formats then.
    return combined if localedata.exists(combined) else language
