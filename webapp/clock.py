"""Today's date where the coordinators work: waiting days, ages and VOG validity count in local days
(a server clock in UTC would be a day behind between midnight and 1 or 2 a.m.). Moments are stored as naive
UTC; compare them with local days only through ``local_date``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Europe/Amsterdam"


def local_timezone() -> ZoneInfo:
    timezone = current_app.config.get("BABEL_DEFAULT_TIMEZONE", DEFAULT_TIMEZONE) if has_app_context() else None
    return ZoneInfo(timezone or DEFAULT_TIMEZONE)


def local_today() -> date:
    return datetime.now(local_timezone()).date()


def local_date(moment: datetime) -> date:
    """The local day of a stored moment (naive UTC)."""
    return moment.replace(tzinfo=UTC).astimezone(local_timezone()).date()


def stored_moment(day: date, wall_time: time) -> datetime:
    """The naive UTC moment, as stored, of a local wall-clock time on a local day."""
    return datetime.combine(day, wall_time, tzinfo=local_timezone()).astimezone(UTC).replace(tzinfo=None)
