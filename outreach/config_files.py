"""Reading config/bot.yaml and config/plans.yaml (cached by file modification time).

``OUTREACH_CONFIG_DIR`` points elsewhere (tests, a deployment's own limits).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from outreach.settings import ROOT

_cache: dict[Path, tuple[float, dict[str, Any]]] = {}


class ConfigError(ValueError):
    """A configuration file is missing or malformed; the message names the file and key."""


def config_dir() -> Path:
    return Path(os.environ.get("OUTREACH_CONFIG_DIR") or ROOT / "config")


def load(name: str) -> dict[str, Any]:
    """The parsed YAML file ``name`` (e.g. "plans.yaml") from the config directory."""
    path = config_dir() / name
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc
    cached = _cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    _cache[path] = (mtime, data)
    return data


def bot() -> dict[str, Any]:
    return load("bot.yaml")


def plans() -> dict[str, Any]:
    return load("plans.yaml")
