"""Rendering borrower messages from ``templates/messages/<message>/<channel>.<locale>.j2``.

Locale fallback: es_MX -> es -> en. An unknown variable is an error (StrictUndefined), never a
blank in a borrower's message.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from .settings import ROOT

_env = Environment(loader=FileSystemLoader(str(ROOT / "templates" / "messages")),
                   undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
DEFAULT_LOCALE = "en"


def locale_chain(locale: str) -> list[str]:
    """'es_MX' -> ['es_MX', 'es', 'en']."""
    locale = locale.replace("-", "_")
    chain = [locale, locale.split("_")[0], DEFAULT_LOCALE]
    return list(dict.fromkeys(chain))


def render(message: str, channel: str, locale: str, **variables: Any) -> str:
    for candidate in locale_chain(locale):
        try:
            template = _env.get_template(f"{message}/{channel}.{candidate}.j2")
        except TemplateNotFound:
            continue
        return template.render(**variables).strip()
    raise LookupError(f"template: no {message}/{channel} template for locale {locale!r}")
