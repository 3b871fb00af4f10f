"""Reading one identity-factor answer: exactly one value, or nothing.

Security finding 1: one message holding 90-143 dates was accepted when any one matched. An answer
is now *one* value: a text with several date expressions (or several 4-digit groups, or several
postal codes) is refused as a whole ("please send one"), and a day/month-ambiguous numeric date
is read once, in the borrower's country convention, never as two guesses.

Whether a text is understood never depends on the borrower (their country only decides how an
ambiguous date is read and how postal codes compare), so an unknown account answers the same way.
Pure functions: no database, no clock (callers pass the borrower's ``today``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

# Countries that write numeric dates month first (3/14/1985); everywhere else: day first.
MONTH_FIRST_COUNTRIES = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM", "PH"})

_MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    # Spanish (the bot's other language)
    "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "abril": 4,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "agosto": 8,
    "septiembre": 9,
    "setiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "diciembre": 12,
    "ene": 1,
    "abr": 4,
    "ago": 8,
    "dic": 12,
    # Swahili, Filipino and Hindi (issue 20): the bot's own examples use them ("14 Machi 1985").
    **dict.fromkeys(["januari"], 1),
    **dict.fromkeys(["februari", "pebrero"], 2),
    **dict.fromkeys(["machi", "marso"], 3),
    **dict.fromkeys(["aprili"], 4),
    **dict.fromkeys(["mei"], 5),
    **dict.fromkeys(["juni", "hunyo"], 6),
    **dict.fromkeys(["julai", "hulyo"], 7),
    **dict.fromkeys(["agosti"], 8),
    **dict.fromkeys(["septemba", "setyembre"], 9),
    **dict.fromkeys(["oktoba", "oktubre"], 10),
    **dict.fromkeys(["novemba", "nobyembre"], 11),
    **dict.fromkeys(["desemba", "disyembre"], 12),
    **dict.fromkeys(["जनवरी"], 1),
    **dict.fromkeys(["फ़रवरी", "फ़रवरी", "फरवरी"], 2),
    **dict.fromkeys(["मार्च"], 3),
    **dict.fromkeys(["अप्रैल", "अप्रेल"], 4),
    **dict.fromkeys(["मई"], 5),
    **dict.fromkeys(["जून"], 6),
    **dict.fromkeys(["जुलाई"], 7),
    **dict.fromkeys(["अगस्त"], 8),
    **dict.fromkeys(["सितंबर", "सितम्बर"], 9),
    **dict.fromkeys(["अक्टूबर", "अक्तूबर"], 10),
    **dict.fromkeys(["नवंबर", "नवम्बर"], 11),
    **dict.fromkeys(["दिसंबर", "दिसम्बर"], 12),
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_SEP = r"\s?[-/.]\s?"
# Word edges that Devanagari vowel signs do not break (they are not \w, so \b fails after "जनवरी").
_EDGE_BEFORE = r"(?<![\w\u0900-\u097F])"
_EDGE_AFTER = r"(?![\w\u0900-\u097F])"
_YEAR = r"\d{4}|\d{2}"  # two-digit years are put in the past
# One alternation scanned left to right, so one date is one match (never counted twice).
_DATE = re.compile(
    rf"(?<!\d)(?P<iso_y>\d{{4}}){_SEP}(?P<iso_m>\d{{1,2}}){_SEP}(?P<iso_d>\d{{1,2}})(?!\d)"
    rf"|(?<!\d)(?P<a>\d{{1,2}}){_SEP}(?P<b>\d{{1,2}}){_SEP}(?P<num_y>{_YEAR})(?!\d)"
    rf"|{_EDGE_BEFORE}(?P<mdy_m>{_MONTH}){_EDGE_AFTER}\.?\s+(?P<mdy_d>\d{{1,2}})\s+(?P<mdy_y>{_YEAR})(?!\d)"
    rf"|(?<!\d)(?P<dmy_d>\d{{1,2}})\s+(?P<dmy_m>{_MONTH}){_EDGE_AFTER}\.?\s+(?P<dmy_y>{_YEAR})(?!\d)"
)
_LAST4 = re.compile(r"(?<!\d)\d{4}(?!\d)")
# UK and Canadian postcodes, ZIP+4 and other dashed codes, then plain digit codes (3-10 digits).
_POSTAL = re.compile(
    r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b"
    r"|\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b"
    r"|(?<![\d-])\d{2,5}-\d{3,4}(?![\d-])"
    r"|(?<!\d)\d{3,10}(?!\d)"
)

Kind = Literal["none", "one", "several"]


@dataclass(frozen=True)
class Reading:
    """What an answer holds: no readable value, exactly one, or several (refused, not guessed)."""

    kind: Kind
    value: date | str | None = None


NOTHING = Reading("none")
SEVERAL = Reading("several")


def has_digits(text: str) -> bool:
    """Every factor's sensitive part is digits: an answer with any is masked before Rasa."""
    return any(ch.isdigit() for ch in text)


def _normalise_date_text(text: str) -> str:
    cleaned = re.sub(r"(\d)\s*(st|nd|rd|th|º|°)\b", r"\1", text.strip().lower())
    cleaned = re.sub(r"\b(de|del|of|the)\b", " ", cleaned)
    cleaned = cleaned.replace(",", " ")
    return re.sub(r"\s+", " ", cleaned)


def _full_year(raw: str, month: int, day: int, today: date) -> int:
    year = int(raw)
    if len(raw) == 4:
        return year
    # "85" is 1985 and "05" is 2005 unless that lies ahead: a date of birth is in the past.
    candidate = 2000 + year
    try:
        ahead = date(candidate, month, day) > today
    except ValueError:
        ahead = candidate > today.year
    return candidate - 100 if ahead else candidate


def _make(year: int, month: int, day: int) -> date | None:
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return found if found.year > 1900 else None


def _numeric(first: int, second: int, raw_year: str, month_first: bool, today: date) -> date | None:
    """The country's reading; the other one only when the country's is impossible (14/03 in the
    US can only be 14 March: that is one reading, not a second guess)."""
    orders = (
        [(first, second), (second, first)] if month_first else [(second, first), (first, second)]
    )
    for month, day in orders:
        if 1 <= month <= 12:
            found = _make(_full_year(raw_year, month, day, today), month, day)
            if found is not None:
                return found
    return None


def _date_of(match: re.Match[str], month_first: bool, today: date) -> date | None:
    g = match.groupdict()
    if g["iso_y"]:
        return _make(int(g["iso_y"]), int(g["iso_m"]), int(g["iso_d"]))
    if g["a"]:
        return _numeric(int(g["a"]), int(g["b"]), g["num_y"], month_first, today)
    month_name, day, raw_year = (
        (g["mdy_m"], g["mdy_d"], g["mdy_y"]) if g["mdy_m"] else (g["dmy_m"], g["dmy_d"], g["dmy_y"])
    )
    month = _MONTHS[month_name]
    return _make(_full_year(raw_year, month, int(day), today), month, int(day))


def read_date(text: str, country: str | None, today: date) -> Reading:
    """The one date in ``text``: numeric dates in ``country``'s order (US: month first)."""
    matches = list(_DATE.finditer(_normalise_date_text(text)))
    if len(matches) > 1:
        return SEVERAL
    if not matches:
        return NOTHING
    found = _date_of(matches[0], (country or "").upper() in MONTH_FIRST_COUNTRIES, today)
    return Reading("one", found) if found is not None else NOTHING


def read_last4(text: str) -> Reading:
    """Exactly one group of four digits (the last four of the loan number)."""
    groups = _LAST4.findall(text)
    if len(groups) > 1:
        return SEVERAL
    return Reading("one", groups[0]) if groups else NOTHING


def normalise_postal(code: str) -> str:
    return re.sub(r"[\s-]", "", code.upper())


def read_postal_code(text: str) -> Reading:
    """Exactly one postal-code-shaped token (shapes of every country, whoever the borrower is)."""
    codes = _POSTAL.findall(text.upper())
    if len(codes) > 1:
        return SEVERAL
    return Reading("one", normalise_postal(codes[0])) if codes else NOTHING


def postal_codes_match(given: str, on_file: str | None, country: str | None) -> bool:
    """Same code; a US ZIP+4 and its 5-digit ZIP are the same place."""
    if not on_file:
        return False
    expected = normalise_postal(on_file)
    if (country or "").upper() == "US" and len(given) >= 5 and len(expected) >= 5:
        return given[:5] == expected[:5]
    return given == expected
