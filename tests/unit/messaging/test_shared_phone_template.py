"""The shared-phone reminder (issue 20) in every locale: lender, how to reply, opt-out and the
collector disclosure, and no variable (nor link) that could carry an account detail."""

import pytest
from jinja2 import meta

from outreach.channels.sms_encoding import analyse
from outreach.messaging.templates import _env, render
from outreach.outbox.render import SHARED_PHONE_TEMPLATE


@pytest.mark.parametrize(("locale", "stop"), [("en", "Reply STOP"), ("es", "Responda STOP")])
def test_it_has_lender_reply_and_opt_out_in_two_gsm7_segments(locale, stop):
    body = render(SHARED_PHONE_TEMPLATE, "sms", locale, lender="Demo Lender", collector=True)
    assert body.startswith("Demo Lender:") and stop in body and "http" not in body
    assert "MENU" in body and ("debt collector" in body or "cobrador de deudas" in body)
    info = analyse(body)
    assert info.encoding == "GSM-7" and info.segments <= 2


@pytest.mark.parametrize("locale", ["en", "es"])
def test_it_uses_no_account_variable(locale):
    source = _env.loader.get_source(_env, f"{SHARED_PHONE_TEMPLATE}/sms.{locale}.j2")[0]
    assert meta.find_undeclared_variables(_env.parse(source)) == {"lender", "collector"}
