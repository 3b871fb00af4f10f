"""Locale spellings, shared by templates, the bot's languages and imports (no other imports).

A borrower's record may say ``hi-Latn-IN``, ``hi_latn_in``, ``tl_PH`` or ``fil_PH``; Babel and our
template files use CLDR's ``hi_Latn_IN`` and ``fil_PH`` (Tagalog's ISO 639-1 code ``tl`` is
Filipino here, issue 20).
"""

from __future__ import annotations

ALIASES = {"tl": "fil", "tgl": "fil", "swa": "sw", "hin": "hi"}


def normalise(code: str | None) -> str:
    """ "hi-Latn-IN" -> "hi_Latn_IN", "TL_ph" -> "fil_PH": the spelling Babel and our files use."""
    parts = [p for p in (code or "").replace("-", "_").split("_") if p]
    if not parts:
        return ""
    language = ALIASES.get(parts[0].lower(), parts[0].lower())
    rest = [part.title() if len(part) == 4 else part.upper() for part in parts[1:]]
    return "_".join([language, *rest])


def fallbacks(code: str | None, default: str = "en") -> list[str]:
    """Most specific first: "hi-Latn-IN" -> ["hi_Latn_IN", "hi_Latn", "hi", "en"]."""
    parts = normalise(code or default).split("_")
    chain = ["_".join(parts[:n]) for n in range(len(parts), 0, -1)]
    return list(dict.fromkeys([*chain, default]))
