"""The ``group_leader_summary`` section: off by default, every error naming its field."""

from datetime import time

import pytest

from outreach.campaigns.config import CampaignConfigError, load_config, parse
from outreach.campaigns.group_summary_config import LeaderSummaryConfig, parse_summary


def test_it_is_off_without_the_section_or_with_empty_lists():
    assert not parse_summary(None).enabled
    assert not parse_summary({"countries": [], "products": [], "groups": []}).enabled


def test_the_shipped_config_turns_it_on_for_the_demo_group_only():
    summary = load_config().leader_summary
    assert summary.groups == ("DEMO-G-KE-1",) and not summary.countries and not summary.products
    assert summary.min_counted == 3 and summary.days_before == 1


def test_it_reads_where_and_when():
    summary = parse_summary(
        {"countries": ["ke"], "products": ["group_loan"], "local_time": "17:30", "days_before": 2}
    )
    assert summary.countries == ("KE",) and summary.local_time == time(17, 30)
    assert summary.covers("G-1", "ke", set()) and summary.covers("G-1", "PH", {"group_loan"})
    assert not summary.covers("G-1", "PH", {"personal"})
    assert LeaderSummaryConfig(groups=("G-1",)).covers("G-1", "", set())


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ({"min_counted": 1}, "group_leader_summary.min_counted"),
        ({"days_before": -1}, "group_leader_summary.days_before"),
        ({"local_time": "4pm"}, "group_leader_summary.local_time"),
        ({"countries": "KE"}, "group_leader_summary.countries"),
        ({"channels": ["pigeon"]}, "group_leader_summary.channels"),
        ({"channels": ["email"]}, "group_leader_summary.channels"),
        ("yes", "group_leader_summary"),
    ],
)
def test_a_bad_value_names_the_field_when_the_config_loads(section, field):
    raw = {
        "cadences": {"standard": [{"day": 0, "template": "t", "channels": ["sms"]}]},
        "segments": [{"cadence": "standard"}],
        "instalment_reminder": {"days_before": 1, "template": "t", "channels": ["sms"]},
        "promise_reminder": {"days_before": 1, "template": "t", "channels": ["sms"]},
        "group_leader_summary": section,
    }
    with pytest.raises(CampaignConfigError, match=field.replace(".", r"\.")):
        parse(raw)
