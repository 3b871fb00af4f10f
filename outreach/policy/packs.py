"""Rule packs: YAML files in config/policy/, one per jurisdiction, merged default -> country ->
country-region (e.g. default -> US -> US-MA), then a lender override file on top.

Merge: mappings merge key by key, any other value replaces, ``null`` deletes a key. A lender
override (``POLICY_OVERRIDES``, read by the CLI/app layer and passed in as ``override_path``) may
only *tighten*: add windows and caps (windows intersect and caps all apply, so an added rule can
only narrow), enable a shipped rule that is disabled, or block marketing on more channels. It
cannot edit or delete a shipped rule: those carry a regulatory citation and change only by review.

``rules_version`` = the most specific pack name(s) + the first 8 hex digits of the SHA-256 of the
canonical merged content (every pack in the chain and the override), so any change to any pack
changes it: ``US-MA@3f2a9c1b``.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from outreach.policy.errors import PackError
from outreach.policy.rulepack import RulePack, compile_rules
from outreach.policy.zones import address_regions

DEFAULT_PACK_DIR = Path(__file__).resolve().parents[2] / "config" / "policy"


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PackError(f"{path}: cannot read rule pack: {exc}") from None
    if not isinstance(data, dict):
        raise PackError(f"{path}: a rule pack must be a mapping")
    return data


def merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Deep merge: mappings key by key, other values replace, ``None`` deletes."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _check_additive(shipped: dict[str, Any], extra: dict[str, Any], where: str) -> None:
    """A lender override may only tighten (see the module docstring)."""
    for section, value in extra.items():
        if section in ("contact_windows", "frequency_caps") and isinstance(value, dict):
            for rule_id, rule in value.items():
                existing = shipped.get(section, {}).get(rule_id)
                if existing is not None and rule != {"enabled": True}:
                    raise PackError(
                        f"{where}.{section}.{rule_id}: a lender override may not change a shipped "
                        "rule (add a rule with a new id, or set only 'enabled: true')"
                    )
        elif (
            section == "marketing"
            and isinstance(value, dict)
            and set(value)
            <= {
                "blocked_channels",
                "citation",
            }
        ):
            before = set(shipped.get("marketing", {}).get("blocked_channels", []))
            if not before <= set(value.get("blocked_channels", [])):
                raise PackError(f"{where}.marketing.blocked_channels: may only add channels")
        else:
            raise PackError(
                f"{where}.{section}: a lender override may only add contact_windows or "
                "frequency_caps, enable a disabled rule, or block marketing on more channels"
            )


def _override_rules(path: Path, chain: Sequence[str]) -> tuple[str, list[tuple[str, dict]]]:
    data = _read_yaml(path)
    unknown = set(data) - {"lender", "rules", "jurisdictions"}
    if unknown:
        raise PackError(f"{path}: unknown keys {sorted(unknown)} (lender, rules, jurisdictions)")
    lender = str(data.get("lender") or "override")
    parts: list[tuple[str, dict]] = []
    if data.get("rules"):
        parts.append((f"{path}: rules", data["rules"]))
    for name, section in (data.get("jurisdictions") or {}).items():
        if not isinstance(section, dict) or set(section) - {"rules"}:
            raise PackError(f"{path}: jurisdictions.{name} must be a mapping with 'rules'")
        if name in chain and section.get("rules"):
            parts.append((f"{path}: jurisdictions.{name}.rules", section["rules"]))
    for where, rules in parts:
        if not isinstance(rules, dict):
            raise PackError(f"{where} must be a mapping")
    return lender, parts


def _build(chain: tuple[str, ...], pack_dir: Path, override: Path | None) -> RulePack:
    rules: dict[str, Any] = {}
    loaded: list[str] = []
    for name in chain:
        path = pack_dir / f"{name}.yaml"
        if not path.is_file():
            if name == "default":
                raise PackError(f"{path}: the default rule pack is missing")
            continue
        data = _read_yaml(path)
        if data.get("pack") != name:
            raise PackError(f"{path}: 'pack' must be {name!r}")
        if not isinstance(data.get("rules"), dict):
            raise PackError(f"{path}: 'rules' must be a mapping")
        rules = merge(rules, data["rules"])
        loaded.append(name)
    regional = [n for n in loaded if "-" in n]
    name = "+".join(regional) if regional else loaded[-1]
    if override is not None:
        lender, parts = _override_rules(override, loaded)
        for where, extra in parts:
            _check_additive(rules, extra, where)
            rules = merge(rules, extra)
        name = f"{name}+{lender}"
    canonical = json.dumps({"packs": loaded, "rules": rules}, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:8]
    return compile_rules(rules, name, tuple(loaded), f"{name}@{digest}", " -> ".join(loaded))


def pack_chain(country: str, regions: Sequence[str] = ()) -> tuple[str, ...]:
    country = country.upper()
    return ("default", country, *(f"{country}-{r.upper()}" for r in sorted(set(regions))))


@lru_cache(maxsize=512)
def _cached(chain: tuple[str, ...], pack_dir: str, override: str | None, stamp: int) -> RulePack:
    return _build(chain, Path(pack_dir), Path(override) if override else None)


def clear_pack_cache() -> None:
    """Forget loaded packs: shipped packs are read once per process (they change by deploy); a
    lender override file is re-read whenever its modification time changes."""
    _cached.cache_clear()
    shipped_pack.cache_clear()


@lru_cache(maxsize=4096)
def shipped_pack(country: str, region: str | None, postal_code: str | None) -> RulePack:
    """The shipped pack of an address (its region and its ZIP code's state both count), memoised
    per address: the planner asks for it once per borrower."""
    return load_pack(country, address_regions(country, region, postal_code))


def load_pack(
    country: str,
    region: str | Sequence[str] | None = None,
    override_path: str | Path | None = None,
    *,
    pack_dir: str | Path | None = None,
) -> RulePack:
    """The merged rule pack for a jurisdiction: default -> country -> country-region (+ override).

    ``region`` may be several regions (an address whose ZIP code and state disagree): every
    region pack then applies. Loaded packs are cached; an override file is re-read when it changes.
    """
    regions = [region] if isinstance(region, str) else list(region or ())
    chain = pack_chain(country, [r for r in regions if r])
    directory = str(Path(pack_dir) if pack_dir else DEFAULT_PACK_DIR)
    override = str(Path(override_path).resolve()) if override_path else None
    stamp = 0
    if override:
        try:
            stamp = Path(override).stat().st_mtime_ns
        except OSError as exc:
            raise PackError(f"{override}: cannot read lender override: {exc}") from None
    return _cached(chain, directory, override, stamp)


def pack_from_content(
    content: dict[str, Any], name: str, chain: tuple[str, ...], rules_version: str
) -> RulePack:
    """Rebuild a pack from archived merged rules (``RulePack.content``), keeping its version:
    how a decision made under an older pack is replayed after the shipped packs changed."""
    return compile_rules(content, name, chain, rules_version, f"archived {rules_version}")
