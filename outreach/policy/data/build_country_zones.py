"""Regenerate country_zones.py from the pinned tzdata package's zone.tab.

    .venv/bin/python -m outreach.policy.data.build_country_zones

Zones are written under their canonical names (links resolved through tzdata.zi). The US entry is
not used for the all-US fallback (us_states.ALL_STATE_ZONES is, see zones.py); it is kept so that a
test can check both agree.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from outreach.policy.timeutil import TZDATA_VERSION, canonical_zone


def build() -> dict[str, tuple[str, ...]]:
    root = resources.files("tzdata") / "zoneinfo"
    table: dict[str, set[str]] = {}
    for line in root.joinpath("zone.tab").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        country, _coords, name, *_ = line.split("\t")
        zone = canonical_zone(name)
        if zone is not None:
            table.setdefault(country, set()).add(zone)
    return {country: tuple(sorted(zones)) for country, zones in sorted(table.items())}


def render(table: dict[str, tuple[str, ...]]) -> str:
    lines = [
        "# ruff: noqa: E501",
        '"""Country (ISO 3166-1 alpha-2) -> IANA zones, generated from tzdata zone.tab.',
        "",
        "Do not edit by hand: run ``python -m outreach.policy.data.build_country_zones``.",
        '"""',
        "",
        f'TZDATA_VERSION = "{TZDATA_VERSION}"',
        "",
        "# fmt: off",
        "COUNTRY_ZONES: dict[str, tuple[str, ...]] = {",
    ]
    for country, zones in table.items():
        lines.append(
            f'    "{country}": ({"".join(f"{z!r}, " for z in zones).rstrip()}),'.replace("'", '"')
        )
    lines += ["}", "# fmt: on"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    target = Path(__file__).with_name("country_zones.py")
    target.write_text(render(build()), encoding="utf-8")
    print(f"wrote {target}")
