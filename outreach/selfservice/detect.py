"""Which language a borrower's message is written in (issue 16: follow a switch mid-way; issue 20:
Swahili, Filipino, Hindi in both scripts).

Lingua (``lingua-language-detector``) ships its own n-gram models inside the wheel: nothing is
downloaded at run time. It is restricted to the languages in ``config/bot.yaml``
``languages.detect`` that the bot can answer in (``locale.BOT_LANGUAGES``): fewer candidates are
both faster and more accurate. Our ``fil`` is Lingua's Tagalog (ISO 639-1 ``tl``).

Two scripts decide before Lingua does:

* any message mostly in Devanagari is Hindi (``hi``): no other language we serve writes it;
* Lingua has no model of romanized Hindi, so a Latin-script message with at least
  ``HINGLISH_MIN_WORDS`` common Hindi function words ("kal pay kar dunga bhai", "mera balance
  kitna hai") is ``hi_Latn``. "hindi" is not one of them: it is Filipino for "no".

A message switches the conversation only when it is clearly in another language: at least
``languages.switch_min_words`` words of letters and Lingua's confidence at least
``languages.switch_min_confidence``. "ok", "1234", "12/5", "dec 5", "no" or "hindi" never switch.
Code-mixed messages (Sheng, Taglish, Hinglish) read as the local language, not English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from outreach import config_files
from outreach.selfservice.locale import BOT_LANGUAGES, HINGLISH_WORDS, normalise

_WORD = re.compile(r"[^\W\d_]{2,}")
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
HINGLISH_MIN_WORDS = 2
# Our codes -> Lingua's ISO 639-1 codes; hi_Latn is found by its words, not by Lingua.
_LINGUA = {"en": "EN", "es": "ES", "sw": "SW", "fil": "TL", "hi": "HI"}
_OURS = {lingua: ours for ours, lingua in _LINGUA.items()}


@dataclass(frozen=True)
class DetectionConfig:
    languages: tuple[str, ...]
    min_words: int
    min_confidence: float
    # The languages borrowers of a country write in (``languages.by_country``): a Kenyan
    # conversation is told apart between English and Swahili only, a US one between English and
    # Spanish. Short texts fool a detector that weighs six languages ("i lost my job" reads a
    # little Tagalog); the borrower's country is the strongest prior there is.
    by_country: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def candidates(self, country: str | None) -> tuple[str, ...]:
        """The configured languages a borrower of ``country`` is detected among (all of them
        for an unknown or unlisted country)."""
        listed = self.by_country.get((country or "").upper())
        if not listed:
            return self.languages
        return tuple(code for code in self.languages if code in listed)


def detection_config() -> DetectionConfig:
    """``config/bot.yaml`` ``languages``; only languages the bot can answer in are detected."""
    cfg = config_files.bot().get("languages") or {}
    wanted = [normalise(str(code)) for code in cfg.get("detect") or BOT_LANGUAGES]
    languages = tuple(code for code in wanted if code in BOT_LANGUAGES) or ("en",)
    by_country = {
        str(country).upper(): tuple(normalise(str(code)) for code in codes or ())
        for country, codes in (cfg.get("by_country") or {}).items()
    }
    return DetectionConfig(
        languages,
        int(cfg.get("switch_min_words", 2)),
        float(cfg.get("switch_min_confidence", 0.7)),
        by_country,
    )


@cache
def _detector(languages: tuple[str, ...]) -> LanguageDetector:
    chosen = [
        Language.from_iso_code_639_1(getattr(IsoCode639_1, _LINGUA[c]))
        for c in languages
        if c in _LINGUA
    ]
    # Preloaded once per process: the first message must not wait a second for the models.
    return LanguageDetectorBuilder.from_languages(*chosen).with_preloaded_language_models().build()


def _script_language(text: str, languages: tuple[str, ...]) -> str | None:
    """Hindi by its script (Devanagari) or, in Latin letters, by its function words."""
    devanagari, latin = len(_DEVANAGARI.findall(text)), len(_LATIN.findall(text))
    if devanagari and devanagari >= latin:
        return "hi" if "hi" in languages else None
    if "hi_Latn" in languages and len(HINGLISH_WORDS.findall(text)) >= HINGLISH_MIN_WORDS:
        return "hi_Latn"
    return None


def clear_language(
    text: str, config: DetectionConfig | None = None, country: str | None = None
) -> str | None:
    """The language ``text`` is clearly written in, among those of the borrower's ``country``
    (ISO 3166 alpha-2; None: all configured), or None when it is too short or ambiguous to say
    (then the conversation keeps the language it has)."""
    config = config or detection_config()
    text = text or ""
    languages = config.candidates(country)
    if len(languages) < 2:
        return None
    # Devanagari is unambiguous even in one word ("हाँ"); romanized Hindi needs its words.
    by_script = _script_language(text, languages)
    if by_script and (by_script == "hi" or len(_WORD.findall(text)) >= config.min_words):
        return by_script
    lingua = tuple(code for code in languages if code in _LINGUA and code != "hi")
    if not lingua or len(_WORD.findall(text)) < config.min_words:
        return None
    # India (en, hi, hi_Latn): Latin text that is not romanized Hindi has one Lingua candidate,
    # English; it must still read clearly English against the other Latin-script languages.
    judges = lingua if len(lingua) > 1 else tuple(c for c in _LINGUA if c != "hi")
    values = _detector(judges).compute_language_confidence_values(text)
    if not values or values[0].value < config.min_confidence:
        return None
    code = _OURS.get(values[0].language.iso_code_639_1.name)
    return code if code in languages else None
