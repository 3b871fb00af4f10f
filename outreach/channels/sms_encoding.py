"""SMS encoding and segment counting (GSM 03.38 / 3GPP TS 23.038).

A message that fits the GSM-7 default alphabet (plus its extension table, whose characters cost
two septets) is sent as GSM-7: 160 characters in one segment, 153 per segment when concatenated.
Anything else (e.g. a curly quote or an emoji) forces UCS-2: 70 characters in one segment, 67 per
segment when concatenated, counted in UTF-16 code units. The count is what the carrier bills, so
it is stored on every SMS and a template over ``max_segments`` gets a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsInfo:
    encoding: str  # "GSM-7" | "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def analyse(text: str) -> SmsInfo:
    """Encoding, length in encoding units and segment count of ``text``."""
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        single, multi = 160, 153
        encoding = "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
        encoding = "UCS-2"
    segments = min(units, 1) if units <= single else -(-units // multi)
    return SmsInfo(encoding=encoding, units=units, segments=segments)
