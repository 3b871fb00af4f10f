"""``verification:`` in config/bot.yaml: which factors, how many attempts, how long locks and
verifications last (see the comments there). Checked when read; an error names the key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from outreach import config_files

FACTORS = ("date_of_birth", "loan_last4", "postal_code")
DEFAULTS: dict[str, Any] = {
    "factors": ["date_of_birth", "loan_last4"],
    "typed_loan_factors": ["date_of_birth", "postal_code"],
    "max_attempts": 3,
    "attempt_window_minutes": 1440,
    "lockout_minutes": 30,
    "idle_minutes": 15,
    "conversation_idle_hours": 24,
}


@dataclass(frozen=True)
class VerificationConfig:
    factors: tuple[str, ...]
    typed_loan_factors: tuple[str, ...]
    max_attempts: int
    attempt_window: timedelta
    lockout: timedelta
    idle: timedelta
    conversation_idle: timedelta


def verification_config() -> VerificationConfig:
    """``verification:`` in config/bot.yaml, checked (the error names the key)."""
    raw = {**DEFAULTS, **(config_files.bot().get("verification") or {})}
    for key in ("factors", "typed_loan_factors"):
        value = raw[key]
        if not isinstance(value, list) or not value or any(f not in FACTORS for f in value):
            raise config_files.ConfigError(
                f"bot.yaml: verification.{key}: a list of {', '.join(FACTORS)}"
            )
    if "loan_last4" in raw["typed_loan_factors"]:
        # The visitor typed the whole loan number: its last four digits prove nothing.
        raise config_files.ConfigError(
            "bot.yaml: verification.typed_loan_factors: loan_last4 proves nothing there"
        )
    numbers: dict[str, int] = {}
    for key in DEFAULTS:
        if key.endswith(("_attempts", "_minutes", "_hours")):
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise config_files.ConfigError(f"bot.yaml: verification.{key}: a whole number > 0")
            numbers[key] = value
    return VerificationConfig(
        factors=tuple(raw["factors"]),
        typed_loan_factors=tuple(raw["typed_loan_factors"]),
        max_attempts=numbers["max_attempts"],
        attempt_window=timedelta(minutes=numbers["attempt_window_minutes"]),
        lockout=timedelta(minutes=numbers["lockout_minutes"]),
        idle=timedelta(minutes=numbers["idle_minutes"]),
        conversation_idle=timedelta(hours=numbers["conversation_idle_hours"]),
    )
