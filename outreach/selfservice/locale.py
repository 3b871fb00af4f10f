"""The bot's languages and the locale its numbers and dates are formatted in."""

from __future__ import annotations

import re

from babel import localedata

from outreach.locale_codes import normalise

# The languages the bot's responses, the app's notices and the message templates are written in
# (issue 20: Swahili, Filipino, and Hindi in Devanagari and in Latin script). "hi_Latn" is the
# CLDR/Babel identifier of romanized Hindi (BCP 47 "hi-Latn").
BOT_LANGUAGES = ("en", "es", "sw", "fil", "hi", "hi_Latn")
_SPANISH_HINTS = re.compile(
    r"[ñ¿¡áéíóú]|\b(?:hola|buenas|buenos|cuanto|cuánto|debo|deuda|saldo|pagar|pago|quiero|"
    r"puedo|necesito|gracias|por favor|señor|señora|cuenta|préstamo|prestamo|ayuda|no me)\b",
    re.IGNORECASE,
)
_SWAHILI_HINTS = re.compile(
    r"\b(?:habari|jambo|mambo|sasa|nataka|ninataka|nataka|kulipa|nitalipa|ntalipa|deni|mkopo|"
    r"salio|pesa|asante|tafadhali|sina|siwezi|naweza|ndio|ndiyo|hapana|kesho|leo|wiki|nini|"
    r"gani|kiasi|lipa|shida|kazi)\b",
    re.IGNORECASE,
)
_FILIPINO_HINTS = re.compile(
    r"\b(?:po|opo|ako|ko|ba|naman|nmn|pwede|pde|magkano|utang|bayad|magbabayad|babayaran|"
    r"salamat|kasi|wala|ngayon|bukas|sana|lang|kayo|ninyo|kailan|paano|hindi|oo)\b",
    re.IGNORECASE,
)
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
# Romanized Hindi: common function words that English, Spanish, Swahili and Filipino do not use.
# "hindi" is deliberately absent (it is Filipino for "no"), and so is "wala" (Filipino "none").
HINGLISH_WORDS = re.compile(
    r"\b(?:hai|hain|nahi|nahin|nhi|kya|kyu|kyun|mera|meri|mere|mujhe|kitna|kitne|paisa|paise|"
    r"karna|karo|karunga|karungi|kar|dunga|dungi|diya|haan|bhai|ji|aap|aapka|aapki|tum|hum|"
    r"abhi|kal|parso|kaise|kab|raha|rahi|rahe|tha|thi|hoga|hogi|bhi|aur|lekin|"
    r"chahiye|sakta|sakti|baat|kuch|bahut|thoda|naukri|kisht|bhugtan)\b",
    re.IGNORECASE,
)


def language_of(locale: str | None) -> str | None:
    """ "es_US" -> "es", "hi_Latn_IN" -> "hi_Latn", "tl_PH" -> "fil"; None when the bot has no
    responses in that language."""
    parts = normalise(locale).split("_")
    language = parts[0]
    if len(parts) > 1 and parts[1] == "Latn" and f"{language}_Latn" in BOT_LANGUAGES:
        return f"{language}_Latn"
    return language if language in BOT_LANGUAGES else None


def guess_language(text: str) -> str:
    """For a number no borrower has: the language the message's words read as, else English."""
    text = text or ""
    if _DEVANAGARI.search(text):
        return "hi"
    scores = {
        "es": len(_SPANISH_HINTS.findall(text)),
        "sw": len(_SWAHILI_HINTS.findall(text)),
        "fil": len(_FILIPINO_HINTS.findall(text)),
        # Two Hindi words at least: one "hai" may be a typed "hi".
        "hi_Latn": hinglish if (hinglish := len(HINGLISH_WORDS.findall(text))) >= 2 else 0,
    }
    best = max(scores, key=lambda code: scores[code])
    return best if scores[best] else "en"


def reply_locale(locale: str, language: str | None = None) -> str:
    """Format for the borrower's region, in the language the bot answers in: es_US gets
    es_US formats in a Spanish reply and en_US formats inside an English sentence; hi_Latn with
    an Indian borrower gets hi_Latn_IN."""
    parts = normalise(locale or "en").split("_")
    own = language_of(locale) or parts[0]
    # A region is two letters (US) or a UN M.49 number (es_419); a script (Latn) is not one.
    territory = next(
        (p for p in parts[1:] if (len(p) == 2 and p.isalpha()) or (len(p) == 3 and p.isdigit())),
        "",
    )
    language = language if language in BOT_LANGUAGES else (own if own in BOT_LANGUAGES else "en")
    combined = f"{language}_{territory}" if territory else language
    # Babel has no data for every pair (es_KE): the language's own formats then.
    return combined if localedata.exists(combined) else language
