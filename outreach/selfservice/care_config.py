"""config/care.yaml: breathing-space, claim-pause and opt-out-question hold days, free debt advice and crisis lines
per country. A malformed file names the key (ConfigError)."""

from __future__ import annotations

from dataclasses import dataclass

from outreach import config_files
from outreach.config_files import ConfigError


@dataclass(frozen=True)
class Advice:
    """Where the borrower's country sends people for free debt advice, and in a crisis."""

    debt: str
    crisis: str


@dataclass(frozen=True)
class CareConfig:
    breathing_space_days: int
    claim_pause_days: int
    advice: dict[str, Advice]
    opt_out_hold_days: int = 14

    def advice_for(self, country: str | None) -> Advice:
        return self.advice.get((country or "").upper()) or self.advice["default"]


def _days(section: dict, key: str, where: str) -> int:
    value = section.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 365:
        raise ConfigError(f"care.yaml: {where}.{key} must be a whole number of days, 1-365")
    return value


def care_config() -> CareConfig:
    data = config_files.load("care.yaml")
    advice: dict[str, Advice] = {}
    for country, entry in (data.get("advice") or {}).items():
        if not isinstance(entry, dict) or not entry.get("debt") or not entry.get("crisis"):
            raise ConfigError(f"care.yaml: advice.{country} needs 'debt' and 'crisis'")
        advice[str(country).upper() if country != "default" else "default"] = Advice(
            str(entry["debt"]), str(entry["crisis"])
        )
    if "default" not in advice:
        raise ConfigError("care.yaml: advice.default is required")
    return CareConfig(
        breathing_space_days=_days(
            data.get("vulnerability") or {}, "breathing_space_days", "vulnerability"
        ),
        claim_pause_days=_days(data.get("payment_claim") or {}, "pause_days", "payment_claim"),
        advice=advice,
        opt_out_hold_days=_days(
            data.get("opt_out_question") or {"hold_days": 14}, "hold_days", "opt_out_question"
        ),
    )
