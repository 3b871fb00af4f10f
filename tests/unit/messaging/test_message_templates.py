"""Every message template, in every locale and channel, carries the required content."""

import re
from pathlib import Path

import pytest

from outreach.campaigns.config import load_config
from outreach.channels.sms_encoding import analyse
from outreach.messaging import templates as mt

VALUES = {
    "lender": "Acme Lending",
    "amount": "$420.00",
    "due_date": "December 1, 2026",
    "link": "https://lender.example/chat/?t=abc.def.ghi",
    "days_past_due": 15,
    "instalment_number": 2,
    "instalment_count": 6,
    "promised_date": "December 3, 2026",
    "unsubscribe_url": "https://lender.example/unsubscribe/tok",
    "collector": False,
}
MESSAGES = sorted(load_config().templates())
LOCALES = ["en", "es"]
STOP = {"en": "Reply STOP to stop", "es": "Responda STOP"}
DISCLOSURE = {"en": "This is a debt collector", "es": "cobrador de deudas"}
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
    assert VALUES["link"] in body
    assert not DEBT_WORDS.search(body.splitlines()[0])
    assert DISCLOSURE[locale] not in body
    assert analyse(body).segments <= load_config().max_sms_segments


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
        assert VALUES["link"] in parts[part]
    assert parts["html"].startswith("<!doctype html>")


def test_it_escapes_values_in_the_html_part_only():
    parts = mt.render_email("payment_reminder", "en", **{**VALUES, "lender": "A & <B>"})
    assert "A &amp; &lt;B&gt;" in parts["html"] and "A & <B>" in parts["text"]


def test_it_falls_back_from_regional_locale_to_language_to_english():
    assert mt.locale_chain("es-MX") == ["es_MX", "es", "en"]
    assert mt.find("payment_reminder", "sms", "es-MX") == "payment_reminder/sms.es.j2"
    assert mt.find("payment_reminder", "sms", "fr_CA") == "payment_reminder/sms.en.j2"
    assert mt.find("payment_reminder", "whatsapp", "es") == "payment_reminder/sms.es.j2"


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
