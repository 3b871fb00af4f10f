"""When an officer will answer a handed-off conversation (office hours from config/bot.yaml)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from . import bot_config
from .bot_locale import BOT_LANGUAGES
from .models import utcnow

_SOON = {
    "en": "within the hour, during office hours",
    "es": "en menos de una hora, en horario de oficina",
}
_AT = {"en": "{day} from {time} ({zone})", "es": "el {day} a partir de las {time} ({zone})"}


def _hours() -> tuple[ZoneInfo, set[int], time, time]:
    cfg = bot_config.bot().get("office_hours") or {}
    zone = ZoneInfo(cfg.get("timezone", "UTC"))
    days = {int(d) for d in cfg.get("days", [1, 2, 3, 4, 5])}
    return (
        zone,
        days,
        time.fromisoformat(str(cfg.get("open", "09:00"))),
        time.fromisoformat(str(cfg.get("close", "17:00"))),
    )


def next_opening(now: datetime) -> datetime | None:
    """None while the office is open; else the next opening (aware, office time zone)."""
    zone, days, opens, closes = _hours()
    local = now.astimezone(zone)
    if local.isoweekday() in days and opens <= local.time() < closes:
        return None
    for ahead in range(0, 8):
        day = (local + timedelta(days=ahead)).date()
        start = datetime.combine(day, opens, zone)
        if day.isoweekday() in days and start > local:
            return start
    raise bot_config.ConfigError("bot.yaml: office_hours.days: no office day in the week")


def handoff_eta(language: str | None = None, now: datetime | None = None) -> str:
    """ "within the hour ..." while the office is open, else "Monday, November 30 from 9:00 AM
    (CST)", in the borrower's language."""
    language = language if language in BOT_LANGUAGES else "en"
    opening = next_opening(now or utcnow())
    if opening is None:
        return _SOON[language]
    pattern = "EEEE d 'de' MMMM" if language == "es" else "EEEE, MMMM d"
    return _AT[language].format(
        day=format_date(opening.date(), pattern, locale=language),
        time=format_time(opening, "short", tzinfo=opening.tzinfo, locale=language),
        zone=opening.tzname(),
    )
