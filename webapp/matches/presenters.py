"""A match's timeline in Dutch sentences: the facts each step recorded (data in, short lines out)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from webapp import labels
from webapp.enums import CheckInVerdict, MatchEventKind
from webapp.extensions import db
from webapp.models import EndReason, MatchEvent
from webapp.templating import when


def _day(value: object) -> str:
    try:
        return when(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def event_lines(event: MatchEvent) -> list[str]:
    """What a timeline entry adds to its title: the meeting, the start or end date, the reason, the verdict."""
    detail = event.detail or {}
    kind = event.kind
    if kind in (MatchEventKind.KENNISMAKING_GEPLAND, MatchEventKind.KENNISMAKING_VERZET):
        line = _day(detail.get("on"))
        if detail.get("time"):
            line += f", {detail['time']}"
        if detail.get("place"):
            line += f", {detail['place']}"
        lines = [line]
        if detail.get("coordinator_joins"):
            lines.append(_("De coördinator is erbij."))
        return lines
    if kind is MatchEventKind.GESTART and detail.get("on"):
        return [_("Actief vanaf %(date)s", date=_day(detail["on"]))]
    if kind is MatchEventKind.CONTACTMOMENT and detail.get("verdict"):
        verdict = labels.label(CheckInVerdict(detail["verdict"]))
        return [_("%(date)s: %(verdict)s", date=_day(detail.get("held_on")), verdict=verdict)]
    if kind is MatchEventKind.BEEINDIGD and detail.get("reason"):
        reason = db.session.get(EndReason, detail["reason"])
        lines = [_("Reden: %(reason)s", reason=labels.reason_label(reason) if reason else detail["reason"])]
        if detail.get("volunteer_rescreened"):
            lines.append(_("De vrijwilliger moet opnieuw gescreend worden."))
        if detail.get("resident_returns") is False:
            lines.append(_("De aanmelding van de bewoner is afgesloten."))
        return lines
    return []
