"""Consent per purpose: the one writer of ``consents``.

A person (a resident or a volunteer) consents to each purpose on its own: intake and matching, sharing the status
with the referrer, the loneliness measurement, being contacted for an evaluation. A consent records the text version
it was given on, who gave it (the person, or a legal representative: always for someone under 16), how, who recorded
it and when. Giving it again after a withdrawal is a new row; at most one row per person and purpose is in force,
which the database holds (two partial unique indexes), so that two coordinators recording the same consent at once
cannot both succeed.

Withdrawing is one action that stops the processing at once, in the same transaction:

- intake and matching, for a resident: they are in no run from now on (``webapp.convert`` lists them as waiting
  for this reason), cannot be chosen by hand, and their open proposals lapse; for a volunteer: they are not
  eligible (``webapp.rules.Blocker.NO_CONSENT``) and their open proposals lapse;
- sharing the status: the referrer gets no more notices (queued ones are dropped) and sees only that the consent
  was withdrawn.

A match that is already running is not ended here: ending it needs a reason and a talk; the caller says so.
The audit trail gets the consent's id and the purpose's code, never the note.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.clock import local_today
from webapp.enums import (
    PLACE_HOLDING_MATCH_STATUSES,
    AuditAction,
    AuditSubject,
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
)
from webapp.models import Consent, Match, Proposal, ProposalStatus, Resident, User, Volunteer, utcnow
from webapp.rules import needs_representative
from webapp.services import audit, matches, outbox_notices
from webapp.services.errors import Conflict, FieldError

Person = Resident | Volunteer

TEXT_VERSION_LENGTH = 20
NOTE_LENGTH = 1000

#: The purposes a volunteer can consent to (sharing a status with a referrer is about referred residents only).
VOLUNTEER_PURPOSES: tuple[ConsentPurpose, ...] = (
    ConsentPurpose.INTAKE_MATCHING,
    ConsentPurpose.LONELINESS,
    ConsentPurpose.EVALUATION,
)


class ConsentError(FieldError):
    """A consent's data a form should have caught (``field`` names the form field)."""


@dataclass(frozen=True)
class GivenConsent:
    """What someone agreed to: one purpose, on which text, by whom (the person or a representative), how, when."""

    purpose: ConsentPurpose
    given_by: ConsentGiver
    method: ConsentMethod
    given_on: date
    text_version: str


@dataclass(frozen=True)
class PurposeState:
    """Where one purpose stands for a person: the consent in force, else the latest withdrawn one, else nothing."""

    purpose: ConsentPurpose
    consent: Consent | None

    @property
    def given(self) -> bool:
        return self.consent is not None and self.consent.withdrawn_at is None

    @property
    def withdrawn(self) -> bool:
        return self.consent is not None and self.consent.withdrawn_at is not None


@dataclass(frozen=True)
class Withdrawal:
    """What withdrawing did: the consent, how many open proposals lapsed, whether a match is still running."""

    consent: Consent
    lapsed_proposals: int
    running_match: bool


def _subject(person: Person) -> tuple[AuditSubject, dict[str, int]]:
    if isinstance(person, Resident):
        return AuditSubject.RESIDENT, {"resident_id": person.id}
    return AuditSubject.VOLUNTEER, {"volunteer_id": person.id}


def purposes_for(person: Person) -> tuple[ConsentPurpose, ...]:
    """The purposes this person can consent to: a volunteer has no referrer to share a status with."""
    return tuple(ConsentPurpose) if isinstance(person, Resident) else VOLUNTEER_PURPOSES


def _owned_by(person: Person) -> object:
    return Consent.resident_id == person.id if isinstance(person, Resident) else Consent.volunteer_id == person.id


def _forget(session: Session, person: Person) -> None:
    """The person's loaded consents changed behind the ORM's back (a Core UPDATE, a new row)."""
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Consent):
            session.expire(instance)
    session.expire(person, ["consents"])


# -- reading --------------------------------------------------------------------------------------------------


def has_consent(
    session: Session, purpose: ConsentPurpose, *, resident_id: int | None = None, volunteer_id: int | None = None
) -> bool:
    """Whether the resident's or volunteer's consent for ``purpose`` stands (given and not withdrawn)."""
    if (resident_id is None) == (volunteer_id is None):
        raise ValueError("pass exactly one of resident_id and volunteer_id")
    return bool(session.scalar(select(Consent.in_force(purpose, resident_id=resident_id, volunteer_id=volunteer_id))))


def residents_without(session: Session, purpose: ConsentPurpose, resident_ids: Iterable[int]) -> set[int]:
    """Those of ``resident_ids`` whose consent for ``purpose`` does not stand."""
    ids = set(resident_ids)
    if not ids:
        return set()
    given = session.scalars(
        select(Consent.resident_id).where(
            Consent.resident_id.in_(ids), Consent.purpose == purpose, Consent.withdrawn_at.is_(None)
        )
    )
    return ids - set(given)


def current(session: Session, person: Person) -> list[PurposeState]:
    """Per purpose (in the enumeration's order) the consent in force, else the latest withdrawn one, else None."""
    rows = session.scalars(select(Consent).where(_owned_by(person)).order_by(Consent.recorded_at, Consent.id)).all()
    states = []
    for purpose in purposes_for(person):
        mine = [row for row in rows if row.purpose is purpose]
        standing = [row for row in mine if row.withdrawn_at is None]
        states.append(PurposeState(purpose, (standing or mine or [None])[-1]))
    return states


def history(session: Session, person: Person) -> list[Consent]:
    """Every consent the person gave, withdrawn ones too, newest first."""
    newest_first = (Consent.recorded_at.desc(), Consent.id.desc())
    return list(session.scalars(select(Consent).where(_owned_by(person)).order_by(*newest_first)))


def representative_warning(person: Person, given: GivenConsent) -> str | None:
    """A warning (not a refusal) when a representative consented for someone of 16 or older: right for an adult
    under guardianship, otherwise the person consents themselves."""
    birth_date = person.birth_date
    if given.given_by is not ConsentGiver.REPRESENTATIVE or birth_date is None:
        return None
    if needs_representative(birth_date, given.given_on):
        return None
    return _(
        "Let op: deze persoon was 16 jaar of ouder toen de toestemming werd gegeven. Een wettelijk vertegenwoordiger "
        "geeft dan alleen toestemming bij curatele of mentorschap; anders geeft de persoon die zelf."
    )


# -- giving ---------------------------------------------------------------------------------------------------


def _check(person: Person, given: GivenConsent, recorded_by: User | None, today: date) -> GivenConsent:
    version = given.text_version.strip()
    if not version:
        raise ConsentError("text_version", _("Vul de versie van de toestemmingstekst in."))
    if len(version) > TEXT_VERSION_LENGTH:
        raise ConsentError("text_version", _("De versie is hoogstens %(num)d tekens lang.", num=TEXT_VERSION_LENGTH))
    if given.purpose not in purposes_for(person):
        raise ConsentError("purpose", _("Voor dit doel kan deze persoon geen toestemming geven."))
    if given.given_on > today:
        raise ConsentError("given_on", _("De datum van de toestemming kan niet in de toekomst liggen."))
    if (given.method is ConsentMethod.ONLINE) != (recorded_by is None):
        # Online is the person's own tick on Samen's form; staff record a consent given to them.
        raise ConsentError("method", _("Kies hoe de toestemming is gegeven: mondeling of schriftelijk."))
    if given.given_by is ConsentGiver.PERSON and needs_representative(person.birth_date, given.given_on):
        raise ConsentError(
            "given_by",
            _(
                "Deze persoon was jonger dan 16 jaar toen de toestemming werd gegeven: die moet dan van een "
                "wettelijk vertegenwoordiger komen."
            ),
        )
    return GivenConsent(given.purpose, given.given_by, given.method, given.given_on, version)


def give(
    session: Session, person: Person, given: GivenConsent, recorded_by: User | None, today: date | None = None
) -> Consent:
    """Record a consent for one purpose (the person online when ``recorded_by`` is None); refused while a consent
    for that purpose stands. The person must have been flushed (have an id)."""
    today = today or local_today()
    if person.anonymised_at is not None:
        raise Conflict(_("De gegevens van deze persoon zijn gewist; er valt geen toestemming meer vast te leggen."))
    given = _check(person, given, recorded_by, today)
    subject_type, owner = _subject(person)
    if session.scalar(select(Consent.in_force(given.purpose, **owner))):
        raise Conflict(_("Voor dit doel is al toestemming gegeven. Trek die eerst in om een nieuwe vast te leggen."))
    consent = Consent(
        **owner,
        purpose=given.purpose,
        text_version=given.text_version,
        given_by=given.given_by,
        method=given.method,
        given_on=given.given_on,
        recorded_by_id=recorded_by.id if recorded_by is not None else None,
        recorded_at=utcnow(),
        withdrawal_note="",
    )
    try:
        with session.begin_nested():
            session.add(consent)
            session.flush()
    except IntegrityError:  # the partial unique index: someone recorded it at the same moment
        raise Conflict(_("Iemand anders heeft deze toestemming net vastgelegd.")) from None
    session.expire(person, ["consents"])
    audit.record(
        session,
        recorded_by,
        AuditAction.CONSENT_GIVEN,
        subject_type,
        person.id,
        consent=consent.id,
        purpose=given.purpose,
    )
    return consent


# -- withdrawing ----------------------------------------------------------------------------------------------


def _lapse_open_proposals(session: Session, person: Person) -> int:
    """The person's open proposals lapse, through the matches service (per resident: each resident has at most one
    open proposal, the newest run's, so for a volunteer exactly theirs lapse)."""
    if isinstance(person, Resident):
        return matches.lapse_open_proposals(session, [person.id])
    residents = list(
        session.scalars(
            select(Proposal.resident_id).where(
                Proposal.volunteer_id == person.id, Proposal.status == ProposalStatus.OPEN
            )
        )
    )
    return matches.lapse_open_proposals(session, residents) if residents else 0


def _running_match(session: Session, person: Person) -> bool:
    owner = Match.resident_id == person.id if isinstance(person, Resident) else Match.volunteer_id == person.id
    found = session.scalar(select(Match.id).where(owner, Match.status.in_(list(PLACE_HOLDING_MATCH_STATUSES))).limit(1))
    return found is not None


def withdraw(session: Session, person: Person, purpose: ConsentPurpose, user: User, note: str = "") -> Withdrawal:
    """Withdraw the person's consent for ``purpose``, and stop that processing at once (see the module's text)."""
    note = note.strip()
    if len(note) > NOTE_LENGTH:
        raise ConsentError("note", _("Maximaal %(num)d tekens.", num=NOTE_LENGTH))
    subject_type = _subject(person)[0]
    standing = session.scalar(
        select(Consent.id).where(_owned_by(person), Consent.purpose == purpose, Consent.withdrawn_at.is_(None))
    )
    if standing is None:
        raise Conflict(_("Voor dit doel is geen toestemming (meer) gegeven; er valt niets in te trekken."))
    # Conditional: of two coordinators withdrawing at once, the second finds nothing left to withdraw.
    result = session.execute(
        update(Consent)
        .where(Consent.id == standing, Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=utcnow(), withdrawn_by_id=user.id, withdrawal_note=note)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise Conflict(_("Iemand anders heeft deze toestemming net ingetrokken."))
    _forget(session, person)
    lapsed = 0
    if purpose is ConsentPurpose.INTAKE_MATCHING:
        lapsed = _lapse_open_proposals(session, person)
    if purpose is ConsentPurpose.SHARE_STATUS and isinstance(person, Resident):
        outbox_notices.discard_unsent_about_resident(session, person.id)
    consent = session.get(Consent, standing)
    assert consent is not None
    audit.record(
        session,
        user,
        AuditAction.CONSENT_WITHDRAWN,
        subject_type,
        person.id,
        consent=standing,
        purpose=purpose,
        lapsed_proposals=lapsed,
    )
    running = purpose is ConsentPurpose.INTAKE_MATCHING and _running_match(session, person)
    return Withdrawal(consent, lapsed, running)


# -- merging and erasure ---------------------------------------------------------------------------------------


def move_history(session: Session, other: Volunteer, kept: Volunteer) -> int:
    """A duplicate sign-up's consents move to the volunteer it is merged into, so that none is lost: withdrawn ones
    all, standing ones for the purposes the kept volunteer has no standing consent for. Returns how many moved."""
    kept_standing = set(
        session.scalars(select(Consent.purpose).where(Consent.volunteer_id == kept.id, Consent.withdrawn_at.is_(None)))
    )
    moving = [
        row.id
        for row in session.scalars(select(Consent).where(Consent.volunteer_id == other.id))
        if row.withdrawn_at is not None or row.purpose not in kept_standing
    ]
    if moving:
        session.execute(
            update(Consent)
            .where(Consent.id.in_(moving))
            .values(volunteer_id=kept.id)
            .execution_options(synchronize_session=False)
        )
        _forget(session, kept)
        session.expire(other, ["consents"])
    return len(moving)


def erase_notes(session: Session, whose: ColumnElement[bool]) -> None:
    """Erase the free text of these consents (the withdrawal notes), for the erasure of a person's data."""
    session.execute(
        update(Consent).where(whose).values(withdrawal_note="").execution_options(synchronize_session=False)
    )
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Consent):
            session.expire(instance)
