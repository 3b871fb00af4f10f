"""Rule packs: resolution, merging, citations, versions and lender overrides."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from outreach.policy import PackError, load_pack
from outreach.policy.packs import DEFAULT_PACK_DIR, clear_pack_cache, merge
from tests.unit.policy.policy_support import REPO

PACKS = sorted(p.stem for p in (REPO / "config" / "policy").glob("*.yaml"))


def test_it_ships_a_pack_per_jurisdiction():
    assert {"default", "US", "US-MA", "US-WA", "US-FL", "GB", "IN", "PH", "KE"} <= set(PACKS)
    assert DEFAULT_PACK_DIR == REPO / "config" / "policy"


@pytest.mark.parametrize("name", PACKS)
def test_it_gives_every_rule_a_citation(name):
    data = yaml.safe_load((REPO / "config" / "policy" / f"{name}.yaml").read_text())
    assert data["pack"] == name
    for section, body in data["rules"].items():
        rules = (
            body.values() if section in ("contact_windows", "frequency_caps", "flags") else [body]
        )
        for rule in rules:
            assert rule.get("citation"), (name, section, rule)


@pytest.mark.parametrize(
    ("country", "region", "version_prefix", "sms_window"),
    [
        ("US", "MA", "US-MA@", (480, 1260)),
        ("US", "IL", "US@", (480, 1260)),
        ("us", "ma", "US-MA@", (480, 1260)),
        ("IN", None, "IN@", (480, 1140)),
        ("PH", None, "PH@", (360, 1320)),
        ("GB", None, "GB@", (480, 1260)),
        ("KE", None, "KE@", (480, 1260)),
        ("FR", None, "default@", (480, 1260)),
        ("US", "WA", "US-WA@", (480, 1260)),  # 07:30 state rule intersected with the 08:00 floor
    ],
)
def test_it_resolves_default_then_country_then_region(country, region, version_prefix, sms_window):
    pack = load_pack(country, region)
    assert pack.rules_version.startswith(version_prefix)
    assert len(pack.rules_version.split("@")[1]) == 8
    assert pack.window_for("sms") == sms_window


def test_it_keeps_caps_from_every_level():
    caps = {cap.id for cap in load_pack("US", "MA").caps_for("whatsapp")}
    assert caps == {"per_channel_24h", "per_channel_7d", "ma_phone_7d"}
    assert {cap.id for cap in load_pack("US", "MA").caps_for("email")} == {
        "per_channel_24h",
        "per_channel_7d",
    }
    assert "wa_all_channels_7d" in {cap.id for cap in load_pack("US", "WA").caps_for("email")}


def test_it_excludes_email_from_the_florida_window_only():
    rules = {rule.id: rule for rule in load_pack("US", "FL").windows}
    assert rules["fl_559_72_17"].channels == {"sms", "whatsapp"}
    assert "email" in rules["contact_window"].channels  # Reg F still covers email


def test_it_ships_the_nyc_cap_disabled():
    pack = load_pack("US", "NY")
    assert "nyc_all_media_7d" not in {cap.id for cap in pack.caps_for("sms", "10001")}
    assert pack.content["frequency_caps"]["nyc_all_media_7d"]["enabled"] is False


def test_it_merges_mappings_replaces_values_and_deletes_nulls():
    base = {"a": {"x": 1, "y": 2}, "b": [1, 2], "c": 3}
    assert merge(base, {"a": {"y": 5, "z": 6}, "b": [3], "c": None}) == {
        "a": {"x": 1, "y": 5, "z": 6},
        "b": [3],
    }
    assert base == {"a": {"x": 1, "y": 2}, "b": [1, 2], "c": 3}


@pytest.fixture
def pack_dir(tmp_path) -> Path:
    target = tmp_path / "policy"
    shutil.copytree(REPO / "config" / "policy", target)
    return target


def test_it_changes_the_version_when_any_pack_in_the_chain_changes(pack_dir):
    before = load_pack("US", "MA", pack_dir=pack_dir).rules_version
    default = pack_dir / "default.yaml"
    default.write_text(default.read_text().replace("max: 3", "max: 2"))
    clear_pack_cache()
    after = load_pack("US", "MA", pack_dir=pack_dir).rules_version
    assert before != after and after.startswith("US-MA@")
    citation_only = pack_dir / "US.yaml"
    citation_only.write_text(citation_only.read_text().replace("12 CFR", "12 C.F.R."))
    clear_pack_cache()
    assert load_pack("US", "MA", pack_dir=pack_dir).rules_version != after


def test_it_names_the_file_and_key_of_a_broken_pack(pack_dir):
    path = pack_dir / "US-MA.yaml"
    path.write_text(path.read_text().replace("      max: 2\n", ""))
    clear_pack_cache()
    with pytest.raises(PackError, match=r"US-MA.*frequency_caps\.ma_phone_7d\.max: required"):
        load_pack("US", "MA", pack_dir=pack_dir)
    (pack_dir / "GB.yaml").write_text("pack: GB\nrules:\n  contact_windows:\n    contact_window:\n      citation: x\n      start: '21:00'\n      end: '08:00'\n      channels: [sms]\n")  # fmt: skip
    with pytest.raises(PackError, match="start must be before end"):
        load_pack("GB", pack_dir=pack_dir)


def test_it_requires_a_citation(pack_dir):
    path = pack_dir / "US-WA.yaml"
    text = path.read_text()
    start = text.index("      citation: >-\n        RCW 19.16.250: no more than 3")
    path.write_text(text[:start])
    with pytest.raises(PackError, match=r"wa_all_channels_7d\.citation: required"):
        load_pack("US", "WA", pack_dir=pack_dir)


def _override(tmp_path, text: str) -> Path:
    path = tmp_path / "override.yaml"
    path.write_text(text)
    return path


def test_it_adds_lender_rules_to_every_jurisdiction(tmp_path):
    path = _override(
        tmp_path,
        "lender: acme\nrules:\n  frequency_caps:\n    acme_weekly:\n      channels: [sms, email]\n"
        "      scope: together\n      max: 2\n      window: 7d\n      citation: Acme policy 4.2\n",
    )
    pack = load_pack("US", "MA", path)
    assert pack.rules_version.startswith("US-MA+acme@")
    assert pack.rules_version != load_pack("US", "MA").rules_version
    assert "acme_weekly" in {cap.id for cap in pack.caps_for("email")}


def test_it_applies_jurisdiction_sections_of_an_override_only_there(tmp_path):
    path = _override(
        tmp_path,
        "jurisdictions:\n  US-MA:\n    rules:\n      contact_windows:\n        acme_ma:\n"
        "          channels: [sms]\n          start: '09:00'\n          end: '20:00'\n"
        "          citation: Acme MA policy\n",
    )
    assert load_pack("US", "MA", path).window_for("sms") == (540, 1200)
    assert load_pack("US", "WA", path).window_for("sms") == (480, 1260)


def test_it_lets_an_override_enable_a_disabled_rule(tmp_path):
    path = _override(
        tmp_path, "rules:\n  frequency_caps:\n    nyc_all_media_7d:\n      enabled: true\n"
    )
    pack = load_pack("US", "NY", path)
    assert "nyc_all_media_7d" in {cap.id for cap in pack.caps_for("sms", "10001")}
    assert "nyc_all_media_7d" not in {cap.id for cap in pack.caps_for("sms", "14201")}


@pytest.mark.parametrize(
    "text",
    [
        "rules:\n  contact_windows:\n    contact_window:\n      start: '07:00'\n",
        "rules:\n  frequency_caps:\n    per_channel_24h:\n      max: 5\n",
        "rules:\n  frequency_caps:\n    per_channel_7d: null\n",
        "rules:\n  consent:\n    required: false\n    citation: x\n",
        "rules:\n  marketing:\n    blocked_channels: [sms]\n",
        "rules:\n  whatsapp_session:\n    hours: 48\n    citation: x\n",
        "surprise: true\n",
    ],
)
def test_it_refuses_an_override_that_would_loosen_a_shipped_rule(tmp_path, text):
    with pytest.raises(PackError):
        load_pack("US", "MA", _override(tmp_path, text))


def test_it_rereads_an_override_that_changed(tmp_path):
    path = _override(tmp_path, "lender: one\n")
    first = load_pack("US", None, path).rules_version
    path.write_text("lender: two\n")
    import os

    os.utime(path, ns=(1, 10**18))
    assert load_pack("US", None, path).rules_version.startswith("US+two@") and first.startswith(
        "US+one@"
    )


def test_it_rebuilds_an_archived_pack_that_decides_alike():
    from outreach.policy import decide, parse_scenario
    from outreach.policy.packs import pack_from_content
    from tests.unit.policy.policy_support import build

    shipped = load_pack("US", "MA")
    archived = pack_from_content(
        shipped.content, shipped.name, shipped.chain, shipped.rules_version
    )
    assert (archived.rules_version, archived.name, archived.chain) == (
        shipped.rules_version,
        shipped.name,
        shipped.chain,
    )
    history = [{"channel": "sms", "at": "2026-05-01T15:00:00Z"}]
    for now in ("2026-05-04T11:00:00Z", "2026-05-04T15:00:00Z"):
        scenario = parse_scenario(
            build(now, "whatsapp", message={"kind": "template"}, history=history,
                  borrower={"region": "MA", "postal_code": "02108"})
        )  # fmt: skip
        assert decide(scenario, archived) == decide(scenario, shipped)


def test_it_loads_the_override_example_in_the_readme(tmp_path):
    readme = (REPO / "config" / "policy" / "README.md").read_text()
    example = readme.split("```yaml")[-1].split("```")[0]
    path = _override(tmp_path, example)
    pack = load_pack("US", "NY", path)
    assert pack.rules_version.startswith("US-NY+acme@")
    assert pack.window_for("sms") == (540, 1140)
    assert {"acme_weekly", "nyc_all_media_7d"} <= {c.id for c in pack.caps_for("sms", "10001")}
