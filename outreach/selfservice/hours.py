"""When an officer will answer a handed-off conversation (office hours from config/bot.yaml)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from outreach import clock, config_files
from outreach.selfservice.locale import BOT_LANGUAGES

_SOON = {
    "en": "within the hour, during office hours",
    "es": "en menos de una hora, en horario de oficina",
}
_AT = {"en": "{day} from {time} ({zone})", "es": "el {day} a partir de las {time} ({zone})"}
_NEAR = {
    "en": ("today from {time} ({zone})", "tomorrow from {time} ({zone})"),
    "es": ("hoy a partir de las {time} ({zone})", "mañana a partir de las {time} ({zone})"),
}


def _hours() -> tuple[ZoneInfo, set[int], time, time]:
    cfg = config_files.bot().get("office_hours") or {}
    zone = ZoneInfo(cfg.get("timezone", "UTC"))
    days = {int(d) for d in cfg.get("days", [1, 2, 3, 4, 5])}
    return (
        zone,
        days,
        time.fromisoformat(str(cfg.get("open", "09:00"))),
        time.fromisoformat(str(cfg.get("close", "17:00"))),
    )


def office_zone() -> ZoneInfo:
    """The lender's own time zone (office_hours.timezone): officers read times in it."""
    return _hours()[0]


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
    raise config_files.ConfigError("bot.yaml: office_hours.days: no office day in the week")


def handoff_eta(language: str | None = None, now: datetime | None = None) -> str:
    """ "within the hour ..." while the office is open, else "today from 9:00 AM (CST)",
    "tomorrow from ...", or "Monday, November 30 from ...", in the borrower's language."""
    language = language if language in BOT_LANGUAGES else "en"
    now = now or clock.now()
    opening = next_opening(now)
    if opening is None:
        return _SOON[language]
    when = format_time(opening, "short", tzinfo=opening.tzinfo, locale=language)
    days_ahead = (opening.date() - now.astimezone(opening.tzinfo).date()).days
    if days_ahead in (0, 1):  # "today" / "tomorrow" in the office's time zone
        return _NEAR[language][days_ahead].format(time=when, zone=opening.tzname())
    pattern = "EEEE d 'de' MMMM" if language == "es" else "EEEE, MMMM d"
    return _AT[language].format(
        day=format_date(opening.date(), pattern, locale=language),
        time=when,
        zone=opening.tzname(),
    )
