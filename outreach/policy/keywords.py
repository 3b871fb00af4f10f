"""Inbound keyword classification: opt-out, opt-in, help, or none (English and Spanish).

Two layers (RULES.md (c) 8: "bare keywords always opt out; phrases ..."):

1. Whole-message keywords, after normalising case, accents, punctuation, emoji and politeness
   words ("Stop!", "  STOP. ", "stop 🙏", "OPT-OUT", "stop please"): the FCC's per-se list
   (stop, quit, end, revoke, opt out, cancel, unsubscribe: 47 CFR 64.1200(a)(10), TCPA-REVOKE),
   Twilio's defaults (STOPALL, OPTOUT: TW-OPTOUT) and Spanish equivalents.
2. Explicit phrase patterns for free-text wishes ("please stop texting me", "dont text me
   anymore", "no me escriban más", "dejen de mandarme mensajes"): the FCC lets a consumer revoke
   "using any reasonable method", and the app must catch multi-word revocations (APP-DUTY).

A keyword inside a longer sentence does not count ("I can't stop by the bank", "when does my loan
end?"): only a whole-message keyword or an explicit phrase does.

Opt-in: START, UNSTOP, YES (Twilio's defaults, so our suppression store and Twilio's agree).
Spanish "sí"/"si" is deliberately NOT an opt-in: it is the ordinary answer to any question the
bot asks ("¿Quiere un plan de pagos?" - "Sí"), "si" also means "if", and Twilio does not treat it as
an opt-in, so honouring it would re-subscribe people who never asked to be (and Twilio would
still block the number: error 21610). The app should apply an opt-in only to a number that is
currently opted out. Help: HELP, INFO, AYUDA (CTIA-KW).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Keyword = Literal["opt_out", "opt_in", "help", "none"]

OPT_OUT_KEYWORDS = frozenset(
    {
        # FCC per-se list (TCPA-REVOKE) and Twilio/CTIA defaults (TW-OPTOUT, CTIA-KW)
        "stop", "quit", "end", "revoke", "opt out", "optout", "cancel", "unsubscribe",
        "stopall", "stop all", "stop stop", "opt me out", "unsubscribe me",
        # Spanish
        "alto", "baja", "darme de baja", "dar de baja", "de baja", "cancelar", "parar", "para",
        "detener", "deten", "basta", "no mas", "no mas mensajes", "desuscribir", "cancela",
    }
)  # fmt: skip
OPT_IN_KEYWORDS = frozenset({"start", "unstop", "yes", "alta"})
HELP_KEYWORDS = frozenset({"help", "info", "ayuda", "informacion"})
# Words that may surround a keyword without changing it ("STOP please", "por favor baja").
_POLITE = frozenset(
    {"please", "pls", "plz", "now", "thanks", "thank", "you", "thx", "ok", "okay", "por", "favor",
     "gracias", "ya", "ahora"}
)  # fmt: skip

_NEGATED = r"(?<!dont )(?<!do not )(?<!cant )(?<!cannot )(?<!wont )(?<!never )(?<!didnt )"
_CONTACT_VERB_ING = (
    r"(?:texting|messaging|contacting|calling|emailing|sending|writing|bothering|harassing)"
)
_CONTACT_VERB = r"(?:text|message|msg|contact|call|email|e mail|write to|send|bother|harass)"
_ES_VERB = r"(?:escrib|mand|envi|contact|llam|molest)(?:en|es|an|as|ar|e|a|ir)?(?:me|nos)?"
_PHRASES = tuple(
    re.compile(p)
    for p in (
        # English
        rf"\b{_NEGATED}(?:stop|quit|cease) {_CONTACT_VERB_ING}\b",
        rf"\b(?:dont|do not|never|no more) {_CONTACT_VERB} (?:me|us)\b"
        r"(?! (?:at|before|after|during|until|till|between|on|in|while|when|so|this|today|tonight|"
        r"tomorrow|early|late|on weekends)\b)",
        r"\bno (?:more )?(?:texts|messages|msgs|emails|sms|whatsapps?)(?: please)?$",
        r"^(?:please )?(?:stop|quit|cancel|end)(?: it| this| all| now)*(?: please)?$",
        r"\b(?:unsubscribe|opt out|optout|remove|take) me\b(?!.*\b(?:later|when)\b)",
        r"\bremove (?:me|my (?:number|phone|email))\b",
        r"\btake me off\b",
        r"\bleave me alone\b",
        r"\bi (?:want|wish|would like|need) to "
        r"(?:unsubscribe|opt out|stop (?:receiving|getting))\b",
        r"\bstop (?:all )?(?:the )?(?:texts|messages|msgs|emails|sms|notifications)\b",
        # Spanish
        rf"\bno me {_ES_VERB}\b(?! (?:antes|despues|en|por la|a las|durante)\b)",
        rf"\b(?:dejen|deja|dejad|dejar) de {_ES_VERB}\b",
        r"\bno (?:quiero|deseo) (?:recibir )?(?:mas )?"
        r"(?:mensajes|sms|correos|whatsapps?|llamadas)\b",
        r"\bya no (?:me )?(?:escriban|manden|envien|quiero)\b",
        r"\b(?:dar|darme|darse|denme|deme) de baja\b",
        r"\b(?:borrenme|borrame|sacame|saquenme|quitenme|quitame) de\b",
        r"\bno mas (?:mensajes|sms|correos|whatsapps?|llamadas)\b",
    )
)

_APOSTROPHES = str.maketrans({"'": "", "’": "", "‘": "", "`": "", "´": ""})


def normalise(text: str) -> str:
    """Lower case, no accents, no apostrophes ("don't" -> "dont"); everything that is not a letter
    or digit becomes a space; runs of spaces collapse."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_APOSTROPHES)
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


def classify_keyword(text: str) -> Keyword:
    """Classify an inbound message (see the module docstring)."""
    if not isinstance(text, str):
        return "none"
    words = normalise(text)
    if not words:
        return "none"
    core = " ".join(w for w in words.split() if w not in _POLITE) or words
    if core in OPT_OUT_KEYWORDS:
        return "opt_out"
    if core in OPT_IN_KEYWORDS:
        return "opt_in"
    if core in HELP_KEYWORDS:
        return "help"
    if any(pattern.search(words) for pattern in _PHRASES):
        return "opt_out"
    return "none"
