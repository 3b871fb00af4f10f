"""Reading plan and promise terms out of what borrowers text, in English and Spanish.

Pure functions, no I/O. Values that name their unit ("$50", "6 payments", "monthly",
"next friday") are read from any message, so terms can come in any order and several at once
("50 a month for 6 months"); a bare number counts only as the answer to the question just
asked (``requested``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?"
_CURRENCY_WORDS = r"(?:dollars?|dolares?|usd|bucks|pesos?|dls|dlls)"
_PER = (
    r"(?:a|an|per|each|every|/|al|por|cada|x)\s*"
    r"(?:week|wk|month|mo|mes|semana|quincena|two weeks|2 weeks|dos semanas|fortnight)"
)
_UNITS_EN = {
    "week": "weekly",
    "weeks": "weekly",
    "wk": "weekly",
    "wks": "weekly",
    "month": "monthly",
    "months": "monthly",
    "mo": "monthly",
    "mos": "monthly",
}
_UNITS_ES = {
    "semana": "weekly",
    "semanas": "weekly",
    "mes": "monthly",
    "meses": "monthly",
    "quincena": "biweekly",
    "quincenas": "biweekly",
}
_COUNT_WORDS = (
    r"payments?|pmts?|pymts?|instal?l?ments?|times|pagos?|cuotas?|plazos?|"
    r"abonos?|mensualidades|parts|partes"
)
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "un": 1,
    "uno": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
    "diez": 10,
    "once": 11,
    "doce": 12,
}
_FREQUENCIES = (
    (
        "biweekly",
        r"\b(?:bi-?weekly|fortnight(?:ly)?|every (?:two|2|other) weeks?|"
        r"each (?:two|2) weeks|quincenal(?:es|mente)?|cada (?:quince|15) dias|"
        r"cada (?:dos|2) semanas|cada quincena|por quincena|a la quincena)\b",
    ),
    (
        "weekly",
        r"\b(?:weekly|every week|each week|a week|per week|/ ?wk|once a week|"
        r"semanal(?:es|mente)?|cada semana|por semana|a la semana|x semana)\b",
    ),
    (
        "monthly",
        r"\b(?:monthly|every month|each month|a month|per month|/ ?mo|once a month|"
        r"mensual(?:es|mente)?|cada mes|por mes|al mes|x mes|mensualidad(?:es)?)\b",
    ),
)
_WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
    "lunes": 0,
    "martes": 1,
    "miercoles": 2,
    "jueves": 3,
    "viernes": 4,
    "sabado": 5,
    "domingo": 6,
    # Swahili (issue 20)
    "jumatatu": 0,
    "jumanne": 1,
    "jumatano": 2,
    "alhamisi": 3,
    "ijumaa": 4,
    "jumamosi": 5,
    "jumapili": 6,
    # Filipino ("linggo" is also "week": "next week" is matched before weekdays)
    "miyerkules": 2,
    "miyerkoles": 2,
    "huwebes": 3,
    "biyernes": 4,
    "linggo": 6,
    # Hindi, romanized and in Devanagari (keys are normalised like the text: parse_day)
    "somvar": 0,
    "somwar": 0,
    "mangalvar": 1,
    "mangalwar": 1,
    "budhvar": 2,
    "budhwar": 2,
    "guruvar": 3,
    "guruwar": 3,
    "veervar": 3,
    "shukravar": 4,
    "shukrawar": 4,
    "shanivar": 5,
    "shaniwar": 5,
    "ravivar": 6,
    "raviwar": 6,
    "itvar": 6,
    "सोमवार": 0,
    "मंगलवार": 1,
    "बुधवार": 2,
    "गुरुवार": 3,
    "शुक्रवार": 4,
    "शनिवार": 5,
    "रविवार": 6,
}
_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    "ene": 1,
    "abr": 4,
    "ago": 8,
    "dic": 12,
    "set": 9,
}
_ALL = (
    r"\b(?:all|all of it|everything|the whole (?:thing|amount)|the full amount|in full|"
    r"the past due|todo|todo lo que debo|el total|lo vencido|completo)\b"
)


def normalise(text: str) -> str:
    """Lower case, no accents, single spaces ("Mañana" -> "manana")."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"\s+", " ", text).strip()


def _decimal(whole: str, cents: str | None) -> Decimal | None:
    try:
        value = Decimal(whole.replace(",", "") + (f".{cents}" if cents else ""))
    except InvalidOperation:
        return None
    return value if value > 0 else None


def _word_number(token: str) -> int | None:
    return int(token) if token.isdigit() else _NUMBER_WORDS.get(token)


def parse_amount(text: str, requested: bool = False) -> Decimal | None:
    """An amount of money: "$50", "50 dollars", "50 a month", or a bare "50" when asked."""
    t = normalise(text)
    for pattern in (
        rf"[$€£]\s?{_NUMBER}",
        rf"{_NUMBER}\s?(?:\$|{_CURRENCY_WORDS}\b)",
        rf"{_NUMBER}\s?{_PER}\b",
        rf"\b(?:payments?|pagos?|cuotas?) (?:of|de) "
        rf"\$?{_NUMBER}",
    ):
        found = re.search(pattern, t)
        if found:
            return _decimal(found.group(1), found.group(2))
    if requested:
        numbers = re.findall(rf"(?<![\d/.\-]){_NUMBER}(?![\d/\-])", t)
        if len(numbers) == 1:
            return _decimal(*numbers[0])
    return None


def parse_count(text: str, requested: bool = False) -> tuple[int | None, str | None]:
    """How many payments, and the frequency the unit implies ("6 months" -> (6, "monthly"))."""
    t = normalise(text)
    word = r"(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")"
    found = re.search(
        rf"\b{word}\s+(?:(?:weekly|monthly|biweekly|mensuales|semanales|"
        rf"quincenales)\s+)?(?:{_COUNT_WORDS})\b",
        t,
    )
    if found:
        return _word_number(found.group(1)), None
    found = re.search(rf"(?:for|in|over|durante|en|por|x)\s+{word}\s+(\w+)\b", t) or re.search(
        rf"\b{word}\s+(weeks|wks|months|mos|semanas|meses|quincenas)\b", t
    )
    if found:
        unit = found.group(2)
        frequency = _UNITS_EN.get(unit) or _UNITS_ES.get(unit)
        if frequency:
            return _word_number(found.group(1)), frequency
    if requested:
        numbers = re.findall(r"(?<![\d$.,/])(\d{1,2})(?![\d.,/])", t)
        if len(numbers) == 1 and not re.search(r"[$]", t):
            return int(numbers[0]), None
        words = [w for w in t.split() if w in _NUMBER_WORDS]
        if len(words) == 1:
            return _NUMBER_WORDS[words[0]], None
    return None, None


def parse_frequency(text: str) -> str | None:
    """weekly | biweekly | monthly, from words in either language."""
    t = normalise(text)
    for frequency, pattern in _FREQUENCIES:
        if re.search(pattern, t):
            return frequency
    return None


def _next_weekday(today: date, weekday: int) -> date:
    """The next such weekday after today ("friday" said on a Friday means next week's)."""
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def _month_day(today: date, month: int, day: int) -> date | None:
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None


# Relative days in Swahili, Filipino and Hindi (issue 20). Hindi "kal"/"कल" is both
# yesterday and tomorrow: a borrower naming a day to pay means tomorrow.
_TOMORROW = ("kesho", "bukas", "kal", "kl", "कल")
_DAY_AFTER = ("kesho kutwa", "keshokutwa", "makalawa", "sa makalawa", "parso", "परसों")
_TODAY = ("leo", "ngayon", "mamaya", "aaj", "abhi", "आज", "अभी")
_NEXT_WEEK = (
    "wiki ijayo",
    "wiki inayokuja",
    "susunod na linggo",
    "sa isang linggo",
    "next week na",
    "agle hafte",
    "agle week",
    "अगले हफ्ते",
    "अगले सप्ताह",
)
_IN_DAYS = re.compile(
    r"\bbaada ya siku (\d{1,2})\b|\bsa loob ng (\d{1,2}) araw\b|\b(\d{1,2}) din (?:me|mein|main)\b"
)
_LETTER = r"\w\u0900-\u097F"


def _said(text: str, words: tuple[str, ...]) -> bool:
    """One of ``words`` as a whole word of (normalised) ``text``; Devanagari vowel signs are not
    ``\\w``, so ``\\b`` cannot find Hindi word edges."""
    return any(
        re.search(rf"(?<![{_LETTER}]){re.escape(normalise(word))}(?![{_LETTER}])", text)
        for word in words
    )


def parse_day(text: str, today: date, language: str = "en") -> date | None:
    """A day for a payment: today/tomorrow, a weekday, "in 3 days", "next week", "dec 5",
    "5 de diciembre", "12/5" (month first in English, day first in Spanish), "the 15th"."""
    t = normalise(text)
    t = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", t)
    if re.search(r"\b(?:day after tomorrow|pasado manana)\b", t) or _said(t, _DAY_AFTER):
        return today + timedelta(days=2)
    if re.search(r"\b(?:tomorrow|tmrw|tmr|tomorow|tmw|manana)\b", t) or _said(t, _TOMORROW):
        return today + timedelta(days=1)
    if re.search(r"\b(?:today|tonight|hoy|now|ahora)\b", t) or _said(t, _TODAY):
        return today
    found = _IN_DAYS.search(t)
    if found:
        return today + timedelta(days=int(found.group(1) or found.group(2) or found.group(3)))
    if _said(t, _NEXT_WEEK):
        return today + timedelta(days=7)
    found = re.search(
        r"\b(?:in|en|within|dentro de)\s+(\d{1,2}|\w+)\s+(days?|dias?|weeks?|"
        r"semanas?)\b",
        t,
    )
    if found and _word_number(found.group(1)):
        n = _word_number(found.group(1)) or 0
        return today + timedelta(
            days=n * (7 if found.group(2).startswith(("week", "seman")) else 1)
        )
    found = re.search(r"(\d{4})-(\d{1,2})-(\d{1,2})", t)
    if found:
        try:
            return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        except ValueError:
            return None
    found = re.search(r"\b(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2,4}))?\b", t)
    if found:
        a, b = int(found.group(1)), int(found.group(2))
        # Day first where the borrowers' countries write it so (MX, KE, IN); US and PH month first.
        month, day = (b, a) if language in ("es", "sw", "hi", "hi_Latn") else (a, b)
        if found.group(3):
            year = int(found.group(3)) + (2000 if len(found.group(3)) == 2 else 0)
            try:
                return date(year, month, day)
            except ValueError:
                return None
        return _month_day(today, month, day) if 1 <= month <= 12 else None
    month_names = (
        r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|ene|abr|ago|dic|set)"
        r"[a-z]*\.?"
    )
    found = re.search(rf"\b{month_names}\s+(\d{{1,2}})\b", t)
    if found and found.group(1) in _MONTHS:
        return _month_day(today, _MONTHS[found.group(1)], int(found.group(2)))
    found = re.search(rf"\b(\d{{1,2}})\s+(?:of\s+|de\s+)?{month_names}", t)
    if found and found.group(2) in _MONTHS:
        return _month_day(today, _MONTHS[found.group(2)], int(found.group(1)))
    if re.search(r"\b(?:next week|proxima semana|semana que viene)\b", t):
        return today + timedelta(days=7)
    for name, weekday in _WEEKDAYS.items():
        if _said(t, (normalise(name),)):
            return _next_weekday(today, weekday)
    found = re.search(
        r"\b(?:the|on the|el|el dia|dia|on)\s+(\d{1,2})\b(?!\s*(?:payments?|"
        r"pagos?|cuotas?|months?|meses|weeks?|semanas|dollars?|dolares))",
        t,
    )
    if found and 1 <= int(found.group(1)) <= 31:
        day = int(found.group(1))
        for months_ahead in range(0, 3):
            month = (today.month - 1 + months_ahead) % 12 + 1
            year = today.year + (today.month - 1 + months_ahead) // 12
            try:
                candidate = date(year, month, day)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
    return None


def wants_all(text: str) -> bool:
    """ "all", "everything", "todo": the whole past-due amount."""
    return bool(re.search(_ALL, normalise(text)))


_ORDINAL = r"\b\d{1,2}(?:st|nd|rd|th|er|do|ro|to|vo|no|a|o)\b"
_INSTALMENT_WORDS = (
    r"\b(?:instal?l?ments?|payment plan|plan payment|cuotas?|mensualidad(?:es)?|abonos?|plazos?)\b"
)
_PROMISE_WORDS = r"\b(?:promised?|promesas?|prometi(?:do)?|lo que dije|what i said)\b"


def parse_payment_amount(text: str) -> Decimal | None:
    """The amount a borrower names for a payment now: "$50", "50 dollars", or the one bare
    number in "i can pay 50" / "KES 1,500" / "pagar 1.500". Ordinals ("my 2nd instalment") and
    dates ("12/5") are not amounts; two bare numbers are ambiguous (None)."""
    # "1.500" is fifteen hundred where a dot groups thousands (Spanish), never 1.50.
    t = re.sub(r"\b\d{1,3}(?:\.\d{3})+\b", lambda m: m.group(0).replace(".", ""), normalise(text))
    found = parse_amount(t)
    if found is not None:
        return found
    return parse_amount(re.sub(_ORDINAL, " ", t), requested=True)


def payment_purpose(text: str) -> str | None:
    """What the borrower wants to pay: "instalment" (a plan's), "promise", or None."""
    t = normalise(text)
    if re.search(_INSTALMENT_WORDS, t):
        return "instalment"
    if re.search(_PROMISE_WORDS, t):
        return "promise"
    return None
