"""A merged, validated rule pack and the compiler that builds it from merged YAML content."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from outreach.policy.caps import CapRule
from outreach.policy.errors import PackError, ScenarioError
from outreach.policy.facts import CHANNELS, FLAGS
from outreach.policy.timeutil import DAY, HOUR, parse_hhmm

_WINDOW = re.compile(r"^(\d+)([hd])$")


@dataclass(frozen=True, slots=True)
class WindowRule:
    id: str
    channels: frozenset[str]
    start: int  # minutes after local midnight, inclusive
    end: int  # exclusive
    citation: str
    postal_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class RulePack:
    """A merged, validated rule pack (see the module docstring)."""

    name: str
    chain: tuple[str, ...]
    rules_version: str
    windows: tuple[WindowRule, ...]
    caps: tuple[tuple[CapRule, tuple[str, ...]], ...]  # (cap, postal prefixes it is limited to)
    consent_required: bool
    whatsapp_session_us: int
    marketing_blocked: frozenset[str]
    blocking_flags: frozenset[str]
    content: dict[str, Any] = field(compare=False, repr=False)
    # Letters (section ``letters``): exempt from the contact window and preferences, consent not
    # required. A pack without the section (archived before letters existed) asks consent.
    letter_window_exempt: bool = False
    letter_consent_required: bool = True

    def window_for(self, channel: str, postal_code: str | None = None) -> tuple[int, int]:
        """Local ``[start, end)`` minutes for a lender-initiated message: every rule intersected."""
        return _window_for(self, channel, postal_code if self._postal_rules else None)

    def caps_for(self, channel: str, postal_code: str | None = None) -> tuple[CapRule, ...]:
        return _caps_for(self, channel, postal_code if self._postal_rules else None)

    @cached_property
    def _postal_rules(self) -> bool:
        return any(rule.postal_prefixes for rule in self.windows) or any(
            prefixes for _, prefixes in self.caps
        )


@lru_cache(maxsize=4096)
def _window_for(pack: RulePack, channel: str, postal_code: str | None) -> tuple[int, int]:
    start, end = 0, 24 * 60
    for rule in pack.windows:
        if channel in rule.channels and _applies(rule.postal_prefixes, postal_code):
            start, end = max(start, rule.start), min(end, rule.end)
    return start, end


@lru_cache(maxsize=4096)
def _caps_for(pack: RulePack, channel: str, postal_code: str | None) -> tuple[CapRule, ...]:
    return tuple(
        cap
        for cap, prefixes in pack.caps
        if channel in cap.channels and _applies(prefixes, postal_code)
    )


def _applies(prefixes: tuple[str, ...], postal_code: str | None) -> bool:
    return not prefixes or bool(postal_code and postal_code.startswith(prefixes))


def _req(mapping: dict, key: str, where: str) -> Any:
    if key not in mapping or mapping[key] in (None, ""):
        raise PackError(f"{where}.{key}: required")
    return mapping[key]


def _channels(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not value or any(ch not in CHANNELS for ch in value):
        raise PackError(f"{where}: must be a non-empty list of {', '.join(CHANNELS)}")
    return frozenset(value)


def _hhmm(value: Any, where: str, allow_24: bool = False) -> int:
    try:
        return parse_hhmm(value, where, allow_24=allow_24)
    except ScenarioError as exc:
        raise PackError(str(exc)) from None


def _duration_us(value: Any, where: str) -> int:
    match = _WINDOW.match(str(value))
    if not match or int(match[1]) <= 0:
        raise PackError(f"{where}: must be a duration like '24h' or '7d', got {value!r}")
    return int(match[1]) * (HOUR if match[2] == "h" else DAY)


def compile_rules(rules: dict, name: str, chain: tuple, version: str, where: str) -> RulePack:
    windows, caps = [], []
    for rule_id, rule in (rules.get("contact_windows") or {}).items():
        at = f"{where}: contact_windows.{rule_id}"
        _req(rule, "citation", at)
        if rule.get("enabled", True) is False:
            continue
        start = _hhmm(_req(rule, "start", at), f"{at}.start")
        end = _hhmm(_req(rule, "end", at), f"{at}.end", allow_24=True)
        if start >= end:
            raise PackError(f"{at}: start must be before end (windows do not span midnight)")
        chans = _channels(_req(rule, "channels", at), f"{at}.channels")
        prefixes = tuple(str(p) for p in rule.get("postal_prefixes") or ())
        windows.append(WindowRule(rule_id, chans, start, end, rule["citation"], prefixes))
    for rule_id, rule in (rules.get("frequency_caps") or {}).items():
        at = f"{where}: frequency_caps.{rule_id}"
        _req(rule, "citation", at)
        if rule.get("enabled", True) is False:
            continue
        scope = _req(rule, "scope", at)
        if scope not in ("per_channel", "together"):
            raise PackError(f"{at}.scope: must be per_channel or together")
        limit = _req(rule, "max", at)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise PackError(f"{at}.max: must be a positive integer")
        cap = CapRule(
            rule_id,
            _channels(_req(rule, "channels", at), f"{at}.channels"),
            scope,
            limit,
            _duration_us(_req(rule, "window", at), f"{at}.window"),
            rule["citation"],
        )
        caps.append((cap, tuple(str(p) for p in rule.get("postal_prefixes") or ())))
    consent = _req(rules, "consent", where)
    _req(consent, "citation", f"{where}: consent")
    session = _req(rules, "whatsapp_session", where)
    _req(session, "citation", f"{where}: whatsapp_session")
    hours = _req(session, "hours", f"{where}: whatsapp_session")
    marketing = _req(rules, "marketing", where)
    _req(marketing, "citation", f"{where}: marketing")
    flags = _req(rules, "flags", where)
    for flag in FLAGS:
        _req(_req(flags, flag, f"{where}: flags"), "citation", f"{where}: flags.{flag}")
    for section in ("opt_outs", "address", "wrong_party"):
        _req(_req(rules, section, where), "citation", f"{where}: {section}")
    letters = rules.get("letters")
    if letters is not None:
        if not isinstance(letters, dict):
            raise PackError(f"{where}: letters: must be a mapping")
        _req(letters, "citation", f"{where}: letters")
        for key in ("contact_window", "consent_required", "marketing_blocked"):
            if not isinstance(letters.get(key, True), bool):
                raise PackError(f"{where}: letters.{key}: must be true or false")
    else:
        letters = {}
    blocked = (
        _channels(marketing.get("blocked_channels", []), f"{where}: marketing")
        if marketing.get("blocked_channels")
        else frozenset()
    )
    if letters.get("marketing_blocked", True):
        blocked = blocked | {"letter"}
    return RulePack(
        name=name,
        chain=chain,
        rules_version=version,
        windows=tuple(windows),
        caps=tuple(caps),
        consent_required=bool(consent.get("required", True)),
        whatsapp_session_us=int(hours) * HOUR,
        marketing_blocked=blocked,
        blocking_flags=frozenset(FLAGS),
        content=rules,
        letter_window_exempt=bool(letters) and not letters.get("contact_window", True),
        letter_consent_required=bool(
            letters.get("consent_required", consent.get("required", True))
        ),
    )
