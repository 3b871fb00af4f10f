"""When an officer will answer a handed-off conversation (office hours from config/bot.yaml)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time

from outreach import clock, config_files
from outreach.selfservice.locale import BOT_LANGUAGES

_SOON = {
    "en": "within the hour, during office hours",
    "es": "en menos de una hora, en horario de oficina",
    "sw": "ndani ya saa moja, wakati wa saa za kazi",
    "fil": "sa loob ng isang oras, sa oras ng opisina",
    "hi": "एक घंटे के अंदर, दफ़्तर के समय में",
    "hi_Latn": "ek ghante ke andar, office ke samay mein",
}
_AT = {
    "en": "{day} from {time} ({zone})",
    "es": "el {day} a partir de las {time} ({zone})",
    "sw": "{day} kuanzia {time} ({zone})",
    "fil": "sa {day} mula {time} ({zone})",
    "hi": "{day} को {time} ({zone}) से",
    "hi_Latn": "{day} ko {time} ({zone}) se",
}
_NEAR = {
    "en": ("today from {time} ({zone})", "tomorrow from {time} ({zone})"),
    "es": ("hoy a partir de las {time} ({zone})", "mañana a partir de las {time} ({zone})"),
    "sw": ("leo kuanzia {time} ({zone})", "kesho kuanzia {time} ({zone})"),
    "fil": ("ngayong araw mula {time} ({zone})", "bukas mula {time} ({zone})"),
    "hi": ("आज {time} ({zone}) से", "कल {time} ({zone}) से"),
    "hi_Latn": ("aaj {time} ({zone}) se", "kal {time} ({zone}) se"),
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


def _weekday_day_month(day: date, language: str) -> str:
    if language == "es":
        return format_date(day, "EEEE d 'de' MMMM", locale=language)
    if language == "en":
        return format_date(day, "EEEE, MMMM d", locale=language)
    return format_skeleton("MMMMEEEEd", day, locale=language)


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
    return _AT[language].format(
        # Weekday, day and month in the language's own order ("lunes 30 de noviembre").
        day=_weekday_day_month(opening.date(), language),
        time=when,
        zone=opening.tzname(),
    )
