"""Volunteers: sign-up through the public form, a coordinator's corrections, possible duplicate sign-ups and
merging one into the other.

Two sign-ups are possible duplicates when their e-mail addresses are the same (ignoring case and surrounding
spaces), or when their phone numbers are the same (digits only: spaces, dashes and brackets do not count, nor does
+31 or 0031 instead of the leading 0) and so are their birth dates. Both keys are SQL expressions, defined once
below and used by every query here, so the list of pairs and a volunteer's own page always agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from itertools import combinations
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, String, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from webapp import catalogue
from webapp.clock import local_today
from webapp.enums import AuditAction, AuditSubject, ConsentGiver, ConsentMethod, ConsentPurpose
from webapp.models import Gender, Match, Programme, User, VogStatus, Volunteer, utcnow
from webapp.services import audit, consent, matches, outbox_notices
from webapp.services.errors import Conflict
from webapp.services.screening import check_version


@dataclass(frozen=True)
class VolunteerSignup:
    first_name: str
    last_name: str
    email: str
    phone: str
    birth_date: date
    postcode: str
    pc4: str
    gender: Gender | None
    programmes: tuple[str, ...]
    interests: tuple[str, ...]
    availability: tuple[str, ...]
    languages: tuple[str, ...]
    max_distance_km: float
    capacity: int
    motivation: str
    lonely_themselves: bool
    consent_version: str


def register_volunteer(session: Session, signup: VolunteerSignup) -> Volunteer:
    """A new volunteer from the public form, waiting for an intake talk."""
    programmes = session.scalars(select(Programme).where(Programme.code.in_(signup.programmes))).all()
    volunteer = Volunteer(
        first_name=signup.first_name.strip(),
        last_name=signup.last_name.strip(),
        email=signup.email.strip().lower(),
        phone=signup.phone.strip(),
        birth_date=signup.birth_date,
        postcode=signup.postcode,
        pc4=signup.pc4,
        gender=signup.gender,
        interests=list(signup.interests),
        availability=list(signup.availability),
        languages=list(signup.languages),
        max_distance_km=signup.max_distance_km,
        capacity=signup.capacity,
        motivation=signup.motivation.strip(),
        lonely_themselves=signup.lonely_themselves,
        programmes=list(programmes),
    )
    session.add(volunteer)
    session.flush()
    # The form's consent (ticked by the volunteer themselves): intake and matching, on this version of the text.
    given = consent.GivenConsent(
        ConsentPurpose.INTAKE_MATCHING, ConsentGiver.PERSON, ConsentMethod.ONLINE, local_today(), signup.consent_version
    )
    consent.give(session, volunteer, given, None)
    audit.record(session, None, AuditAction.VOLUNTEER_SIGNED_UP, AuditSubject.VOLUNTEER, volunteer.id)
    # The confirmation goes into the outbox in this transaction: committed with the sign-up, or not at all.
    outbox_notices.volunteer_signed_up(session, volunteer)
    return volunteer


# --- A coordinator corrects a volunteer's details -----------------------------------------------------------


@dataclass(frozen=True)
class VolunteerDetails:
    """What a coordinator may correct on the volunteer's page; capacity and programmes belong to the screening."""

    first_name: str
    last_name: str
    email: str
    phone: str
    birth_date: date
    postcode: str
    pc4: str
    gender: Gender | None
    availability: tuple[str, ...]
    languages: tuple[str, ...]
    interests: tuple[str, ...]
    max_distance_km: float

    def normalised(self) -> VolunteerDetails:
        return VolunteerDetails(
            **{
                **{f.name: getattr(self, f.name) for f in fields(self)},
                "first_name": self.first_name.strip(),
                "last_name": self.last_name.strip(),
                "email": self.email.strip().lower(),
                "phone": self.phone.strip(),
            }
        )


LIST_FIELDS = ("availability", "languages", "interests")


def update_volunteer(
    session: Session, volunteer: Volunteer, user: User, details: VolunteerDetails, version: int
) -> list[str]:
    """Correct a volunteer's contact details, week, languages, interests and travel distance; returns the names of
    the fields that changed (the audit trail records those names, never the values)."""
    check_version(volunteer, version)
    details = details.normalised()
    changed: list[str] = []
    for field in fields(details):
        value: Any = getattr(details, field.name)
        if field.name in LIST_FIELDS:
            value = list(value)
        if getattr(volunteer, field.name) != value:
            setattr(volunteer, field.name, value)
            if field.name != "pc4":  # follows the postcode
                changed.append(field.name)
    if changed:
        volunteer.updated_at = utcnow()
        session.flush()
        audit.record(session, user, AuditAction.VOLUNTEER_UPDATED, AuditSubject.VOLUNTEER, volunteer.id, fields=changed)
    return changed


# --- Possible duplicates ------------------------------------------------------------------------------------


def email_key(email: ColumnElement[str]) -> ColumnElement[str]:
    """An e-mail address as it is compared: trimmed, lower case."""
    return func.lower(func.trim(email), type_=String)


def phone_key(phone: ColumnElement[str]) -> ColumnElement[str]:
    """A phone number as it is compared: its digits, in the national form ('+31 (0)6-1234 5678' -> '0612345678');
    another country's code keeps its own '00' prefix."""
    compact: ColumnElement[str] = phone
    for character in (" ", "-", "(", ")"):
        compact = func.replace(compact, character, "", type_=String)
    national = literal("0", String)
    return case(
        (compact.like("+31%"), national + func.ltrim(func.substr(compact, 4), "0", type_=String)),
        (compact.like("0031%"), national + func.ltrim(func.substr(compact, 5), "0", type_=String)),
        (compact.like("+%"), literal("00", String) + func.substr(compact, 2, type_=String)),
        else_=compact,
    )


def _same_email(volunteer: Volunteer) -> ColumnElement[bool]:
    return email_key(Volunteer.email) == email_key(literal(volunteer.email, String))


def _same_phone_and_birth_date(volunteer: Volunteer) -> ColumnElement[bool]:
    return and_(
        phone_key(Volunteer.phone) == phone_key(literal(volunteer.phone, String)),
        Volunteer.birth_date == volunteer.birth_date,
    )


@dataclass(frozen=True)
class Duplicate:
    """Another sign-up that may be the same person, and why."""

    volunteer: Volunteer
    same_email: bool
    same_phone: bool  # and the same birth date


def duplicates_of(session: Session, volunteer: Volunteer) -> list[Duplicate]:
    """The other sign-ups that may be the same person as ``volunteer``, oldest first."""
    same_email, same_phone = _same_email(volunteer), _same_phone_and_birth_date(volunteer)
    rows = session.execute(
        select(Volunteer, same_email, same_phone)
        .where(Volunteer.id != volunteer.id, or_(same_email, same_phone))
        .order_by(Volunteer.created_at, Volunteer.id)
    ).all()
    return [Duplicate(other, bool(email), bool(phone)) for other, email, phone in rows]


def are_possible_duplicates(session: Session, volunteer: Volunteer, other: Volunteer) -> bool:
    if volunteer.id == other.id:
        return False
    found = session.scalar(
        select(Volunteer.id).where(
            Volunteer.id == other.id, or_(_same_email(volunteer), _same_phone_and_birth_date(volunteer))
        )
    )
    return found is not None


@dataclass(frozen=True)
class DuplicatePair:
    """Two sign-ups that may be the same person (``first_id`` < ``second_id``)."""

    first_id: int
    second_id: int
    same_email: bool
    same_phone: bool


def _pairs_by_key(rows: Iterable[Sequence[Any]]) -> set[tuple[int, int]]:
    """(id, key...) rows -> every pair of ids that share a key."""
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for volunteer_id, *key in rows:
        groups[tuple(key)].append(int(volunteer_id))
    return {pair for ids in groups.values() for pair in combinations(sorted(ids), 2)}


def duplicate_pairs(session: Session) -> list[DuplicatePair]:
    """Every pair of possible duplicate sign-ups, newest pair first. Grouping happens in the database: only the
    rows that share a key with another row are read."""
    email = email_key(Volunteer.email)
    shared_emails = select(email).where(email != "").group_by(email).having(func.count() > 1)
    by_email = _pairs_by_key(session.execute(select(Volunteer.id, email).where(email.in_(shared_emails))))

    phone = phone_key(Volunteer.phone)
    shared_phones = (
        select(phone.label("phone"), Volunteer.birth_date.label("birth_date"))
        .where(phone != "")
        .group_by(phone, Volunteer.birth_date)
        .having(func.count() > 1)
        .subquery()
    )
    by_phone = _pairs_by_key(
        session.execute(
            select(Volunteer.id, phone, Volunteer.birth_date).join(
                shared_phones,
                and_(phone == shared_phones.c.phone, Volunteer.birth_date == shared_phones.c.birth_date),
            )
        )
    )
    pairs = [DuplicatePair(a, b, (a, b) in by_email, (a, b) in by_phone) for a, b in by_email | by_phone]
    return sorted(pairs, key=lambda pair: (-pair.second_id, -pair.first_id))


# --- Merging a duplicate into the volunteer who stays ---------------------------------------------------------


def _in_order(first: Sequence[str], second: Sequence[str], order: Sequence[str]) -> list[str]:
    """The union of two lists of codes, in the vocabulary's order; unknown codes last, as they came."""
    position = {code: i for i, code in enumerate(order)}
    union = list(dict.fromkeys([*first, *second]))
    return sorted(union, key=lambda code: position.get(code, len(position)))


def _slots() -> list[str]:
    return [f"{day}-{part}" for day in catalogue.DAYS for part in catalogue.DAY_PARTS]


def merged_values(kept: Volunteer, other: Volunteer) -> dict[str, Any]:
    """What the kept volunteer gets from the duplicate, by attribute (only what changes): the union of programmes,
    interests, availability and languages, and the screening data the kept one lacks. The kept one's contact
    details, capacity and own screening stay as they are."""
    values: dict[str, Any] = {}
    programmes = {p.code: p for p in [*kept.programmes, *other.programmes]}
    if set(programmes) != set(kept.programme_codes):
        values["programmes"] = sorted(programmes.values(), key=lambda p: (p.sort_order, p.code))
    for name, order in (
        ("interests", list(catalogue.INTERESTS)),
        ("availability", _slots()),
        ("languages", list(catalogue.LANGUAGES)),
    ):
        union = _in_order(getattr(kept, name), getattr(other, name), order)
        if set(union) != set(getattr(kept, name)):
            values[name] = union

    if kept.intake_outcome is None and other.intake_outcome is not None:
        values.update(intake_outcome=other.intake_outcome, intake_on=other.intake_on, intake_by_id=other.intake_by_id)
    if not kept.intake_notes and other.intake_notes:
        values["intake_notes"] = other.intake_notes
    if kept.intake_planned_on is None and other.intake_planned_on is not None:
        values["intake_planned_on"] = other.intake_planned_on
    if kept.vog_status is VogStatus.NIET_AANGEVRAAGD and other.vog_status is not VogStatus.NIET_AANGEVRAAGD:
        values.update(
            vog_status=other.vog_status,
            vog_requested_on=other.vog_requested_on,
            vog_issued_on=other.vog_issued_on,
            vog_checked_by_id=other.vog_checked_by_id,
        )
    # A safety concern about either sign-up holds for the person: the later date wins, so that only an intake
    # talk after both lifts it.
    if other.rescreening_since is not None and (
        kept.rescreening_since is None or other.rescreening_since > kept.rescreening_since
    ):
        values["rescreening_since"] = other.rescreening_since
    return values


# How the audit trail names what was taken over (names only, never values).
_TAKEN_OVER = {
    "programmes": "programmes",
    "interests": "interests",
    "availability": "availability",
    "languages": "languages",
    "intake_outcome": "intake",
    "intake_notes": "intake_notes",
    "intake_planned_on": "intake_planned_on",
    "vog_status": "vog",
    "rescreening_since": "rescreening_since",
}


def merge_refusal(session: Session, kept: Volunteer, other: Volunteer) -> str | None:
    """Why ``other`` cannot be merged into ``kept`` now (None: it can)."""
    if kept.id == other.id:
        return _("Dit is dezelfde aanmelding. Kies twee verschillende vrijwilligers om samen te voegen.")
    if not are_possible_duplicates(session, kept, other):
        return _(
            "Deze twee aanmeldingen hebben niet hetzelfde e-mailadres, en ook niet hetzelfde telefoonnummer met "
            "dezelfde geboortedatum. Alleen mogelijk dubbele aanmeldingen kunnen worden samengevoegd."
        )
    holding = session.scalar(select(Match.id).where(Match.volunteer_id == other.id, Match.holds_place).limit(1))
    if holding is not None or other.places_taken:
        return _(
            "%(name)s (nr. %(id)d) heeft nog een lopende koppeling en kan daarom niet verdwijnen. Voeg de twee "
            "andersom samen, zodat deze aanmelding blijft, of beëindig eerst die koppeling.",
            name=other.full_name,
            id=other.id,
        )
    return None


def merge_conflict_message() -> str:
    return _(
        "Iemand anders heeft een van deze twee vrijwilligers intussen gewijzigd. Bekijk de vergelijking opnieuw "
        "voordat u samenvoegt."
    )


def merge_volunteers(
    session: Session, kept: Volunteer, other: Volunteer, user: User, kept_version: int, other_version: int
) -> list[str]:
    """Merge the duplicate sign-up ``other`` into ``kept``: the kept volunteer keeps their contact details and
    screening and gets the union of programmes, interests, availability and languages and the screening data they
    lack; the duplicate's past proposals and ended matches move over, and the duplicate is deleted. Returns what
    was taken over."""
    refusal = merge_refusal(session, kept, other)
    if refusal:
        raise Conflict(refusal)
    if kept.version != kept_version or other.version != other_version:
        raise Conflict(merge_conflict_message())
    values = merged_values(kept, other)
    # The matches service first: it takes proposals and matches before volunteers, the lock order of every step.
    matches.move_history(session, other.id, kept.id)
    for name, value in values.items():
        setattr(kept, name, value)
    # Always an UPDATE of the kept row, so that its version is checked and moves on even when nothing was new.
    kept.updated_at = utcnow()
    session.flush()
    removed_id = other.id
    consent.move_history(session, other, kept)
    session.delete(other)  # its volunteer_programmes go with it; the DELETE checks its version too
    session.flush()
    taken_over = sorted({_TAKEN_OVER[name] for name in values if name in _TAKEN_OVER})
    audit.record(
        session,
        user,
        AuditAction.VOLUNTEER_MERGED,
        AuditSubject.VOLUNTEER,
        kept.id,
        removed_id=removed_id,
        taken_over=taken_over,
    )
    return taken_over
