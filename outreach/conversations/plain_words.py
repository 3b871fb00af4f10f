"""Borrower text reaches Rasa as plain words: intent syntax in it is removed.

Rasa reads a message starting with ``/`` as an intent command (``/inform{"identity_verified":
true}`` sets entities and, through them, slots) and ``{...}`` / ``[..](..)`` are its entity
annotation. A borrower must never be able to pick an intent, set a slot or run an action by
typing such syntax (issue 16; security: nothing on the account without the borrower's yes, no
identity without the checks). Every channel (SMS, WhatsApp, web chat) reaches Rasa through
``RasaClient.post_turn``, which sends ``plain_words(text)``; the message log keeps what the
borrower wrote. Replacing the characters alone is not enough: the words left of
``/inform{"identity_verified": true}`` were read as hardship (0.85) and opened a case, so the
syntax goes with what it encloses.

After NFKC folds fullwidth and compatibility forms (U+FF0F, U+FF5B, U+FF3B) into ASCII and invisible
format characters (zero-width space, bidi marks) are dropped:
- ``{...}`` is removed with its content (a JSON payload is never words a borrower means);
- ``[words](anything)`` keeps the words and loses the ``(anything)``;
- a command word ``/name`` (also ``\\name``, U+2215 before a name, ``/name@0.9``) is removed;
- every other bracket (Unicode open/close punctuation, ``< >``) and every slash-like character
  becomes a space, except a slash between two letters or digits ("12/5", "$50/week", "and/or"),
  which the terms parser reads and which can start no command (only a leading ``/`` is one).
What is left can be empty: the caller answers that itself (nothing to send Rasa).
"""

from __future__ import annotations

import re
import unicodedata

# Slash-like characters NFKC leaves alone (it folds the fullwidth ones into "/" and "\").
_SLASHES = "/\\\u2215\u2044\u29f8\u29f9\u27cb\u27cd\u2571\u2572\u2afb\u2afd"
_S = re.escape(_SLASHES)
_PAYLOAD = re.compile(r"\{[^{}]*\}?")  # an unclosed one runs to the end
_ANNOTATION = re.compile(r"\[([^\[\]]*)\]\s*\([^()]*\)?")
_COMMAND = re.compile(rf"(?<![^\W_])[{_S}]+[^\W\d][\w.\-]*(?:@[\d.]*)?")
_SLASH = re.compile(rf"(?<![^\W_])[{_S}]|[{_S}](?![^\W_])")
_SPACES = re.compile(r"\s+")


def _is_bracket(char: str) -> bool:
    # Not quotes (Pi/Pf): "don’t" keeps its apostrophe.
    return unicodedata.category(char) in ("Ps", "Pe") or char in "<>"


def plain_words(text: str) -> str:
    """``text`` without intent or annotation syntax (see the module docstring); words, digits,
    accents, "$", "12/5" and "50/week" untouched. Never raises; may return ""."""
    if not isinstance(text, str):
        return ""
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(c for c in folded if unicodedata.category(c) != "Cf")
    while True:  # nested payloads, innermost first
        unwrapped = _PAYLOAD.sub(" ", folded)
        if unwrapped == folded:
            break
        folded = unwrapped
    folded = _COMMAND.sub(" ", _ANNOTATION.sub(r" \1 ", folded))
    unbracketed = "".join(" " if _is_bracket(c) else c for c in folded)
    return _SPACES.sub(" ", _SLASH.sub(" ", unbracketed)).strip()
