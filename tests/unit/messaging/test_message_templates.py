"""Every message template, in every locale and channel, carries the required content."""

import re
from pathlib import Path

import pytest

from outreach.campaigns.config import load_config
from outreach.channels.sms_encoding import analyse
from outreach.messaging import templates as mt
from outreach.messaging.links import make_link
from outreach.messaging.pay_links import pay_url
from outreach.settings import Settings

VALUES = {
    "lender": "Acme Lending",
    "amount": "$420.00",
    "due_date": "December 1, 2026",
    "link": "https://lender.example/chat/?t=abc.def.ghi",
    "pay_link": "https://lender.example/pay/jkl.mno.pqr",
    "days_past_due": 15,
    "instalment_number": 2,
    "instalment_count": 6,
    "promised_date": "December 3, 2026",
    "unsubscribe_url": "https://lender.example/unsubscribe/tok",
    "collector": False,
}
MESSAGES = sorted(load_config().templates())
LOCALES = ["en", "es", "sw", "fil", "hi", "hi_Latn"]
STOP = {
    "en": "Reply STOP to stop",
    "es": "Responda STOP",
    "sw": "Jibu STOP",
    "fil": "Mag-reply ng STOP",
    "hi": "STOP लिखें",
    "hi_Latn": "STOP likhein",
}
DISCLOSURE = {
    "en": "This is a debt collector",
    "es": "cobrador de deudas",
    "sw": "mkusanyaji wa madeni",
    "fil": "debt collector",
    "hi": "कर्ज़ वसूली",
    "hi_Latn": "karz vasooli",
}
UCS2_LOCALES = {"hi"}  # Devanagari: 70 characters a segment, never GSM-7
# Lock screens show the first line: no amount, no date, no word that reveals a debt.
DEBT_WORDS = re.compile(
    r"[\d$€£]|overdue|late|debt|owe|arrears|collect|vencid|deuda|atrasad|cobr", re.IGNORECASE
)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
@pytest.mark.parametrize("message", MESSAGES)
def test_it_puts_lender_opt_out_and_link_in_every_text_message(message, channel, locale):
    assert mt.find(message, channel, locale).endswith(f".{locale}.j2")
    body = mt.render(message, channel, locale, **VALUES)
    assert "Acme Lending" in body
    assert STOP[locale] in body  # 12 CFR 1006.6(e), RULES.md RF-OPTOUT-NOTICE
    # One link in a text: the payment link, whose page also leads to the chat (plans).
    assert VALUES["pay_link"] in body and VALUES["link"] not in body
    assert not DEBT_WORDS.search(body.splitlines()[0])
    assert DISCLOSURE[locale] not in body
    assert analyse(body).segments <= load_config().max_sms_segments


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("message", MESSAGES)
def test_a_reminder_without_a_loan_carries_the_chat_link(message, locale):
    body = mt.render(message, "sms", locale, **{**VALUES, "pay_link": ""})
    assert VALUES["link"] in body and "/pay/" not in body
    assert analyse(body).segments <= load_config().max_sms_segments


# The longest a reminder gets: a 40-character PUBLIC_BASE_URL, eight-digit ids, a long lender
# name, the longest dates and amounts; the links signed as the app signs them.
LONG = Settings.from_env(
    {
        "SECRET_KEY": "k" * 40,
        "PUBLIC_BASE_URL": "https://collections.lender-example.co.in",
        "LENDER_NAME": "Acme Lending Co",
    }
)
LONGEST = {
    "en": {"amount": "$12,345.67", "due_date": "September 30, 2026"},
    "es": {"amount": "12.345,67 US$", "due_date": "30 de septiembre de 2026"},
    # The app writes a currency outside GSM-7 as its code (outbox.render.money): PHP, INR.
    "sw": {"amount": "Ksh 12,345.67", "due_date": "30 Septemba 2026"},
    "fil": {"amount": "PHP 12,345.67", "due_date": "Setyembre 30, 2026"},
    "hi": {"amount": "INR 12,345.67", "due_date": "30 सितंबर 2026"},
    "hi_Latn": {"amount": "INR 12,345.67", "due_date": "30 September 2026"},
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("message", MESSAGES)
def test_every_sms_with_its_pay_link_fits_two_gsm7_segments(message, locale):
    values = {
        **VALUES,
        **LONGEST[locale],
        "promised_date": LONGEST[locale]["due_date"],
        "instalment_number": 12,
        "instalment_count": 12,
        "lender": LONG.lender_name,
        "link": make_link(LONG, 12345678),
        "pay_link": pay_url(LONG, 12345678),
    }
    assert len(LONG.public_base_url) == 40
    body = mt.render(message, "sms", locale, **values)
    info = analyse(body)
    assert values["pay_link"] in body
    with_disclosure = analyse(mt.render(message, "sms", locale, **{**values, "collector": True}))
    if locale in UCS2_LOCALES:
        # Devanagari is UCS-2: with the longest links (78 characters) it takes four segments,
        # three with ordinary ones (test above). A lender that wants GSM-7 SMS for Hindi
        # speakers gives them the hi_Latn locale (README, "Languages").
        assert info.encoding == "UCS-2" and info.segments <= 4, body
        return
    assert info.encoding == "GSM-7" and info.segments <= 2, body
    assert with_disclosure.encoding == "GSM-7"
    assert with_disclosure.segments <= load_config().max_sms_segments


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("channel", ["sms", "whatsapp", "email"])
@pytest.mark.parametrize("message", MESSAGES)
def test_it_adds_the_collector_disclosure_when_configured(message, channel, locale):
    body = mt.render(message, channel, locale, **{**VALUES, "collector": True})
    assert DISCLOSURE[locale] in body  # 12 CFR 1006.18(e), RULES.md RF-MIRANDA
    if channel == "email":
        assert (
            DISCLOSURE[locale]
            in mt.render_email(message, locale, **{**VALUES, "collector": True})["html"]
        )


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("message", MESSAGES)
def test_it_gives_every_email_text_html_and_an_unsubscribe_link(message, locale):
    parts = mt.render_email(message, locale, **VALUES)
    assert "Acme Lending" in parts["subject"] and not DEBT_WORDS.search(parts["subject"])
    for part in ("text", "html"):
        assert "Acme Lending" in parts[part]
        assert VALUES["unsubscribe_url"] in parts[part]
        assert VALUES["link"] in parts[part]  # email has room for both: the chat and
        assert VALUES["pay_link"] in parts[part]  # the payment link
    assert parts["html"].startswith("<!doctype html>")


def test_it_escapes_values_in_the_html_part_only():
    parts = mt.render_email("payment_reminder", "en", **{**VALUES, "lender": "A & <B>"})
    assert "A &amp; &lt;B&gt;" in parts["html"] and "A & <B>" in parts["text"]


def test_it_falls_back_from_regional_locale_to_language_to_english():
    assert mt.locale_chain("es-MX") == ["es_MX", "es", "en"]
    assert mt.find("payment_reminder", "sms", "es-MX") == "payment_reminder/sms.es.j2"
    assert mt.find("payment_reminder", "sms", "fr_CA") == "payment_reminder/sms.en.j2"
    assert mt.find("payment_reminder", "whatsapp", "es") == "payment_reminder/sms.es.j2"
    # Romanized Hindi is its own language; Tagalog's old code is Filipino.
    assert mt.locale_chain("hi-Latn-IN") == ["hi_Latn_IN", "hi_Latn", "hi", "en"]
    assert mt.find("payment_reminder", "sms", "hi_Latn_IN") == "payment_reminder/sms.hi_Latn.j2"
    assert mt.find("payment_reminder", "sms", "tl_PH") == "payment_reminder/sms.fil.j2"
    assert mt.find("payment_reminder", "sms", "sw_KE") == "payment_reminder/sms.sw.j2"


def test_it_refuses_a_template_with_an_unknown_variable_at_load_time(tmp_path, monkeypatch):
    from jinja2 import Environment, FileSystemLoader

    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "sms.en.j2").write_text(
        "{{ lender }}: pay {{ amuont }}. Reply STOP to stop."
    )
    env = Environment(loader=FileSystemLoader(str(tmp_path)))
    with pytest.raises(mt.TemplateCheckError, match="amuont"):
        mt.check_source("bad/sms.en.j2", env)


def test_it_loads_every_shipped_template_without_unknown_variables():
    names = mt.check_all()
    assert len(names) >= len(MESSAGES) * 2 * 2
    assert all(Path(mt.TEMPLATE_DIR / n).is_file() for n in names)


def test_it_fails_loudly_on_a_missing_value():
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        mt.render("payment_reminder", "sms", "en", lender="X")
