"""Rendering borrower messages from ``templates/messages/<message>/<channel>.<locale>.j2``.

Locale fallback: es-MX -> es_MX -> es -> en (the default). WhatsApp falls back to the SMS wording
when a message has no WhatsApp-specific file. Email templates define three blocks, ``subject``,
``text`` and ``html``, so one file gives both MIME parts.

Every template is checked when it is loaded: a variable that is not in ``VARIABLES`` is a
``TemplateCheckError`` naming the file and the variable, never a blank in a borrower's message
(rendering also uses StrictUndefined, so a missing value fails loudly).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, TemplateNotFound, meta

from outreach.locale_codes import fallbacks
from outreach.settings import ROOT

TEMPLATE_DIR = ROOT / "templates" / "messages"
DEFAULT_LOCALE = "en"
EMAIL_BLOCKS = ("subject", "text", "html")
# The variables a message template may use; anything else is a mistake caught at load time.
VARIABLES = frozenset(
    {
        "lender",
        "amount",
        "due_date",
        "link",
        "pay_link",
        "unsubscribe_url",
        "days_past_due",
        "instalment_number",
        "instalment_count",
        "promised_date",
        "collector",
        "loan_ref",
        "paybill",  # an M-Pesa paybill (business number) to pay by
        "account",  # the account number to give at that paybill (the loan number)
        # Letters (issue 18): templates/messages/<letter kind>/letter.<locale>.j2
        "name",
        "balance",
        "past_due",
        "deadline",
        "remedy_days",
        "country",
        "arrangement",  # .label, .agreed_on, .total, .schedule[].amount/.due (outreach.letters)
        "jurisdiction",  # settlements: US, US-NY, GB... (the words each one requires)
        # The group leader's summary (issue 20): counts only, never a member's detail.
        "group_name",
        "meeting_day",  # the weekday's name in the leader's language
        "counted",  # members who consented to be counted
        "on_time",  # of them, those paid on time
    }
)
LETTER_BLOCKS = ("subject", "body")

_env = Environment(
    loader=FileSystemLoader(str(TEMPLATE_DIR)),
    undefined=StrictUndefined,
    autoescape=False,
    keep_trailing_newline=False,
)
_html_env = Environment(
    loader=FileSystemLoader(str(TEMPLATE_DIR)),
    undefined=StrictUndefined,
    autoescape=True,
    keep_trailing_newline=False,
)


class TemplateCheckError(ValueError):
    """A template uses a variable outside ``VARIABLES`` (or cannot be parsed)."""


def locale_chain(locale: str) -> list[str]:
    """'es-MX' -> ['es_MX', 'es', 'en']; 'hi-Latn-IN' -> ['hi_Latn_IN', 'hi_Latn', 'hi', 'en'];
    'tl_PH' -> ['fil_PH', 'fil', 'en']."""
    return fallbacks(locale, DEFAULT_LOCALE)


def check_source(name: str, env: Environment = _env) -> None:
    """Raise ``TemplateCheckError`` when ``name`` uses a variable not in ``VARIABLES``."""
    source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    unknown = meta.find_undeclared_variables(env.parse(source)) - VARIABLES
    if unknown:
        raise TemplateCheckError(
            f"template {name}: unknown variable(s) {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(sorted(VARIABLES))}"
        )


@lru_cache(maxsize=512)
def _load(name: str, html: bool = False) -> Template:
    env = _html_env if html else _env
    check_source(name, env)
    return env.get_template(name)


def _channel_chain(channel: str) -> list[str]:
    return [channel, "sms"] if channel == "whatsapp" else [channel]


@lru_cache(maxsize=4096)  # like the parsed templates (``_load``), read once per process
def find(message: str, channel: str, locale: str) -> str:
    """The template file used for ``message`` on ``channel`` in ``locale`` (after fallbacks)."""
    for ch in _channel_chain(channel):
        for candidate in locale_chain(locale):
            name = f"{message}/{ch}.{candidate}.j2"
            if (TEMPLATE_DIR / name).is_file():
                return name
    raise LookupError(f"template: no {message}/{channel} template for locale {locale!r}")


def render(message: str, channel: str, locale: str, **variables: Any) -> str:
    """The text of an SMS or WhatsApp message (or the plain-text part of an email)."""
    if channel == "email":
        return render_email(message, locale, **variables)["text"]
    try:
        return _load(find(message, channel, locale)).render(**variables).strip()
    except TemplateNotFound as exc:  # pragma: no cover - find() checked the file exists
        raise LookupError(str(exc)) from exc


def render_email(message: str, locale: str, **variables: Any) -> dict[str, str]:
    """Subject, plain-text and HTML parts of an email (HTML autoescaped)."""
    name = find(message, "email", locale)
    text_tpl, html_tpl = _load(name), _load(name, html=True)
    parts = {}
    for block in EMAIL_BLOCKS:
        if block not in text_tpl.blocks:
            raise TemplateCheckError(f"template {name}: missing block {block!r}")
        tpl = html_tpl if block == "html" else text_tpl
        ctx = tpl.new_context(dict(variables))
        parts[block] = "".join(tpl.blocks[block](ctx)).strip()
    parts["subject"] = " ".join(parts["subject"].split())
    return parts


def render_letter(message: str, locale: str, **variables: Any) -> dict[str, str]:
    """Subject line and body text of a letter (rendered into a PDF by ``outreach.letters``)."""
    name = find(message, "letter", locale)
    tpl = _load(name)
    parts = {}
    for block in LETTER_BLOCKS:
        if block not in tpl.blocks:
            raise TemplateCheckError(f"template {name}: missing block {block!r}")
        ctx = tpl.new_context(dict(variables))
        parts[block] = "".join(tpl.blocks[block](ctx)).strip()
    parts["subject"] = " ".join(parts["subject"].split())
    return parts


def all_templates() -> list[str]:
    """Every template file, relative to ``templates/messages``."""
    return sorted(str(p.relative_to(TEMPLATE_DIR)) for p in TEMPLATE_DIR.rglob("*.j2"))


def check_all() -> list[str]:
    """Load every template (raising on the first unknown variable); returns their names."""
    names = all_templates()
    for name in names:
        _load(name, html=name.split("/")[-1].startswith("email."))
    return names
