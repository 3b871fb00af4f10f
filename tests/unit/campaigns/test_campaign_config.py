"""config/campaigns.yaml and config/whatsapp_templates.yaml: parsed strictly, errors name fields."""

import pytest
import yaml

from outreach.campaigns.config import DEFAULT_PATH, CampaignConfigError, parse
from outreach.campaigns.planner import pick_segment, pick_step
from outreach.channels import whatsapp_templates as wt


def shipped():
    return yaml.safe_load(DEFAULT_PATH.read_text())


def test_it_parses_the_shipped_config():
    config = parse(shipped())
    assert [s.day for s in config.cadences["standard"]] == [-3, 0, 1, 3, 7, 15, 30, 60]
    assert config.cadences["standard"][0].channels == ("whatsapp", "sms", "email")


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d["cadences"]["standard"][1].update(day="zero"), "cadences.standard[1].day"),
        (
            lambda d: d["cadences"]["standard"][0].update(channels=["fax"]),
            "cadences.standard[0].channels",
        ),
        (lambda d: d["segments"][0].update(cadence="nope"), "segments[0].cadence"),
        (lambda d: d["segments"][0].update(max_outstanding="lots"), "segments[0].max_outstanding"),
        (lambda d: d["rate_limits"].update(sms=-1), "rate_limits.sms"),
        (lambda d: d["cadences"]["standard"].reverse(), "cadences.standard"),
    ],
)
def test_it_names_the_field_of_a_bad_value(edit, field):
    raw = shipped()
    edit(raw)
    with pytest.raises(CampaignConfigError, match=f"^{field.replace('[', '.').replace(']', '.')}"):
        parse(raw)


def test_it_picks_the_last_step_reached_and_no_after_due_step_for_a_current_loan():
    steps = parse(shipped()).cadences["standard"]
    assert pick_step(steps, -4, 0) is None
    assert pick_step(steps, -3, 0).day == -3
    assert pick_step(steps, -1, 0).day == -3
    assert pick_step(steps, 0, 0).day == 0
    assert pick_step(steps, 5, 0).day == 0  # paid on time: no overdue steps
    assert pick_step(steps, 5, 5).day == 3
    assert pick_step(steps, 400, 400).day == 60


def test_it_segments_by_balance_product_and_days_past_due():
    from decimal import Decimal

    raw = shipped()
    raw["segments"].insert(
        0,
        {"name": "auto_late", "products": ["auto"], "min_days_past_due": 31, "cadence": "standard"},
    )
    config = parse(raw)
    assert pick_segment(config, "auto", 40, Decimal("9000")).name == "auto_late"
    assert pick_segment(config, "auto", 10, Decimal("9000")).name == "default"
    assert pick_segment(config, "personal", 40, Decimal("99.99")).name == "small_balance"


def test_it_maps_whatsapp_content_templates_with_ordered_variables():
    templates = wt.load_templates()
    assert set(templates) >= {"payment_reminder", "payment_overdue"}
    sid, variables = wt.content_for(
        "payment_overdue", "es_MX", {"lender": "L", "amount": "$1", "due_date": "d", "link": "u"}
    )
    assert sid.startswith("HX") and variables == {"1": "L", "2": "$1", "3": "d", "4": "u"}
    assert wt.content_for("payment_overdue", "fr", {}) is None
    assert wt.content_for("no_such_message", "en", {}) is None


def test_it_rejects_a_malformed_content_sid():
    with pytest.raises(wt.WhatsAppTemplateError, match=r"whatsapp_templates\.x\.content_sid"):
        wt.parse({"whatsapp_templates": {"x": {"content_sid": "SM123", "variables": []}}})
