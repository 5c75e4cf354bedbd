"""The database: typed SQLAlchemy 2.x models.

Times are stored as naive UTC (``utcnow``) and shown in Europe/Amsterdam by Flask-Babel. Enumerations are
stored as their string values with a CHECK constraint, the same on SQLite and PostgreSQL. Invariants two
staff members could break at once are backed by the database: a volunteer's ``places_taken`` may never
exceed ``capacity`` (CHECK), and a resident has at most one place-holding match (partial unique index whose
predicate comes from ``webapp.enums.PLACE_HOLDING_MATCH_STATUSES``). Only ``webapp.services.matches`` writes
matches, proposal decisions, ``places_taken`` and a resident's status.

The enumerations live in ``webapp.enums`` (no Flask, no database) and are re-exported here.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time
from typing import Any, ClassVar

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy import Enum as SqlEnum
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from webapp.enums import (
    PLACE_HOLDING_MATCH_STATUSES,
    CheckInMethod,
    CheckInVerdict,
    CheckInWith,
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    Gender,
    IntakeOutcome,
    LonelinessCategory,
    MatchEventKind,
    MatchStatus,
    MeasurementMoment,
    MeasurementSource,
    OrganisationKind,
    ProposalStatus,
    ReferralStatus,
    RequestKind,
    RequestStatus,
    ResidentSource,
    ResidentStatus,
    Role,
    RunFailure,
    RunStage,
    RunStatus,
    SubjectKind,
    VogStatus,
    place_holding_sql,
)
from webapp.extensions import db

__all__ = [
    "ApiToken",
    "AuditEvent",
    "CheckIn",
    "CheckInMethod",
    "CheckInVerdict",
    "CheckInWith",
    "Consent",
    "ConsentGiver",
    "ConsentMethod",
    "ConsentPurpose",
    "EndReason",
    "Gender",
    "IntakeOutcome",
    "Match",
    "MatchEvent",
    "MatchEventKind",
    "MatchRun",
    "MatchStatus",
    "Organisation",
    "OrganisationKind",
    "OutboxMail",
    "Programme",
    "Proposal",
    "ProposalStatus",
    "RecoveryCode",
    "Referral",
    "ReferralStatus",
    "RejectionReason",
    "RememberToken",
    "RequestKind",
    "RequestStatus",
    "Resident",
    "ResidentSource",
    "ResidentStatus",
    "Role",
    "RunFailure",
    "RunStage",
    "RunStatus",
    "RunWaitingResident",
    "SubjectKind",
    "SubjectRequest",
    "User",
    "VogStatus",
    "Volunteer",
    "utcnow",
    "volunteer_programmes",
]


def utcnow() -> datetime:
    """Now, as naive UTC: what every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def _enum(enum_class: type[enum.Enum], name: str | None = None) -> SqlEnum:
    """A string column with a CHECK constraint; ``name`` tells two columns of one enum on a table apart."""
    return SqlEnum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=32,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
        name=name or enum_class.__name__.lower(),
    )


class Organisation(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind))
    active: Mapped[bool] = mapped_column(default=True)
    # The controller under the AVG (Welzijn Rijswijk): only its staff see sensitive data without an admin's
    # confirmation.
    is_controller: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="organisation")


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    """A staff account: admins, coordinators and referrers (flatcoaches and other partner staff)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Raised to end every session and remember-me token of the account at once (sign-out, a new password,
    # deactivation of the account or its organisation); a session that carries an older number is refused.
    session_version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Two-factor sign-in (TOTP): the shared secret, and when the account proved it has it.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The last time step a code was accepted for: a code signs in once, even within its 30 seconds.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # A sensitive role outside the controlling organisation needs an admin's confirmation with a reason.
    sensitive_access_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    sensitive_access_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sensitive_access_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)

    organisation: Mapped[Organisation] = relationship(back_populates="users")
    sensitive_access_confirmed_by: Mapped[User | None] = relationship(
        remote_side="User.id", foreign_keys=[sensitive_access_confirmed_by_id]
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


class Programme(db.Model):  # type: ignore[name-defined,misc]
    """A programme's policy: whether volunteers need a VOG, age bounds per side (None: open), and the engine's
    rules for its residents (weights, distance limit, common slots), all managed by admins."""

    __tablename__ = "programmes"
    __table_args__ = (
        CheckConstraint(
            "weight_distance >= 0 AND weight_interests >= 0 AND weight_availability >= 0 AND weight_waiting >= 0 "
            "AND weight_distance + weight_interests + weight_availability + weight_waiting > 0",
            name="weights_valid",
        ),
        CheckConstraint("max_distance_km > 0 AND max_distance_km <= 50", name="distance_valid"),
        CheckConstraint("min_common_slots >= 0 AND min_common_slots <= 21", name="slots_valid"),
    )

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    requires_vog: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    volunteer_min_age: Mapped[int | None]
    volunteer_max_age: Mapped[int | None]
    resident_min_age: Mapped[int | None]
    resident_max_age: Mapped[int | None]
    # The engine's rules for this programme's residents, set by admins (the weights are relative).
    weight_distance: Mapped[float] = mapped_column(Float, default=0.35)
    weight_interests: Mapped[float] = mapped_column(Float, default=0.30)
    weight_availability: Mapped[float] = mapped_column(Float, default=0.20)
    weight_waiting: Mapped[float] = mapped_column(Float, default=0.15)
    max_distance_km: Mapped[float] = mapped_column(Float, default=5.0)
    min_common_slots: Mapped[int] = mapped_column(default=1)


volunteer_programmes = Table(
    "volunteer_programmes",
    db.metadata,
    Column("volunteer_id", ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True),
    Column("programme_code", ForeignKey("programmes.code"), primary_key=True),
)


class Volunteer(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "volunteers"
    __table_args__ = (
        CheckConstraint("capacity >= 0 AND capacity <= 10", name="capacity_range"),
        CheckConstraint("places_taken >= 0 AND places_taken <= capacity", name="within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(30))
    birth_date: Mapped[date] = mapped_column(Date)
    postcode: Mapped[str] = mapped_column(String(7))
    pc4: Mapped[str] = mapped_column(String(4), index=True)
    gender: Mapped[Gender | None] = mapped_column(_enum(Gender))
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    availability: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_distance_km: Mapped[float] = mapped_column(Float, default=3.0)
    capacity: Mapped[int] = mapped_column(default=1)
    # Matches that hold one of the volunteer's places (see PLACE_HOLDING_MATCH_STATUSES); written by
    # webapp.services.matches only, in the same conditional UPDATE that creates or ends such a match.
    places_taken: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    motivation: Mapped[str] = mapped_column(Text, default="")
    # Offered voluntarily on the form; people who are lonely themselves are welcome as buddies.
    lonely_themselves: Mapped[bool] = mapped_column(default=False)
    # The consent of the sign-up form and any later one is in ``consents`` (see Consent).

    intake_outcome: Mapped[IntakeOutcome | None] = mapped_column(_enum(IntakeOutcome), index=True)
    intake_on: Mapped[date | None] = mapped_column(Date)
    intake_notes: Mapped[str] = mapped_column(Text, default="")
    intake_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    intake_planned_on: Mapped[date | None] = mapped_column(Date)
    # Set when a match ended over a safety concern: not eligible until an intake talk on or after this day.
    rescreening_since: Mapped[date | None] = mapped_column(Date)
    vog_status: Mapped[VogStatus] = mapped_column(_enum(VogStatus), default=VogStatus.NIET_AANGEVRAAGD)
    vog_requested_on: Mapped[date | None] = mapped_column(Date)
    vog_issued_on: Mapped[date | None] = mapped_column(Date)
    vog_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime)
    stopped_reason: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    # The AVG's rights: processing restricted (not in runs, not contacted) and identifying data erased.
    restricted_at: Mapped[datetime | None] = mapped_column(DateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime)

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    programmes: Mapped[list[Programme]] = relationship(secondary=volunteer_programmes, order_by=Programme.sort_order)
    intake_by: Mapped[User | None] = relationship(foreign_keys=[intake_by_id])
    vog_checked_by: Mapped[User | None] = relationship(foreign_keys=[vog_checked_by_id])
    # Read-only here: webapp.services.consent alone writes consents.
    consents: Mapped[list[Consent]] = relationship(viewonly=True, order_by="Consent.id")

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    @hybrid_property
    def consents_to_matching(self) -> bool:
        """Whether the consent for intake and matching stands (given, not withdrawn); in SQL an EXISTS clause."""
        return any(c.in_force_for(ConsentPurpose.INTAKE_MATCHING) for c in self.consents)

    @consents_to_matching.inplace.expression
    @classmethod
    def _consents_to_matching_expression(cls) -> ColumnElement[bool]:
        return Consent.in_force(ConsentPurpose.INTAKE_MATCHING, volunteer_id=cls.id)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def programme_codes(self) -> list[str]:
        return [p.code for p in self.programmes]

    @property
    def free_capacity(self) -> int:
        return max(0, self.capacity - self.places_taken)


class Resident(db.Model):  # type: ignore[name-defined,misc]
    """A resident who would like a buddy; taken in by a coordinator or referred by partner staff."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    # Only where an age rule needs it (data minimisation).
    birth_date: Mapped[date | None] = mapped_column(Date)
    postcode: Mapped[str] = mapped_column(String(7))
    pc4: Mapped[str] = mapped_column(String(4), index=True)
    # Only where a home visit needs it.
    address: Mapped[str] = mapped_column(String(200), default="")
    gender: Mapped[Gender | None] = mapped_column(_enum(Gender))
    preferred_gender: Mapped[Gender | None] = mapped_column(_enum(Gender, "preferred_gender"))
    programme_code: Mapped[str] = mapped_column(ForeignKey("programmes.code"), index=True)
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    availability: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_distance_km: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str] = mapped_column(Text, default="")  # coordinators only, never shown to referrers
    source: Mapped[ResidentSource] = mapped_column(_enum(ResidentSource))
    status: Mapped[ResidentStatus] = mapped_column(_enum(ResidentStatus), default=ResidentStatus.WACHTEND, index=True)
    # Time spent in an active match does not count as waiting: an ending moves this day forward by that time.
    waiting_since: Mapped[date] = mapped_column(Date)
    intake_on: Mapped[date | None] = mapped_column(Date)
    intake_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    intake_planned_on: Mapped[date | None] = mapped_column(Date)
    intake_planned_at: Mapped[time | None] = mapped_column(Time)
    intake_planned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_reason: Mapped[str] = mapped_column(Text, default="")
    # The AVG's rights: processing restricted (not in runs, not contacted) and identifying data erased.
    restricted_at: Mapped[datetime | None] = mapped_column(DateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime)

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    programme: Mapped[Programme] = relationship()
    referral: Mapped[Referral | None] = relationship(back_populates="resident", uselist=False)
    intake_by: Mapped[User | None] = relationship(foreign_keys=[intake_by_id])
    intake_planned_by: Mapped[User | None] = relationship(foreign_keys=[intake_planned_by_id])
    # Read-only here: webapp.services.consent alone writes consents (the referral's and the intake's among them).
    consents: Mapped[list[Consent]] = relationship(viewonly=True, order_by="Consent.id")

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    @hybrid_property
    def consents_to_matching(self) -> bool:
        """Whether the consent for intake and matching stands (given, not withdrawn); in SQL an EXISTS clause."""
        return any(c.in_force_for(ConsentPurpose.INTAKE_MATCHING) for c in self.consents)

    @consents_to_matching.inplace.expression
    @classmethod
    def _consents_to_matching_expression(cls) -> ColumnElement[bool]:
        return Consent.in_force(ConsentPurpose.INTAKE_MATCHING, resident_id=cls.id)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Referral(db.Model):  # type: ignore[name-defined,misc]
    """Who referred a resident, from which organisation, and why (special-category data)."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), unique=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # The minimal status the referrer sees, kept by webapp.services.referrals.refresh_status whenever its
    # inputs change (the rule is webapp.rules.referral_status), and when it last changed.
    status: Mapped[ReferralStatus] = mapped_column(_enum(ReferralStatus), default=ReferralStatus.ONTVANGEN, index=True)
    status_changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)

    resident: Mapped[Resident] = relationship(back_populates="referral")
    referrer: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()


ACTIVE_RUN_SQL = "status IN ('wachtrij', 'bezig')"


class MatchRun(db.Model):  # type: ignore[name-defined,misc]
    """One run of the engine: who started it, for which programme, with which rules, and its figures."""

    __tablename__ = "match_runs"
    __table_args__ = (
        CheckConstraint(f"(finished_at IS NULL) = ({ACTIVE_RUN_SQL})", name="finished_when_ended"),
        CheckConstraint(
            "stage_percent IS NULL OR (stage_percent >= 0 AND stage_percent <= 100)", name="stage_percent_valid"
        ),
        # One queued or running run per programme; the whole list counts as programme '*'.
        Index(
            "uq_match_runs_one_active_per_programme",
            text("coalesce(programme_code, '*')"),
            unique=True,
            sqlite_where=text(ACTIVE_RUN_SQL),
            postgresql_where=text(ACTIVE_RUN_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_code: Mapped[str | None] = mapped_column(ForeignKey("programmes.code"))
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus), default=RunStatus.WACHTRIJ)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Written by the worker while the run is active (webapp.services.matching is their one writer).
    stage: Mapped[RunStage | None] = mapped_column(_enum(RunStage))
    stage_percent: Mapped[int | None]
    certificate_round: Mapped[int | None]
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    failure_reason: Mapped[RunFailure | None] = mapped_column(_enum(RunFailure))
    # Wie zoeken we? as this run left the waiting list (webapp.services.recruiting.as_json); None before it was
    # computed, or {"error": ...} when it could not be.
    recruiting: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    started_by: Mapped[User] = relationship()
    proposals: Mapped[list[Proposal]] = relationship(back_populates="run", order_by="Proposal.id")
    waiting: Mapped[list[RunWaitingResident]] = relationship(back_populates="run", order_by="RunWaitingResident.id")


class Proposal(db.Model):  # type: ignore[name-defined,misc]
    """A proposed pair with its score components and the facts behind them."""

    __tablename__ = "proposals"
    __table_args__ = (UniqueConstraint("run_id", "resident_id", name="uq_proposals_run_resident"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    distance_score: Mapped[float] = mapped_column(Float)
    interests_score: Mapped[float] = mapped_column(Float)
    availability_score: Mapped[float] = mapped_column(Float)
    waiting_score: Mapped[float] = mapped_column(Float)
    distance_km: Mapped[float] = mapped_column(Float)
    max_distance_km: Mapped[float] = mapped_column(Float)
    shared_interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    shared_slots: Mapped[list[str]] = mapped_column(JSON, default=list)
    shared_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    waiting_days: Mapped[int] = mapped_column(default=0)
    status: Mapped[ProposalStatus] = mapped_column(_enum(ProposalStatus), default=ProposalStatus.OPEN, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    rejection_reason_code: Mapped[str | None] = mapped_column(ForeignKey("rejection_reasons.code"))
    rejection_note: Mapped[str] = mapped_column(Text, default="")
    # The last day a rejection keeps the pair apart (None: for good), fixed when the rejection was made.
    excluded_until: Mapped[date | None] = mapped_column(Date)
    rejection_undone_at: Mapped[datetime | None] = mapped_column(DateTime)
    rejection_undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejection_undo_note: Mapped[str] = mapped_column(Text, default="")

    run: Mapped[MatchRun] = relationship(back_populates="proposals")
    volunteer: Mapped[Volunteer] = relationship()
    resident: Mapped[Resident] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    rejection_reason: Mapped[RejectionReason | None] = relationship()
    rejection_undone_by: Mapped[User | None] = relationship(foreign_keys=[rejection_undone_by_id])


class RunWaitingResident(db.Model):  # type: ignore[name-defined,misc]
    """A resident a run could not match, with the engine's structured reasons."""

    __tablename__ = "run_waiting_residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    feasible_volunteers: Mapped[int] = mapped_column(default=0)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    waiting_days: Mapped[int] = mapped_column(default=0, server_default=text("0"))  # at the time of the run

    run: Mapped[MatchRun] = relationship(back_populates="waiting")
    resident: Mapped[Resident] = relationship()


class RejectionReason(db.Model):  # type: ignore[name-defined,misc]
    """Why a coordinator rejected a proposal, from a list admins manage; it keeps the pair apart for
    ``exclusion_days`` (None: for good)."""

    __tablename__ = "rejection_reasons"
    __table_args__ = (CheckConstraint("exclusion_days IS NULL OR exclusion_days > 0", name="exclusion_days_positive"),)

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    label_en: Mapped[str] = mapped_column(String(120), default="")
    exclusion_days: Mapped[int | None]
    needs_note: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class EndReason(db.Model):  # type: ignore[name-defined,misc]
    """Why a match ended, from a list admins manage; two reasons belong to the introduction and are fixed."""

    __tablename__ = "end_reasons"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    label_en: Mapped[str] = mapped_column(String(120), default="")
    needs_note: Mapped[bool] = mapped_column(default=False)
    # A safety concern: the volunteer goes back to screening.
    rescreen_volunteer: Mapped[bool] = mapped_column(default=False)
    # The resident cannot go back on the waiting list (e.g. they died).
    closes_resident: Mapped[bool] = mapped_column(default=False)
    # Used by the introduction's outcome and cancellation; not offered for an ending.
    for_introduction: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class Match(db.Model):  # type: ignore[name-defined,misc]
    """An approved pair, from the introduction to its end. At most one place-holding match per resident, enforced
    by a partial unique index; only webapp.services.matches writes it."""

    __tablename__ = "matches"
    __table_args__ = (
        Index(
            "uq_matches_one_active_per_resident",
            "resident_id",
            unique=True,
            sqlite_where=text(place_holding_sql()),
            postgresql_where=text(place_holding_sql()),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    # The run on whose page the pair was approved or chosen by hand (None: chosen outside a run).
    run_id: Mapped[int | None] = mapped_column(ForeignKey("match_runs.id", ondelete="SET NULL"), index=True)
    status: Mapped[MatchStatus] = mapped_column(_enum(MatchStatus), default=MatchStatus.KENNISMAKING, index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))

    introduction_on: Mapped[date | None] = mapped_column(Date)
    introduction_at: Mapped[time | None] = mapped_column(Time)
    introduction_place: Mapped[str] = mapped_column(String(200), default="")
    coordinator_joins: Mapped[bool] = mapped_column(default=False)
    started_on: Mapped[date | None] = mapped_column(Date)

    ended_on: Mapped[date | None] = mapped_column(Date)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason_code: Mapped[str | None] = mapped_column(ForeignKey("end_reasons.code"))
    end_note: Mapped[str] = mapped_column(Text, default="")
    resident_returned: Mapped[bool | None]

    volunteer: Mapped[Volunteer] = relationship()
    resident: Mapped[Resident] = relationship()
    proposal: Mapped[Proposal | None] = relationship()
    run: Mapped[MatchRun | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])
    end_reason: Mapped[EndReason | None] = relationship()
    check_ins: Mapped[list[CheckIn]] = relationship(back_populates="match", order_by="CheckIn.held_on")
    events: Mapped[list[MatchEvent]] = relationship(back_populates="match", order_by="MatchEvent.id")

    @hybrid_property
    def holds_place(self) -> bool:
        """Whether this match takes a volunteer's place and the resident (in SQL: a WHERE clause)."""
        return self.status in PLACE_HOLDING_MATCH_STATUSES

    @holds_place.inplace.expression
    @classmethod
    def _holds_place_expression(cls) -> ColumnElement[bool]:
        return cls.status.in_([status.value for status in PLACE_HOLDING_MATCH_STATUSES])


class CheckIn(db.Model):  # type: ignore[name-defined,misc]
    """A contactmoment: the coordinator spoke with the resident, the volunteer or both about how it goes."""

    __tablename__ = "check_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    with_whom: Mapped[CheckInWith] = mapped_column(_enum(CheckInWith))
    method: Mapped[CheckInMethod] = mapped_column(_enum(CheckInMethod))
    verdict: Mapped[CheckInVerdict] = mapped_column(_enum(CheckInVerdict))
    note: Mapped[str] = mapped_column(Text, default="")  # coordinators only
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    match: Mapped[Match] = relationship(back_populates="check_ins")
    recorded_by: Mapped[User] = relationship()


class MatchEvent(db.Model):  # type: ignore[name-defined,misc]
    """One step in a match's timeline: what happened, who did it and when (``detail``: dates, place, reason
    code; never free text, which stays on the match or check-in)."""

    __tablename__ = "match_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MatchEventKind] = mapped_column(_enum(MatchEventKind))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    check_in_id: Mapped[int | None] = mapped_column(ForeignKey("check_ins.id", ondelete="CASCADE"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    match: Mapped[Match] = relationship(back_populates="events")
    by: Mapped[User | None] = relationship()
    check_in: Mapped[CheckIn | None] = relationship()


class RememberToken(db.Model):  # type: ignore[name-defined,misc]
    """A "stay signed in" token: the cookie holds the selector and a secret validator, the table only the
    validator's hash; each use replaces the token (a stolen copy works once at most), and sign-out ends them all."""

    __tablename__ = "remember_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    selector: Mapped[str] = mapped_column(String(32), unique=True)
    validator_hash: Mapped[str] = mapped_column(String(128))
    # The validator this one replaced, and when: a browser that restores several tabs sends the old cookie a few
    # times at once; within a short grace those requests are the same browser, not a stolen copy.
    previous_validator_hash: Mapped[str | None] = mapped_column(String(128))
    replaced_at: Mapped[datetime | None] = mapped_column(DateTime)
    session_version: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):  # type: ignore[name-defined,misc]
    """A one-time code for signing in without the authenticator app; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class Consent(db.Model):  # type: ignore[name-defined,misc]
    """One person's consent for one purpose: the text version, who gave it (the person, or a legal
    representative), how, who recorded it and when; withdrawal ends it at once. Giving it again later is a new row;
    at most one row per person and purpose is in force (not withdrawn), which two partial unique indexes hold.
    Written by ``webapp.services.consent`` alone."""

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint("(resident_id IS NULL) <> (volunteer_id IS NULL)", name="one_subject"),
        Index("ix_consents_subject", "resident_id", "volunteer_id", "purpose"),
        Index(
            "uq_consents_resident_in_force",
            "resident_id",
            "purpose",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL AND resident_id IS NOT NULL"),
            postgresql_where=text("withdrawn_at IS NULL AND resident_id IS NOT NULL"),
        ),
        Index(
            "uq_consents_volunteer_in_force",
            "volunteer_id",
            "purpose",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL AND volunteer_id IS NOT NULL"),
            postgresql_where=text("withdrawn_at IS NULL AND volunteer_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"))
    purpose: Mapped[ConsentPurpose] = mapped_column(_enum(ConsentPurpose))
    text_version: Mapped[str] = mapped_column(String(20))
    given_by: Mapped[ConsentGiver] = mapped_column(_enum(ConsentGiver))
    method: Mapped[ConsentMethod] = mapped_column(_enum(ConsentMethod))
    given_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the person, online
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawal_note: Mapped[str] = mapped_column(Text, default="")

    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    def in_force_for(self, purpose: ConsentPurpose) -> bool:
        return self.purpose is purpose and self.withdrawn_at is None

    @classmethod
    def in_force(
        cls, purpose: ConsentPurpose, *, resident_id: Any = None, volunteer_id: Any = None
    ) -> ColumnElement[bool]:
        """SQL: a consent for ``purpose`` stands for this resident or volunteer (an id, or a column to correlate)."""
        owner = cls.resident_id == resident_id if resident_id is not None else cls.volunteer_id == volunteer_id
        return select(cls.id).where(owner, cls.purpose == purpose, cls.withdrawn_at.is_(None)).exists()


class SubjectRequest(db.Model):  # type: ignore[name-defined,misc]
    """A data subject's request (access, erasure, ...), with the day it must be answered (one month)."""

    __tablename__ = "subject_requests"
    __table_args__ = (Index("ix_subject_requests_subject", "subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RequestKind] = mapped_column(_enum(RequestKind))
    subject_kind: Mapped[SubjectKind] = mapped_column(_enum(SubjectKind))
    subject_id: Mapped[int] = mapped_column()
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    received_via: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus), default=RequestStatus.OPEN, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    registered_by: Mapped[User] = relationship(foreign_keys=[registered_by_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])


class OutboxMail(db.Model):  # type: ignore[name-defined,misc]
    """An e-mail waiting to be sent, written in the same transaction as the change it tells about, so that none
    is lost; ``flask samen outbox send`` sends and retries with backoff. ``dedupe_key`` keeps one mail per event."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")


class AuditEvent(db.Model):  # type: ignore[name-defined,misc]
    """Who did what to whom, and when: the controller's accountability under the AVG."""

    __tablename__ = "audit_events"
    # Append-only: on PostgreSQL a trigger (migration 0005) refuses UPDATE and DELETE.
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The names of the fields an action touched: never their values (see webapp.services.audit).
    fields: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))


class LonelinessMeasurement(db.Model):  # type: ignore[name-defined,misc]
    """One De Jong Gierveld measurement (11 items) of a resident or a volunteer who said they feel lonely; a
    group-level monitor, not a diagnosis. The answers are kept as given (None: "wil/weet niet"); the scores are those
    of ``webapp.loneliness.score_djg11`` for ``instrument_version``, never imputed. ``age`` is the person's age on
    ``measured_on``, kept so that the figures by age band outlive an erasure of the birth date."""

    __tablename__ = "loneliness_measurements"
    __table_args__ = (
        CheckConstraint("(resident_id IS NULL) <> (volunteer_id IS NULL)", name="one_subject"),
        CheckConstraint("missing >= 0 AND missing <= 11", name="missing_valid"),
        CheckConstraint("total IS NULL OR (total >= 0 AND total <= 11)", name="total_valid"),
        CheckConstraint("emotional IS NULL OR (emotional >= 0 AND emotional <= 6)", name="emotional_valid"),
        CheckConstraint("social IS NULL OR (social >= 0 AND social <= 5)", name="social_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    measured_on: Mapped[date] = mapped_column(Date, index=True)
    moment: Mapped[MeasurementMoment] = mapped_column(_enum(MeasurementMoment))
    check_in_id: Mapped[int | None] = mapped_column(ForeignKey("check_ins.id", ondelete="SET NULL"))
    source: Mapped[MeasurementSource] = mapped_column(_enum(MeasurementSource))
    instrument_version: Mapped[str] = mapped_column(String(40))
    answers: Mapped[list[str | None]] = mapped_column(JSON)
    total: Mapped[int | None] = mapped_column()
    emotional: Mapped[int | None] = mapped_column()
    social: Mapped[int | None] = mapped_column()
    missing: Mapped[int] = mapped_column()
    category: Mapped[LonelinessCategory | None] = mapped_column(_enum(LonelinessCategory))
    age: Mapped[int | None] = mapped_column()
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the person, through a link
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    recorded_by: Mapped[User | None] = relationship()


class MeasurementLink(db.Model):  # type: ignore[name-defined,misc]
    """A one-time link with which a person fills in the loneliness questionnaire on their own phone; the table holds
    only the token's hash. Used once (``used_at``), or never after ``expires_at``."""

    __tablename__ = "measurement_links"
    __table_args__ = (CheckConstraint("(resident_id IS NULL) <> (volunteer_id IS NULL)", name="one_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    moment: Mapped[MeasurementMoment] = mapped_column(_enum(MeasurementMoment))
    check_in_id: Mapped[int | None] = mapped_column(ForeignKey("check_ins.id", ondelete="SET NULL"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    measurement_id: Mapped[int | None] = mapped_column(ForeignKey("loneliness_measurements.id", ondelete="SET NULL"))

    created_by: Mapped[User] = relationship()


class ApiToken(db.Model):  # type: ignore[name-defined,misc]
    """A partner system's key to the API (``/api/v1``): one organisation, one role (referrer or viewer). The table
    holds the secret's hash only, and a short prefix that is shown to recognise the key by; revoked keys stay, so
    that the audit trail's ids keep meaning something."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint("role IN ('referrer', 'viewer')", name="api_role"),
        CheckConstraint("revoked_by_id IS NULL OR revoked_at IS NOT NULL", name="revoked_when"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    # None: issued on the command line (``flask samen create-api-token``), where nobody is signed in.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
