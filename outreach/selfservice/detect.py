"""Which language a borrower's message is written in (issue 16: follow a switch mid-way).

Lingua (``lingua-language-detector``) ships its own n-gram models inside the wheel: nothing is
downloaded at run time. It is restricted to the languages in ``config/bot.yaml``
``languages.detect`` (today en and es; sw, fil or hi can be added once the bot has responses in
them, ``locale.BOT_LANGUAGES``): fewer candidates are both faster and more accurate.

A message switches the conversation only when it is clearly in another language: at least
``languages.switch_min_words`` words of letters and Lingua's confidence at least
``languages.switch_min_confidence``. "ok", "1234", "12/5", "dec 5" or "no" never switch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from outreach import config_files
from outreach.selfservice.locale import BOT_LANGUAGES

_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class DetectionConfig:
    languages: tuple[str, ...]
    min_words: int
    min_confidence: float


def detection_config() -> DetectionConfig:
    """``config/bot.yaml`` ``languages``; only languages the bot can answer in are detected."""
    cfg = config_files.bot().get("languages") or {}
    wanted = [str(code).lower() for code in cfg.get("detect") or BOT_LANGUAGES]
    languages = tuple(code for code in wanted if code in BOT_LANGUAGES) or ("en",)
    return DetectionConfig(
        languages,
        int(cfg.get("switch_min_words", 2)),
        float(cfg.get("switch_min_confidence", 0.7)),
    )


@cache
def _detector(languages: tuple[str, ...]) -> LanguageDetector:
    chosen = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in languages]
    # Preloaded once per process: the first message must not wait a second for the models.
    return LanguageDetectorBuilder.from_languages(*chosen).with_preloaded_language_models().build()


def clear_language(text: str, config: DetectionConfig | None = None) -> str | None:
    """The language ``text`` is clearly written in, or None when it is too short or ambiguous
    to say (then the conversation keeps the language it has)."""
    config = config or detection_config()
    if len(config.languages) < 2 or len(_WORD.findall(text or "")) < config.min_words:
        return None
    values = _detector(config.languages).compute_language_confidence_values(text)
    if not values or values[0].value < config.min_confidence:
        return None
    code = values[0].language.iso_code_639_1.name.lower()
    return code if code in config.languages else None
