"""Golden table for the inbound keyword classifier."""

from __future__ import annotations

import pytest

from outreach.policy import classify_keyword

GOLDEN = [
    # FCC per-se words, Twilio defaults, any case, whitespace, punctuation, emoji
    ("STOP", "opt_out"), ("stop", "opt_out"), ("Stop!", "opt_out"), ("  STOP. ", "opt_out"),
    ("stop 🙏", "opt_out"), ("🛑 STOP 🛑", "opt_out"), ("ＳＴＯＰ", "opt_out"), ("quit", "opt_out"),
    ("End.", "opt_out"), ("REVOKE", "opt_out"), ("opt out", "opt_out"), ("OPT-OUT", "opt_out"),
    ("Opt_Out", "opt_out"), ("optout", "opt_out"), ("cancel", "opt_out"), ("UNSUBSCRIBE", "opt_out"),
    ("STOPALL", "opt_out"), ("STOP ALL", "opt_out"), ("stop please", "opt_out"),
    ("Please STOP", "opt_out"), ("stop stop", "opt_out"), ("STOP!!!", "opt_out"),
    # free-text wishes (phrase layer)
    ("please stop texting me", "opt_out"), ("Stop messaging me.", "opt_out"),
    ("dont text me anymore", "opt_out"), ("Don't text me anymore!", "opt_out"),
    ("do not contact me", "opt_out"), ("Never call me again", "opt_out"),
    ("no more texts", "opt_out"), ("leave me alone", "opt_out"),
    ("take me off your list", "opt_out"), ("remove me from this list", "opt_out"),
    ("unsubscribe me please", "opt_out"), ("stop sending me messages", "opt_out"),
    ("I want to opt out", "opt_out"), ("i want to stop receiving these", "opt_out"),
    # Spanish
    ("ALTO", "opt_out"), ("Baja", "opt_out"), ("cancelar", "opt_out"), ("parar", "opt_out"),
    ("detener", "opt_out"), ("No más", "opt_out"), ("no mas", "opt_out"), ("basta", "opt_out"),
    ("no me escriban más", "opt_out"), ("No me manden mensajes", "opt_out"),
    ("dejen de mandarme mensajes", "opt_out"), ("deja de escribirme", "opt_out"),
    ("no quiero recibir más mensajes", "opt_out"), ("quiero darme de baja", "opt_out"),
    ("sáquenme de la lista", "opt_out"), ("ya no me escriban", "opt_out"),
    # opt-in
    ("START", "opt_in"), ("start.", "opt_in"), ("Unstop", "opt_in"), ("YES", "opt_in"),
    ("yes!", "opt_in"), ("alta", "opt_in"),
    ("sí", "none"), ("Si", "none"),  # not an opt-in: see keywords.py
    # help
    ("HELP", "help"), ("help?", "help"), ("Info", "help"), ("ayuda", "help"), ("AYUDA!", "help"),
    # no false positives
    ("I can't stop by the bank", "none"), ("when does my loan end?", "none"),
    ("can I cancel my payment plan?", "none"), ("don't stop texting me", "none"),
    ("dont text me at work", "none"), ("please don't call me before 9", "none"),
    ("I will stop by tomorrow", "none"), ("stop by the office?", "none"),
    ("what is the end date", "none"), ("no me escriban antes de las 9", "none"),
    ("para cuando es el pago", "none"), ("yes I can pay on Friday", "none"),
    ("help me understand my balance", "none"), ("hello", "none"), ("", "none"), ("   ", "none"),
    ("🙏", "none"), ("?", "none"), ("1", "none"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), GOLDEN, ids=[repr(t) for t, _ in GOLDEN])
def test_it_classifies_inbound_keywords(text, expected):
    assert classify_keyword(text) == expected


def test_it_answers_none_for_non_text():
    assert classify_keyword(None) == "none"  # type: ignore[arg-type]
