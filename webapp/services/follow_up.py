"""Following matches: what each one asks of the coordinator today, for the list of matches and the week page.

Reading only; the rule per match is ``webapp.rules.follow_up``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from webapp.clock import local_date
from webapp.enums import MatchStatus
from webapp.models import CheckIn, Match, Resident, Volunteer
from webapp.rules import FollowUp, MatchPolicy, follow_up, parse_schedule


def policy_from(config: Mapping[str, Any]) -> MatchPolicy:
    return MatchPolicy(
        schedule=parse_schedule(str(config["SAMEN_CHECK_IN_SCHEDULE"])),
        window_days=int(config["SAMEN_CHECK_IN_WINDOW_DAYS"]),
        max_months=int(config["SAMEN_MATCH_MAX_MONTHS"]),
        notice_days=int(config["SAMEN_MATCH_NOTICE_DAYS"]),
    )


@dataclass(frozen=True)
class FollowedMatch:
    match: Match
    follow_up: FollowUp


def check_in_dates(session: Session, match_ids: Sequence[int]) -> dict[int, list[date]]:
    dates: dict[int, list[date]] = defaultdict(list)
    if match_ids:
        for match_id, held_on in session.execute(
            select(CheckIn.match_id, CheckIn.held_on).where(CheckIn.match_id.in_(match_ids))
        ):
            dates[match_id].append(held_on)
    return dates


def matches_query(
    statuses: Iterable[MatchStatus] | None = None, programme: str = "", text: str = ""
) -> Select[tuple[Match]]:
    """Matches with both people loaded, filtered by status, the resident's programme and a name."""
    resident, volunteer = aliased(Resident), aliased(Volunteer)
    query = (
        select(Match)
        .join(resident, resident.id == Match.resident_id)
        .join(volunteer, volunteer.id == Match.volunteer_id)
        .options(joinedload(Match.resident), joinedload(Match.volunteer))
    )
    if statuses is not None:
        query = query.where(Match.status.in_([s.value for s in statuses]))
    if programme:
        query = query.where(resident.programme_code == programme)
    for word in text.split():
        query = query.where(
            or_(
                resident.first_name.icontains(word, autoescape=True),
                resident.last_name.icontains(word, autoescape=True),
                volunteer.first_name.icontains(word, autoescape=True),
                volunteer.last_name.icontains(word, autoescape=True),
            )
        )
    return query


def followed(session: Session, matches: Sequence[Match], policy: MatchPolicy, today: date) -> list[FollowedMatch]:
    """Each match with what it asks today, most urgent first (then oldest first within the same attention)."""
    dates = check_in_dates(session, [m.id for m in matches])
    rows = [FollowedMatch(m, follow_up(m, dates.get(m.id, ()), policy, today)) for m in matches]

    def order(row: FollowedMatch) -> tuple[int, int, date, int]:
        outlook = row.follow_up.outlook
        days_late = outlook.days_late if outlook is not None else 0
        since = row.match.started_on or row.match.introduction_on or local_date(row.match.created_at)
        return (row.follow_up.urgency, -days_late, since, row.match.id)

    return sorted(rows, key=order)


def counts_by_status(session: Session) -> dict[MatchStatus, int]:
    found = dict(session.execute(select(Match.status, func.count()).group_by(Match.status)).all())
    return {status: int(found.get(status, 0)) for status in MatchStatus}
