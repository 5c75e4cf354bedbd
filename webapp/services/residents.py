"""Residents: referral by partner staff, intake by a coordinator, edits, intake talks, closing, waiting list."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from webapp import catalogue
from webapp.clock import local_today as today
from webapp.enums import AuditAction, AuditSubject, ConsentPurpose, ReferralStatus
from webapp.models import (
    ConsentGiver,
    ConsentMethod,
    Gender,
    Match,
    Programme,
    Proposal,
    Referral,
    Resident,
    ResidentSource,
    ResidentStatus,
    User,
    utcnow,
)
from webapp.rules import age_on, needs_representative
from webapp.services import audit, consent, referral_status
from webapp.services.errors import Conflict, FieldError, NotFound


class ResidentDataError(FieldError):
    """A resident's data a form should have caught."""


# --- Input ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResidentDetails:
    """What a referrer or coordinator tells us about a resident (data minimisation: most of it optional)."""

    first_name: str
    last_name: str
    phone: str
    email: str
    birth_date: date | None
    postcode: str
    pc4: str
    address: str
    gender: Gender | None
    preferred_gender: Gender | None
    programme_code: str
    interests: tuple[str, ...]
    availability: tuple[str, ...]
    languages: tuple[str, ...]
    max_distance_km: float | None

    def normalised(self) -> ResidentDetails:
        return ResidentDetails(
            first_name=self.first_name.strip(),
            last_name=self.last_name.strip(),
            phone=self.phone.strip(),
            email=self.email.strip().lower(),
            birth_date=self.birth_date,
            postcode=self.postcode,
            pc4=self.pc4,
            address=self.address.strip(),
            gender=self.gender,
            preferred_gender=self.preferred_gender,
            programme_code=self.programme_code,
            interests=self.interests,
            availability=self.availability,
            languages=self.languages,
            max_distance_km=self.max_distance_km,
        )


LIST_FIELDS = ("interests", "availability", "languages")


@dataclass(frozen=True)
class ConsentRecord:
    """Who agreed to the sign-up, on which date, how, and to which version of the text; stored per purpose by
    ``webapp.services.consent`` (the referral: intake and matching plus sharing the status with the referrer; the
    coordinator's intake: intake and matching plus the optional purposes in ``also``)."""

    given_by: ConsentGiver
    given_on: date
    method: ConsentMethod
    text_version: str
    also: tuple[ConsentPurpose, ...] = ()

    def given(self, purpose: ConsentPurpose) -> consent.GivenConsent:
        return consent.GivenConsent(purpose, self.given_by, self.method, self.given_on, self.text_version)


# The consent service's field names as the resident forms call them.
_CONSENT_FIELDS = {"given_by": "consent_by", "given_on": "consent_on", "method": "consent_method"}


def active_programmes(session: Session, also: str | None = None) -> list[Programme]:
    """Programmes one can sign up for, in their display order; ``also`` keeps a resident's current one."""
    condition: ColumnElement[bool] = Programme.active.is_(True)
    if also:
        condition = or_(condition, Programme.code == also)
    return list(session.scalars(select(Programme).where(condition).order_by(Programme.sort_order, Programme.code)))


def age_bounds_text(programme: Programme) -> str:
    low, high = programme.resident_min_age, programme.resident_max_age
    if low is not None and high is not None:
        return _("van %(low)d tot en met %(high)d jaar", low=low, high=high)
    if low is not None:
        return _("vanaf %(low)d jaar", low=low)
    if high is not None:
        return _("tot en met %(high)d jaar", high=high)
    return ""


def has_age_bounds(programme: Programme) -> bool:
    return programme.resident_min_age is not None or programme.resident_max_age is not None


def age_rule_problem(programme: Programme, birth_date: date | None, on: date) -> str | None:
    """Why a birth date does not fit the programme's age bounds for residents, or None when it fits."""
    if not has_age_bounds(programme):
        return None
    name = catalogue.label(catalogue.PROGRAMMES, programme.code)
    bounds = age_bounds_text(programme)
    if birth_date is None:
        return _("Vul de geboortedatum in: %(programme)s is voor bewoners %(bounds)s.", programme=name, bounds=bounds)
    age = age_on(birth_date, on)
    low, high = programme.resident_min_age, programme.resident_max_age
    if (low is not None and age < low) or (high is not None and age > high):
        return _(
            "%(programme)s is voor bewoners %(bounds)s; met deze geboortedatum is de bewoner %(age)d.",
            programme=name,
            bounds=bounds,
            age=age,
        )
    return None


def _check_details(session: Session, details: ResidentDetails, on: date, current_programme: str | None) -> Programme:
    programme = session.get(Programme, details.programme_code)
    if programme is None or not (programme.active or programme.code == current_programme):
        raise ResidentDataError("programme", _("Kies een van de getoonde programma's."))
    if not details.availability:
        raise ResidentDataError("availability", _("Kies minstens één dagdeel waarop de bewoner kan."))
    if details.birth_date is not None and details.birth_date > on:
        raise ResidentDataError("birth_date", _("Een geboortedatum ligt niet in de toekomst."))
    problem = age_rule_problem(programme, details.birth_date, on)
    if problem:
        raise ResidentDataError("birth_date", problem)
    return programme


def _check_consent(record: ConsentRecord, details: ResidentDetails, on: date) -> None:
    if record.given_on > on:
        raise ResidentDataError("consent_on", _("De datum van de toestemming kan niet in de toekomst liggen."))
    if record.given_by is ConsentGiver.PERSON and needs_representative(details.birth_date, record.given_on):
        raise ResidentDataError(
            "consent_by",
            _(
                "De bewoner was jonger dan 16 jaar toen de toestemming werd gegeven: die moet dan van een wettelijk "
                "vertegenwoordiger komen."
            ),
        )


def _give_consents(
    session: Session,
    resident: Resident,
    record: ConsentRecord,
    purposes: tuple[ConsentPurpose, ...],
    recorded_by: User,
    on: date,
) -> None:
    try:
        for purpose in dict.fromkeys(purposes):
            consent.give(session, resident, record.given(purpose), recorded_by, today=on)
    except consent.ConsentError as error:
        raise ResidentDataError(_CONSENT_FIELDS.get(error.field, "consent_on"), error.message) from None


def _new_resident(details: ResidentDetails, source: ResidentSource, on: date) -> Resident:
    return Resident(
        first_name=details.first_name,
        last_name=details.last_name,
        phone=details.phone,
        email=details.email,
        birth_date=details.birth_date,
        postcode=details.postcode,
        pc4=details.pc4,
        address=details.address,
        gender=details.gender,
        preferred_gender=details.preferred_gender,
        programme_code=details.programme_code,
        interests=list(details.interests),
        availability=list(details.availability),
        languages=list(details.languages),
        max_distance_km=details.max_distance_km,
        source=source,
        status=ResidentStatus.WACHTEND,
        waiting_since=on,
    )


# --- Use cases ------------------------------------------------------------------------------------------


def create_referral(
    session: Session,
    referrer: User,
    details: ResidentDetails,
    consent_record: ConsentRecord,
    reason: str,
    on: date | None = None,
) -> Referral:
    """A partner's referral: a waiting resident and the referral (who, from where, why) together."""
    on = on or today()
    details = details.normalised()
    _check_details(session, details, on, None)
    _check_consent(consent_record, details, on)
    if not reason.strip():
        raise ResidentDataError("reason", _("Vul de reden van de verwijzing in."))
    resident = _new_resident(details, ResidentSource.VERWIJZING, on)
    referral = Referral(
        resident=resident,
        referrer=referrer,
        organisation_id=referrer.organisation_id,
        reason=reason.strip(),
        status=ReferralStatus.ONTVANGEN,
        status_changed_at=utcnow(),
    )
    session.add_all([resident, referral])
    session.flush()
    # The resident's consent to the referral covers the intake and matching and sharing the status with the referrer.
    _give_consents(
        session,
        resident,
        consent_record,
        (ConsentPurpose.INTAKE_MATCHING, ConsentPurpose.SHARE_STATUS),
        referrer,
        on,
    )
    audit.record(
        session,
        referrer,
        AuditAction.REFERRAL_CREATED,
        AuditSubject.REFERRAL,
        referral.id,
        resident_id=resident.id,
        organisation_id=referrer.organisation_id,
        programme=details.programme_code,
    )
    return referral


def register_resident(
    session: Session,
    coordinator: User,
    details: ResidentDetails,
    consent_record: ConsentRecord,
    intake_on: date,
    notes: str = "",
    on: date | None = None,
) -> Resident:
    """A coordinator's intake by phone: the resident starts waiting with the intake already done."""
    on = on or today()
    details = details.normalised()
    _check_details(session, details, on, None)
    _check_consent(consent_record, details, on)
    if intake_on > on:
        raise ResidentDataError("intake_on", _("Een gehouden intakegesprek ligt niet in de toekomst."))
    resident = _new_resident(details, ResidentSource.COORDINATOR, on)
    resident.intake_on = intake_on
    resident.intake_by = coordinator
    resident.notes = notes.strip()
    session.add(resident)
    session.flush()
    _give_consents(
        session, resident, consent_record, (ConsentPurpose.INTAKE_MATCHING, *consent_record.also), coordinator, on
    )
    audit.record(
        session,
        coordinator,
        AuditAction.RESIDENT_CREATED,
        AuditSubject.RESIDENT,
        resident.id,
        programme=details.programme_code,
    )
    return resident


def update_resident(
    session: Session,
    user: User,
    resident: Resident,
    details: ResidentDetails,
    notes: str,
    expected_version: int,
    on: date | None = None,
) -> list[str]:
    """A coordinator corrects a resident's data; refused when someone else saved in between."""
    if resident.version != expected_version:
        raise Conflict(_("Iemand anders heeft deze bewoner intussen gewijzigd."))
    on = on or today()
    details = details.normalised()
    _check_details(session, details, on, resident.programme_code)
    changed = []
    for field in fields(ResidentDetails):
        value = getattr(details, field.name)
        if field.name in LIST_FIELDS:
            value = list(value)
        if getattr(resident, field.name) != value:
            setattr(resident, field.name, value)
            changed.append(field.name)
    if resident.notes != notes.strip():
        resident.notes = notes.strip()
        changed.append("notes")
    if changed:
        session.flush()
        audit.record(session, user, AuditAction.RESIDENT_UPDATED, AuditSubject.RESIDENT, resident.id, fields=changed)
    return changed


def record_intake(session: Session, user: User, resident: Resident, intake_on: date, on: date | None = None) -> None:
    """The coordinator held the intake talk with the resident on ``intake_on`` (today or earlier): from now on the
    resident takes part in matching runs."""
    on = on or today()
    if resident.status is ResidentStatus.AFGESLOTEN:
        raise Conflict(_("Deze bewoner is afgesloten; een intakegesprek vastleggen kan niet meer."))
    if intake_on > on:
        raise ResidentDataError(
            "intake_on", _("Een gehouden intakegesprek ligt niet in de toekomst. Plan het gesprek hieronder in.")
        )
    resident.intake_on = intake_on
    resident.intake_by = user
    resident.intake_planned_on = None
    resident.intake_planned_at = None
    session.flush()
    referral_status.refresh(session, resident.id)
    audit.record(
        session,
        user,
        AuditAction.RESIDENT_INTAKE_RECORDED,
        AuditSubject.RESIDENT,
        resident.id,
        fields=["intake_on"],
        intake_on=intake_on,
    )


def plan_intake(
    session: Session, user: User, resident: Resident, planned_on: date, planned_at: time | None, on: date | None = None
) -> None:
    """The coordinator made an appointment for the intake talk (today or later)."""
    on = on or today()
    if resident.status is ResidentStatus.AFGESLOTEN:
        raise Conflict(_("Deze bewoner is afgesloten; een intakegesprek plannen kan niet meer."))
    if planned_on < on:
        raise ResidentDataError(
            "planned_on", _("Een gepland gesprek ligt vandaag of later. Was het al? Leg het dan vast als gehouden.")
        )
    if planned_on > on + timedelta(days=366):
        raise ResidentDataError("planned_on", _("Plan het gesprek binnen een jaar."))
    resident.intake_planned_on = planned_on
    resident.intake_planned_at = planned_at
    resident.intake_planned_by = user
    session.flush()
    referral_status.refresh(session, resident.id)
    audit.record(
        session,
        user,
        AuditAction.RESIDENT_INTAKE_PLANNED,
        AuditSubject.RESIDENT,
        resident.id,
        fields=["intake_planned_on"],
        on=planned_on,
    )


# --- Reading --------------------------------------------------------------------------------------------


def waiting_days(resident: Resident, on: date | None = None) -> int:
    return max(0, ((on or today()) - resident.waiting_since).days)


def get_resident(session: Session, resident_id: int) -> Resident:
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise NotFound(_("Deze bewoner bestaat niet (meer)."))
    return resident


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _search_condition(text: str) -> ColumnElement[bool] | None:
    """Every word must match a name, the postcode or the phone number (spaces and dashes ignored)."""
    words = text.split()
    if not words:
        return None
    postcode = func.replace(Resident.postcode, " ", "")
    phone = func.replace(func.replace(Resident.phone, " ", ""), "-", "")

    def matches(word: str) -> ColumnElement[bool]:
        options = [
            Resident.first_name.icontains(word, autoescape=True),
            Resident.last_name.icontains(word, autoescape=True),
            postcode.icontains(word, autoescape=True),
        ]
        digits = _digits(word)
        if len(digits) >= 3:
            options.append(phone.icontains(digits, autoescape=True))
        return or_(*options)

    whole = "".join(words)
    return or_(
        and_(*(matches(word) for word in words)),
        postcode.icontains(whole, autoescape=True),
        *([phone.icontains(_digits(whole), autoescape=True)] if len(_digits(whole)) >= 3 else []),
    )


def residents_query(status: ResidentStatus | None = None, programme: str | None = None, text: str = "") -> Select[Any]:
    """The coordinators' resident list: filters and a free-text search, newest sign-ups first."""
    query = select(Resident).order_by(Resident.created_at.desc(), Resident.id.desc())
    if status is not None:
        query = query.where(Resident.status == status)
    if programme:
        query = query.where(Resident.programme_code == programme)
    condition = _search_condition(text)
    if condition is not None:
        query = query.where(condition)
    return query


def waiting_list_query(programme: str | None = None) -> Select[Any]:
    """Waiting residents, longest wait first."""
    query = select(Resident).where(Resident.status == ResidentStatus.WACHTEND)
    if programme:
        query = query.where(Resident.programme_code == programme)
    return query.order_by(Resident.waiting_since, Resident.created_at, Resident.id)


def proposals_for(session: Session, resident: Resident) -> list[Proposal]:
    return list(
        session.scalars(select(Proposal).where(Proposal.resident_id == resident.id).order_by(Proposal.id.desc()))
    )


def matches_for(session: Session, resident: Resident) -> list[Match]:
    return list(
        session.scalars(
            select(Match).where(Match.resident_id == resident.id).order_by(Match.created_at.desc(), Match.id.desc())
        )
    )
