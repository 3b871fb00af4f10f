"""The stage rules of ``config/stages.yaml``: parsed strictly, evaluated as a pure function.

``StageRules.target(facts)`` answers which stage a loan's facts call for and which rule said so.
No database and no clock here: the caller measures "days since right-party contact" at its own
``now`` (``outreach.stages.evaluate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from outreach.config_files import ConfigError, load
from outreach.models.stages import LETTER_KINDS, STAGES

CONDITIONS = (
    "days_past_due_at_least",
    "broken_arrangements_at_least",
    "no_right_party_contact_days",
    "balance_at_least",
)
AUTOMATIC_STAGES = ("pre_legal", "late", "early", "current")


@dataclass(frozen=True)
class LoanFacts:
    """What the rules look at for one loan."""

    days_past_due: int
    broken_arrangements: int
    days_since_contact: int | None  # None: the borrower never wrote
    balance: Decimal
    currency: str


@dataclass(frozen=True)
class Rule:
    id: str
    stage: str
    when: dict[str, Any]

    def matches(self, facts: LoanFacts) -> bool:
        w = self.when
        if facts.days_past_due < w.get("days_past_due_at_least", 0):
            return False
        if facts.broken_arrangements < w.get("broken_arrangements_at_least", 0):
            return False
        quiet = w.get("no_right_party_contact_days")
        since = facts.days_since_contact
        if quiet is not None and since is not None and since < quiet:
            return False
        floor = w.get("balance_at_least")
        if floor is not None:
            amount = (
                floor.get(facts.currency, floor.get("default"))
                if isinstance(floor, dict)
                else floor
            )
            if amount is not None and facts.balance < amount:
                return False
        return True


@dataclass(frozen=True)
class StageRules:
    rules: tuple[Rule, ...]
    return_cooldown_days: int
    required_notices: dict[str, frozenset[str]]
    notice_citations: dict[str, str]

    def target(self, facts: LoanFacts) -> tuple[str, str]:
        """(stage, rule id) of the first matching rule, most severe stage first."""
        for rule in self.rules:
            if rule.matches(facts):
                return rule.stage, rule.id
        return "current", "no_rule_matched"

    def target_below_pre_legal(self, facts: LoanFacts) -> tuple[str, str]:
        """Like ``target``, skipping pre_legal (an account a supervisor returned to collections)."""
        for rule in self.rules:
            if rule.stage != "pre_legal" and rule.matches(facts):
                return rule.stage, rule.id
        return "current", "no_rule_matched"

    def notices_allowed(self, country: str) -> frozenset[str]:
        """Letter kinds the rule pack requires even while automation is stopped."""
        return self.required_notices.get(country.upper(), self.required_notices["default"])


def _count(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"stages.yaml: {where}: must be a whole number >= 0, got {value!r}")
    return value


def _money(value: Any, where: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"stages.yaml: {where}: not an amount: {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ConfigError(f"stages.yaml: {where}: must be an amount >= 0, got {value!r}")
    return amount


def _when(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"stages.yaml: {where}: must be a mapping of conditions")
    unknown = set(value) - set(CONDITIONS)
    if unknown:
        raise ConfigError(
            f"stages.yaml: {where}.{sorted(unknown)[0]}: unknown condition "
            f"(one of {', '.join(CONDITIONS)})"
        )
    out: dict[str, Any] = {}
    for key, raw in value.items():
        at = f"{where}.{key}"
        if key == "balance_at_least":
            out[key] = (
                {
                    str(k).upper() if k != "default" else k: _money(v, f"{at}.{k}")
                    for k, v in raw.items()
                }
                if isinstance(raw, dict)
                else _money(raw, at)
            )
        else:
            out[key] = _count(raw, at)
    return out


def parse(data: dict[str, Any]) -> StageRules:
    """Validate the parsed YAML; every error names the key."""
    stages = data.get("stages")
    if not isinstance(stages, dict) or not stages:
        raise ConfigError("stages.yaml: stages: required mapping of stage -> rules")
    rules: list[Rule] = []
    seen: set[str] = set()
    for stage in AUTOMATIC_STAGES:  # severity order, whatever order the file lists them in
        for i, entry in enumerate(stages.get(stage) or []):
            where = f"stages.{stage}[{i}]"
            if not isinstance(entry, dict) or not entry.get("id"):
                raise ConfigError(f"stages.yaml: {where}.id: required")
            if entry["id"] in seen:
                raise ConfigError(f"stages.yaml: {where}.id: duplicate rule id {entry['id']!r}")
            seen.add(entry["id"])
            rules.append(
                Rule(str(entry["id"]), stage, _when(entry.get("when") or {}, f"{where}.when"))
            )
    for stage in stages:
        if stage not in AUTOMATIC_STAGES:
            known = "manual" if stage in STAGES else "unknown"
            raise ConfigError(
                f"stages.yaml: stages.{stage}: {known} stage; rules may only lead to "
                f"{', '.join(AUTOMATIC_STAGES)} (a supervisor decides the others)"
            )
    notices: dict[str, frozenset[str]] = {}
    citations: dict[str, str] = {}
    for country, entry in (data.get("required_notices") or {}).items():
        where = f"required_notices.{country}"
        if not isinstance(entry, dict) or not entry.get("citation"):
            raise ConfigError(f"stages.yaml: {where}.citation: required")
        kinds = entry.get("kinds") or []
        bad = [k for k in kinds if k not in LETTER_KINDS]
        if bad:
            raise ConfigError(f"stages.yaml: {where}.kinds: unknown letter kind {bad[0]!r}")
        key = country if country == "default" else str(country).upper()
        notices[key], citations[key] = frozenset(kinds), str(entry["citation"])
    notices.setdefault("default", frozenset())
    citations.setdefault("default", "no letters while automation is stopped")
    return StageRules(
        tuple(rules),
        _count(data.get("return_cooldown_days", 30), "return_cooldown_days"),
        notices,
        citations,
    )


def load_rules() -> StageRules:
    """``config/stages.yaml`` (``OUTREACH_CONFIG_DIR`` elsewhere), validated."""
    return parse(load("stages.yaml"))
