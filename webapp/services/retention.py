"""Retention: what is kept no longer than its period is anonymised (``webapp.services.erasure``), not deleted, so
that the dashboards' figures stay right. ``flask samen retention run [--dry-run]`` (``webapp.cli_retention``) runs it.

The rules, each counted in whole calendar months (``webapp.rules.months_after``: 31 August + 6 months is 28 or 29
February) from a day, and due on the day the period has passed (the day before, nothing happens):

- **Referral without an intake talk** (``SAMEN_RETAIN_REFERRAL_MONTHS``, default 3): a referred resident with whom
  no coordinator held the intake talk, waiting or closed, from the last attempt to make contact: the latest of the
  referral's arrival, its last change of status and a planned intake talk's day.
- **Resident** (``SAMEN_RETAIN_RESIDENT_MONTHS``, default 24): a resident whose sign-up is closed, from the last
  contact: the latest of the day they were closed and the end of their last match. (The domain brief says "2 years
  after the last contact", the issue "2 years after the last match ends"; a sign-up is closed on or after the end
  of its last match, so the latest of the two is both: the end of the match when the resident was closed with it,
  the closing when they waited again or never had a match.)
- **Volunteer** (``SAMEN_RETAIN_VOLUNTEER_MONTHS``, default 12): a volunteer who stopped, or whom the intake talk
  found not suitable (nobody stops them: they were never taken on), from the later of the day they stopped and the
  day of the intake talk.

Never due: a resident on the waiting list after their intake talk (the sign-up is still wanted; a coordinator
closes it when it is not), anyone with a running match (kennismaking or actief), anyone already anonymised, and
anyone whose processing is restricted (a restriction under the AVG means: keep, do nothing else, also not erase;
they are counted as skipped until the restriction is lifted). A person due under two rules (a referral without an
intake talk that was closed) counts under the first.

Idempotent: an anonymised person is never due again, so a second run anonymises nobody; each real run writes one
audit record per person ("retention.anonymised", ids and the rule only) and one summary ("retention.run", counts).
Days are local days (Europe/Amsterdam), as everywhere in Samen.
"""

from __future__ import annotations

import enum
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from webapp.clock import local_date
from webapp.enums import AuditAction, AuditSubject, IntakeOutcome, ResidentStatus
from webapp.models import Match, Referral, Resident, Volunteer
from webapp.rules import months_after
from webapp.services import audit, erasure
from webapp.services.errors import DomainError

log = logging.getLogger(__name__)


class RetentionRule(enum.StrEnum):
    """Which period made a person due (the order is the order of the rules above)."""

    REFERRAL = "referral"
    RESIDENT = "resident"
    VOLUNTEER = "volunteer"


@dataclass(frozen=True)
class RetentionPolicy:
    """The periods, in months."""

    referral_months: int = 3
    resident_months: int = 24
    volunteer_months: int = 12

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RetentionPolicy:
        return cls(
            referral_months=int(config["SAMEN_RETAIN_REFERRAL_MONTHS"]),
            resident_months=int(config["SAMEN_RETAIN_RESIDENT_MONTHS"]),
            volunteer_months=int(config["SAMEN_RETAIN_VOLUNTEER_MONTHS"]),
        )


@dataclass(frozen=True)
class Due:
    """One person whose period has passed: who (kind and id), under which rule, counted from which day."""

    rule: RetentionRule
    person_id: int
    counted_from: date
    due_on: date
    restricted: bool


@dataclass
class RetentionReport:
    """What a run did (or, dry, would do): people anonymised per rule, and those skipped with why."""

    dry_run: bool
    anonymised: Counter[RetentionRule] = field(default_factory=Counter)
    skipped_restricted: Counter[RetentionRule] = field(default_factory=Counter)
    skipped_refused: Counter[RetentionRule] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.anonymised.values())

    def as_detail(self) -> dict[str, Any]:
        return {
            "anonymised": {rule.value: self.anonymised[rule] for rule in RetentionRule},
            "skipped_restricted": {rule.value: self.skipped_restricted[rule] for rule in RetentionRule},
            "skipped_refused": {rule.value: self.skipped_refused[rule] for rule in RetentionRule},
        }


# -- the rules, on days ---------------------------------------------------------------------------------------


def latest(days: Iterable[date | None]) -> date | None:
    known = [day for day in days if day is not None]
    return max(known) if known else None


def due_on(counted_from: date, months: int) -> date:
    """The day a period of ``months`` from ``counted_from`` has passed: the same day that many months later."""
    return months_after(counted_from, months)


# -- who is due -----------------------------------------------------------------------------------------------


def _running_match_residents(session: Session) -> set[int]:
    return set(session.scalars(select(Match.resident_id).where(Match.holds_place)))


def _referrals_due(session: Session, months: int, today: date, running: set[int]) -> list[Due]:
    rows = session.execute(
        select(
            Resident.id,
            Resident.intake_planned_on,
            Resident.restricted_at,
            Referral.created_at,
            Referral.status_changed_at,
        )
        .join(Referral, Referral.resident_id == Resident.id)
        .where(
            Resident.anonymised_at.is_(None),
            Resident.intake_on.is_(None),
            Resident.status.in_([ResidentStatus.WACHTEND, ResidentStatus.AFGESLOTEN]),
        )
        .order_by(Resident.id)
    ).all()
    found = []
    for resident_id, planned_on, restricted_at, created_at, changed_at in rows:
        if resident_id in running:
            continue
        counted_from = latest([local_date(created_at), local_date(changed_at) if changed_at else None, planned_on])
        assert counted_from is not None
        day = due_on(counted_from, months)
        if day <= today:
            found.append(Due(RetentionRule.REFERRAL, resident_id, counted_from, day, restricted_at is not None))
    return found


def _residents_due(session: Session, months: int, today: date, running: set[int], taken: set[int]) -> list[Due]:
    last_match_end = (
        select(Match.resident_id, func.max(Match.ended_on).label("ended_on")).group_by(Match.resident_id).subquery()
    )
    rows = session.execute(
        select(Resident.id, Resident.closed_at, Resident.created_at, Resident.restricted_at, last_match_end.c.ended_on)
        .outerjoin(last_match_end, last_match_end.c.resident_id == Resident.id)
        .where(Resident.anonymised_at.is_(None), Resident.status == ResidentStatus.AFGESLOTEN)
        .order_by(Resident.id)
    ).all()
    found = []
    for resident_id, closed_at, created_at, restricted_at, ended_on in rows:
        if resident_id in running or resident_id in taken:
            continue
        # A closed row always has its closing moment; a row from before that was recorded counts from its creation.
        counted_from = latest([local_date(closed_at or created_at), ended_on])
        assert counted_from is not None
        day = due_on(counted_from, months)
        if day <= today:
            found.append(Due(RetentionRule.RESIDENT, resident_id, counted_from, day, restricted_at is not None))
    return found


def _volunteers_due(session: Session, months: int, today: date) -> list[Due]:
    running = set(session.scalars(select(Match.volunteer_id).where(Match.holds_place)))
    rows = session.execute(
        select(
            Volunteer.id, Volunteer.stopped_at, Volunteer.intake_outcome, Volunteer.intake_on, Volunteer.restricted_at
        )
        .where(
            Volunteer.anonymised_at.is_(None),
            or_(Volunteer.stopped_at.is_not(None), Volunteer.intake_outcome == IntakeOutcome.NIET_GESCHIKT),
        )
        .order_by(Volunteer.id)
    ).all()
    found = []
    for volunteer_id, stopped_at, outcome, intake_on, restricted_at in rows:
        if volunteer_id in running:
            continue
        days = [local_date(stopped_at)] if stopped_at is not None else []
        if outcome is IntakeOutcome.NIET_GESCHIKT and intake_on is not None:
            days.append(intake_on)
        if not days:
            continue
        counted_from = max(days)
        day = due_on(counted_from, months)
        if day <= today:
            found.append(Due(RetentionRule.VOLUNTEER, volunteer_id, counted_from, day, restricted_at is not None))
    return found


def due(session: Session, policy: RetentionPolicy, today: date) -> list[Due]:
    """Everyone whose period has passed on ``today``, by rule and id (restricted people included, marked)."""
    running = _running_match_residents(session)
    referrals = _referrals_due(session, policy.referral_months, today, running)
    residents = _residents_due(session, policy.resident_months, today, running, {d.person_id for d in referrals})
    return [*referrals, *residents, *_volunteers_due(session, policy.volunteer_months, today)]


# -- the run --------------------------------------------------------------------------------------------------


def _anonymise(session: Session, item: Due) -> None:
    detail = {"rule": item.rule.value, "counted_from": item.counted_from.isoformat(), "due_on": item.due_on.isoformat()}
    if item.rule is RetentionRule.VOLUNTEER:
        erasure.erase_volunteer(
            session,
            None,
            item.person_id,
            action=AuditAction.RETENTION_ANONYMISED,
            stopping_reason=erasure.ERASED_BY_RETENTION,
            **detail,
        )
    else:
        erasure.erase_resident(
            session,
            None,
            item.person_id,
            action=AuditAction.RETENTION_ANONYMISED,
            closing_reason=erasure.ERASED_BY_RETENTION,
            **detail,
        )


def run(session: Session, policy: RetentionPolicy, today: date, *, dry_run: bool = False) -> RetentionReport:
    """Anonymise everyone who is due (or, ``dry_run``, only count them and change nothing); the caller commits."""
    report = RetentionReport(dry_run=dry_run)
    for item in due(session, policy, today):
        if item.restricted:
            report.skipped_restricted[item.rule] += 1
            continue
        if dry_run:
            report.anonymised[item.rule] += 1
            continue
        try:
            _anonymise(session, item)
        except DomainError:
            # Erasure checks everything before it writes: a refusal (someone started a match a moment ago) leaves
            # this person as they were, and the next run looks again.
            log.warning("retention: person %s/%d refused, left as is", item.rule.value, item.person_id)
            report.skipped_refused[item.rule] += 1
            continue
        report.anonymised[item.rule] += 1
    if not dry_run:
        audit.record(
            session, None, AuditAction.RETENTION_RUN, AuditSubject.RETENTION, None, on=today, **report.as_detail()
        )
        session.flush()
    log.info(
        "retention %s: referrals=%d residents=%d volunteers=%d restricted_skipped=%d refused=%d",
        "dry run" if dry_run else "run",
        report.anonymised[RetentionRule.REFERRAL],
        report.anonymised[RetentionRule.RESIDENT],
        report.anonymised[RetentionRule.VOLUNTEER],
        sum(report.skipped_restricted.values()),
        sum(report.skipped_refused.values()),
    )
    return report
