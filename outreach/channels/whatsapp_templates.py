"""Approved WhatsApp Content templates, mapped by message-template name in
``config/whatsapp_templates.yaml`` (``WHATSAPP_TEMPLATES_CONFIG`` overrides the path).

``load_templates()`` returns ``{name: {"content_sid", "variables", "locales"}}``;
``content_for(name, locale, values)`` gives the ``ContentSid`` and ``ContentVariables`` to send
outside the 24-hour session, or None when the message has no approved template.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from outreach.settings import ROOT

DEFAULT_PATH = ROOT / "config" / "whatsapp_templates.yaml"
SID = re.compile(r"^HX[0-9a-fA-F]{32}$")


class WhatsAppTemplateError(ValueError):
    """The mapping is malformed; the message names the field."""


def parse(raw: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, dict) or not isinstance(raw.get("whatsapp_templates"), dict):
        raise WhatsAppTemplateError("whatsapp_templates: expected a mapping of template names")
    out = {}
    for name, entry in raw["whatsapp_templates"].items():
        where = f"whatsapp_templates.{name}"
        if not isinstance(entry, dict):
            raise WhatsAppTemplateError(f"{where}: expected a mapping")
        sid = entry.get("content_sid")
        if not isinstance(sid, str) or not SID.match(sid):
            raise WhatsAppTemplateError(f"{where}.content_sid: expected HX followed by 32 hex")
        variables = entry.get("variables") or []
        if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
            raise WhatsAppTemplateError(f"{where}.variables: expected a list of names")
        locales = entry.get("locales") or ["en"]
        if not isinstance(locales, list):
            raise WhatsAppTemplateError(f"{where}.locales: expected a list of locales")
        out[str(name)] = {
            "content_sid": sid,
            "variables": list(variables),
            "locales": [str(loc) for loc in locales],
        }
    return out


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> dict[str, dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return parse(yaml.safe_load(handle))


def load_templates(path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """The mapping ``{template name: {content_sid, variables, locales}}``."""
    path = Path(path or os.environ.get("WHATSAPP_TEMPLATES_CONFIG") or DEFAULT_PATH)
    return dict(_load(str(path), path.stat().st_mtime))


def content_for(
    name: str, locale: str, values: dict[str, Any]
) -> tuple[str, dict[str, str]] | None:
    """(ContentSid, ContentVariables) for ``name`` in ``locale``, or None if not approved."""
    entry = load_templates().get(name)
    if entry is None:
        return None
    lang = (locale or "en").replace("-", "_").split("_")[0]
    if lang not in entry["locales"] and (locale or "en") not in entry["locales"]:
        return None
    return entry["content_sid"], {
        str(i): str(values.get(var, "")) for i, var in enumerate(entry["variables"], start=1)
    }
