"""The group leader's summary text (issue 20) in every borrower language: the counts, the
meeting's weekday in the leader's language, and nothing of any member."""

import re

import pytest

from outreach.campaigns.config import load_config
from outreach.channels.sms_encoding import analyse
from outreach.messaging import templates as mt
from outreach.models import OutboxItem
from outreach.outbox.render import variables
from outreach.settings import Settings

SETTINGS = Settings.from_env(
    {"SECRET_KEY": "k" * 40, "PUBLIC_BASE_URL": "https://lender.example", "LENDER_NAME": "Acme"}
)
LOCALES = ("en", "es", "sw", "fil", "hi", "hi_Latn")
THURSDAY = {
    "en": "Thursday",
    "es": "jueves",
    "sw": "Alhamisi",
    "fil": "Huwebes",
    "hi": "गुरुवार",
    "hi_Latn": "Guruwaar",
}
STOP = "STOP"
PAYLOAD = {
    "kind": "group_summary",
    "group_name": "Kikundi Umoja",
    "meeting_date": "2026-11-26",  # a Thursday
    "meeting_at": "2026-11-26T07:00:00+00:00",
    "counted": 6,
    "on_time": 5,
}


def body(locale: str, **extra) -> str:
    item = OutboxItem(borrower_id=7, loan_id=None, locale=locale, payload=PAYLOAD)
    values = {**variables(SETTINGS, load_config(), item), **extra}
    return mt.render("group_leader_summary", "sms", locale, **values)


@pytest.mark.parametrize("locale", LOCALES)
def test_it_renders_the_counts_and_the_weekday_in_every_language(locale):
    assert mt.find("group_leader_summary", "sms", locale).endswith(f"sms.{locale}.j2")
    text = body(locale)
    assert "Acme" in text and "Kikundi Umoja" in text and THURSDAY[locale] in text
    assert sorted(re.findall(r"\d+", text)) == ["5", "6"]  # the two counts, no other figure
    assert STOP in text
    assert not re.search(r"\d", text.splitlines()[0])  # a lock screen shows no figure
    assert "/pay/" not in text and "/chat/" not in text  # no link naming anyone
    info = analyse(text)
    # Devanagari is UCS-2 whatever we do; the others stay GSM-7 (LANGS.md).
    assert info.encoding == ("UCS-2" if locale == "hi" else "GSM-7")
    assert info.segments <= load_config().max_sms_segments


@pytest.mark.parametrize("locale", LOCALES)
def test_a_third_party_collector_says_so_in_every_language(locale):
    assert len(body(locale, collector=True)) > len(body(locale))


def test_a_kenyan_leaders_locale_picks_swahili():
    assert "Mkutano wa Alhamisi: wanachama 5 kati ya 6" in body("sw_KE")
