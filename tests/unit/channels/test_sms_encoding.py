"""GSM-7 / UCS-2 detection and segment counts, as carriers bill them."""

from outreach.channels.sms_encoding import analyse, is_gsm7


def test_it_counts_gsm7_single_and_concatenated_segments():
    assert analyse("a" * 160) == analyse("a" * 160)
    assert (analyse("a" * 160).encoding, analyse("a" * 160).segments) == ("GSM-7", 1)
    assert analyse("a" * 161).segments == 2
    assert analyse("a" * 306).segments == 2
    assert analyse("a" * 307).segments == 3


def test_it_counts_extension_characters_as_two_septets():
    info = analyse("€" * 80)
    assert (info.encoding, info.units, info.segments) == ("GSM-7", 160, 1)
    assert analyse("€" * 81).segments == 2


def test_it_switches_to_ucs2_for_characters_outside_gsm7():
    assert not is_gsm7("Responda STOP para no recibir más mensajes")
    info = analyse("á" * 70)
    assert (info.encoding, info.segments) == ("UCS-2", 1)
    assert analyse("á" * 71).segments == 2
    assert analyse("á" * 134).segments == 2
    assert analyse("á" * 135).segments == 3


def test_it_counts_an_emoji_as_two_ucs2_units():
    assert analyse("👍").units == 2


def test_it_keeps_spanish_n_tilde_and_e_acute_in_gsm7():
    assert is_gsm7("mañana, café")
    assert analyse("").segments == 0
