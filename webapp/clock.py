"""Today's date where the coordinators work: waiting days, ages and VOG validity count in local days
(a server clock in UTC would be a day behind between midnight and 1 or 2 a.m.)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Europe/Amsterdam"


def local_today() -> date:
    timezone = current_app.config.get("BABEL_DEFAULT_TIMEZONE", DEFAULT_TIMEZONE) if has_app_context() else None
    return datetime.now(ZoneInfo(timezone or DEFAULT_TIMEZONE)).date()
