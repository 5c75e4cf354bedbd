"""The coordinator's week: every piece of work that is waiting, each a short list with where to act.

Reading only. The lists are small by nature (a few hundred running matches in a municipality); each is cut to
``limit`` items with its full count, most urgent or oldest first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from webapp.enums import Attention, ResidentSource, ResidentStatus, VogStatus
from webapp.models import Match, Resident, Volunteer
from webapp.rules import vog_valid_until, years_before
from webapp.services.follow_up import FollowedMatch, followed, policy_from

T = TypeVar("T")


@dataclass(frozen=True)
class WorkList(Generic[T]):
    """The first ``limit`` items of a list and how many there are in all."""

    items: Sequence[T]
    total: int

    @classmethod
    def of(cls, rows: Sequence[T], limit: int) -> WorkList[T]:
        return cls(list(rows[:limit]), len(rows))


@dataclass(frozen=True)
class PlannedIntake:
    """An intake talk on the calendar: with a resident or with a volunteer."""

    on: date
    resident: Resident | None = None
    volunteer: Volunteer | None = None


@dataclass(frozen=True)
class ExpiringVog:
    volunteer: Volunteer
    valid_until: date


@dataclass(frozen=True)
class Week:
    today: date
    introductions_to_plan: WorkList[FollowedMatch]
    outcomes_to_record: WorkList[FollowedMatch]
    check_ins: WorkList[FollowedMatch]
    ending_talks: WorkList[FollowedMatch]
    referrals_not_contacted: WorkList[Resident]
    intakes_planned: WorkList[PlannedIntake]
    vogs_expiring: WorkList[ExpiringVog]
    volunteers_awaiting_intake: WorkList[Volunteer]
    longest_waiting: WorkList[Resident]

    @property
    def nothing_to_do(self) -> bool:
        lists = (
            self.introductions_to_plan,
            self.outcomes_to_record,
            self.check_ins,
            self.ending_talks,
            self.referrals_not_contacted,
            self.intakes_planned,
            self.vogs_expiring,
            self.volunteers_awaiting_intake,
        )
        return all(work.total == 0 for work in lists)


def _running_matches(session: Session, config: Mapping[str, Any], today: date) -> list[FollowedMatch]:
    rows = session.scalars(
        select(Match).where(Match.holds_place).options(joinedload(Match.resident), joinedload(Match.volunteer))
    ).all()
    return followed(session, list(rows), policy_from(config), today)


def _of(rows: Sequence[FollowedMatch], *attentions: Attention) -> list[FollowedMatch]:
    return [row for row in rows if row.follow_up.attention in attentions]


def _referrals_not_contacted(session: Session) -> list[Resident]:
    """Referred residents nobody has spoken to or made an appointment with: the oldest referral first."""
    return list(
        session.scalars(
            select(Resident)
            .options(joinedload(Resident.referral))
            .where(
                Resident.source == ResidentSource.VERWIJZING,
                Resident.status == ResidentStatus.WACHTEND,
                Resident.intake_on.is_(None),
                Resident.intake_planned_on.is_(None),
            )
            .order_by(Resident.created_at, Resident.id)
        )
    )


def _intakes_planned(session: Session) -> list[PlannedIntake]:
    """Intake talks on the calendar (also those whose day passed without the talk being recorded), by date."""
    residents = session.scalars(
        select(Resident).where(
            Resident.intake_planned_on.is_not(None),
            Resident.intake_on.is_(None),
            Resident.status == ResidentStatus.WACHTEND,
        )
    ).all()
    volunteers = session.scalars(
        select(Volunteer).where(
            Volunteer.intake_planned_on.is_not(None),
            Volunteer.stopped_at.is_(None),
            or_(Volunteer.intake_outcome.is_(None), Volunteer.rescreening_since.is_not(None)),
        )
    ).all()
    planned = [PlannedIntake(r.intake_planned_on, resident=r) for r in residents if r.intake_planned_on] + [
        PlannedIntake(v.intake_planned_on, volunteer=v) for v in volunteers if v.intake_planned_on
    ]
    return sorted(
        planned, key=lambda p: (p.on, p.resident.id if p.resident else 0, p.volunteer.id if p.volunteer else 0)
    )


def _vogs_expiring(session: Session, today: date, vog_valid_years: int, notice_days: int) -> list[ExpiringVog]:
    """Issued VOGs of active volunteers whose last valid day falls within ``notice_days`` from today."""
    horizon = today + timedelta(days=notice_days)
    rows = session.scalars(
        select(Volunteer).where(
            Volunteer.stopped_at.is_(None),
            Volunteer.vog_status == VogStatus.AFGEGEVEN,
            # A day of slack either side for 29 February; the pure rule below decides.
            Volunteer.vog_issued_on >= years_before(today, vog_valid_years) - timedelta(days=1),
            Volunteer.vog_issued_on <= years_before(horizon, vog_valid_years) + timedelta(days=1),
        )
    ).all()
    expiring = []
    for volunteer in rows:
        until = vog_valid_until(volunteer, vog_valid_years)
        if until is not None and today <= until <= horizon:
            expiring.append(ExpiringVog(volunteer, until))
    return sorted(expiring, key=lambda e: (e.valid_until, e.volunteer.id))


def _volunteers_awaiting_intake(session: Session) -> list[Volunteer]:
    """New sign-ups without an intake talk yet, and volunteers to be screened again: the oldest first."""
    return list(
        session.scalars(
            select(Volunteer)
            .where(
                Volunteer.stopped_at.is_(None),
                or_(Volunteer.intake_outcome.is_(None), Volunteer.rescreening_since.is_not(None)),
            )
            .order_by(Volunteer.created_at, Volunteer.id)
        )
    )


def _longest_waiting(session: Session, limit: int) -> tuple[list[Resident], int]:
    waiting = (Resident.status == ResidentStatus.WACHTEND, Resident.intake_on.is_not(None))
    total = session.scalar(select(func.count(Resident.id)).where(*waiting)) or 0
    rows = session.scalars(
        select(Resident).where(*waiting).order_by(Resident.waiting_since, Resident.id).limit(limit)
    ).all()
    return list(rows), int(total)


def coordinator_week(session: Session, config: Mapping[str, Any], today: date, limit: int = 8) -> Week:
    """Everything waiting for a coordinator today."""
    running = _running_matches(session, config, today)
    longest, waiting_total = _longest_waiting(session, limit)
    return Week(
        today=today,
        introductions_to_plan=WorkList.of(_of(running, Attention.PLAN_INTRODUCTION), limit),
        outcomes_to_record=WorkList.of(_of(running, Attention.RECORD_OUTCOME), limit),
        check_ins=WorkList.of(_of(running, Attention.CHECK_IN_OVERDUE, Attention.CHECK_IN_DUE), limit),
        ending_talks=WorkList.of([row for row in running if row.follow_up.near_maximum], limit),
        referrals_not_contacted=WorkList.of(_referrals_not_contacted(session), limit),
        intakes_planned=WorkList.of(_intakes_planned(session), limit),
        vogs_expiring=WorkList.of(
            _vogs_expiring(session, today, int(config["SAMEN_VOG_VALID_YEARS"]), int(config["SAMEN_VOG_NOTICE_DAYS"])),
            limit,
        ),
        volunteers_awaiting_intake=WorkList.of(_volunteers_awaiting_intake(session), limit),
        longest_waiting=WorkList(longest, waiting_total),
    )
