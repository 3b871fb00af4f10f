"""The command line, end to end: the public examples, bad input, independence from the TZ."""

from __future__ import annotations

import json

from tests.unit.policy.policy_support import EXAMPLES, build, outputs, run_cli

CONTRACT_KEYS = {"id", "allowed", "reasons", "next_allowed_at", "zones", "rules_version"}


def test_it_answers_the_public_examples_as_expected():
    proc = run_cli(None, str(EXAMPLES))
    assert proc.returncode == 0, proc.stderr
    scenarios = [json.loads(line) for line in EXAMPLES.read_text().splitlines()]
    results = outputs(proc)
    assert len(results) == len(scenarios)
    for scenario, result in zip(scenarios, results, strict=True):
        assert result["id"] == scenario["id"]
        assert set(result) >= CONTRACT_KEYS
        for key, expected in scenario["expect"].items():
            assert result[key] == expected, (scenario["id"], key, result)


def test_it_reads_standard_input_when_no_file_is_given():
    proc = run_cli(EXAMPLES.read_text())
    assert proc.returncode == 0
    assert [r["id"] for r in outputs(proc)] == [f"E{i}" for i in range(1, 9)]


def test_it_reads_standard_input_for_a_dash():
    proc = run_cli(EXAMPLES.read_text(), "-")
    assert proc.returncode == 0
    assert len(outputs(proc)) == 8


def test_it_writes_exactly_the_contract_keys_by_default():
    result = outputs(run_cli(json.dumps(build("2026-05-04T12:30:00Z")) + "\n"))[0]
    assert list(result) == ["id", "allowed", "reasons", "next_allowed_at", "zones", "rules_version"]


def test_it_writes_instants_as_utc_seconds_with_z_and_evidence_on_request():
    line = json.dumps(build("2026-05-04T12:30:00.250+00:00"))
    result = outputs(run_cli(line + "\n", "-", "--evidence"))[0]
    assert result["next_allowed_at"] == "2026-05-04T13:00:00Z"
    assert result["local_times"] == {"America/Chicago": "2026-05-04T07:30:00-05:00"}
    assert result["tzdata"] == "2026f"  # the pinned tzdata package (requirements.txt)


BAD_LINES = [
    ('{"id": "J1", "now": ', None, "invalid JSON"),
    ("[1, 2]", None, "scenario: must be a JSON object"),
    ("", None, "line: empty"),
    (json.dumps({**build("2026-05-04T15:00:00Z"), "id": "B1", "borrower": {}}), "B1", "borrower.country: required"),
    (json.dumps({k: v for k, v in build("2026-05-04T15:00:00Z").items() if k != "borrower"}), "T", "borrower: required"),
    (json.dumps({**build("2026-05-04T15:00:00Z"), "id": "B2", "channel": "fax"}), "B2", "channel:"),
    (json.dumps({**build("2026-05-04T15:00:00Z"), "id": "B3", "now": "yesterday"}), "B3", "now:"),
    (json.dumps({**build("2026-05-04T15:00:00"), "id": "B4"}), "B4", "now:"),
    (json.dumps(build("2026-05-04T15:00:00Z", borrower={"timezone": "Mars/Olympus"}) | {"id": "B5"}), "B5", "borrower.timezone:"),
    (json.dumps(build("2026-05-04T15:00:00Z", borrower={"phone": "312-555-0100"}) | {"id": "B6"}), "B6", "borrower.phone:"),
    (json.dumps(build("2026-05-04T15:00:00Z", borrower={"consent": "sms"}) | {"id": "B7"}), "B7", "borrower.consent:"),
    (json.dumps(build("2026-05-04T15:00:00Z", history=[{"channel": "sms", "at": 5}]) | {"id": "B8"}), "B8", "history[0].at:"),
    (json.dumps(build("2026-05-04T15:00:00Z", borrower={"country": 1}) | {"id": "B9"}), "B9", "borrower.country:"),
    (json.dumps(build("2026-05-04T15:00:00Z", borrower={"flags": ["vip"]}) | {"id": "B10"}), "B10", "borrower.flags[0]:"),
    (json.dumps({**build("2026-05-04T15:00:00Z"), "id": 7}), None, "id: must be a string"),
]  # fmt: skip


def test_it_answers_every_bad_line_with_an_error_naming_the_field_and_the_rest_normally():
    good = EXAMPLES.read_text().splitlines()
    lines = []
    for i, (bad, _, _) in enumerate(BAD_LINES):
        lines += [bad, good[i % len(good)]]
    proc = run_cli("\n".join(lines) + "\n")
    assert proc.returncode == 2
    results = outputs(proc)
    assert len(results) == 2 * len(BAD_LINES)
    for i, (_, expected_id, message) in enumerate(BAD_LINES):
        error, decision = results[2 * i], results[2 * i + 1]
        assert set(error) == {"id", "error"}, error
        assert error["id"] == expected_id
        assert message in error["error"], (message, error)
        assert decision["id"] == json.loads(good[i % len(good)])["id"]
        assert "allowed" in decision


def test_it_exits_2_for_a_missing_file():
    proc = run_cli(None, "/nonexistent/scenarios.jsonl")
    assert proc.returncode == 2
    assert "No such file" in proc.stderr


def test_it_does_not_depend_on_the_machine_time_zone():
    lines = EXAMPLES.read_text()
    extra = [
        build("2026-03-08T06:59:00Z", borrower={"region": "NY", "postal_code": None, "phone": None}),
        build("2026-10-25T07:59:00Z", replace=True, borrower={"country": "GB", "phone": "+442079460000", "consent": ["sms"]}),
        build("2026-11-01T05:30:00Z", borrower={"region": None, "postal_code": None, "phone": "+18005550100"}),
    ]  # fmt: skip
    lines += "".join(json.dumps(s) + "\n" for s in extra)
    utc = run_cli(lines, env={"TZ": "UTC"})
    kiritimati = run_cli(lines, env={"TZ": "Pacific/Kiritimati"})
    honolulu = run_cli(lines, env={"TZ": "Pacific/Honolulu"})
    assert utc.returncode == kiritimati.returncode == honolulu.returncode == 0
    assert utc.stdout == kiritimati.stdout == honolulu.stdout


def test_it_applies_a_lender_override_from_policy_overrides(tmp_path):
    override = tmp_path / "acme.yaml"
    override.write_text(
        "lender: acme\n"
        "rules:\n"
        "  contact_windows:\n"
        "    acme_business_hours:\n"
        "      channels: [sms]\n"
        '      start: "09:00"\n'
        '      end: "17:00"\n'
        "      citation: Acme policy\n"
    )
    line = json.dumps(build("2026-05-04T13:30:00Z")) + "\n"  # 08:30 in Chicago
    result = outputs(run_cli(line, env={"POLICY_OVERRIDES": str(override)}))[0]
    assert result["reasons"] == ["contact_window"]
    assert result["next_allowed_at"] == "2026-05-04T14:00:00Z"
    assert result["rules_version"].startswith("US+acme@")


def test_it_refuses_a_broken_override_before_answering(tmp_path):
    override = tmp_path / "bad.yaml"
    override.write_text("rules:\n  consent:\n    required: false\n    citation: nope\n")
    proc = run_cli(EXAMPLES.read_text(), env={"POLICY_OVERRIDES": str(override)})
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "consent" in proc.stderr


def test_it_accepts_a_byte_order_mark_and_crlf_line_ends():
    proc = run_cli("\ufeff" + EXAMPLES.read_text().replace("\n", "\r\n"))
    assert proc.returncode == 0, proc.stdout
    assert [r["id"] for r in outputs(proc)] == [f"E{i}" for i in range(1, 9)]


def test_it_keeps_answering_after_an_unexpected_failure(monkeypatch, capsys):
    import io

    from outreach.policy import __main__ as cli

    calls = {"n": 0}
    real = cli.evaluate

    def flaky(pack, scenario):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("boom")
        return real(pack, scenario)

    monkeypatch.setattr(cli, "evaluate", flaky)
    out = io.StringIO()
    lines = [line.encode() for line in EXAMPLES.read_text().splitlines()[:3]]
    assert cli.check(lines, out, None) == 2
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in results] == ["E1", "E2", "E3"]
    assert results[1] == {"id": "E2", "error": "internal error: RuntimeError"}
    assert "allowed" in results[0] and "allowed" in results[2]
    assert "boom" in capsys.readouterr().err
