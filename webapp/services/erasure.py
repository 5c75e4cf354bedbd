"""Erasure under the AVG: a resident's or a volunteer's identifying data removed everywhere, their rows kept.

Erasure anonymises rather than deletes, so that the dashboards' counts stay right (how many people waited, were
matched, for how long, how it went): the person's rows, referral, proposals, matches, check-ins and consents stay
with their dates, programmes, statuses, verdicts and reason codes, and nobody can find the person in them any more.

What goes, for either kind of person:

- names: the first name becomes ``ANONYMOUS_NAME``, the last name the row's number (``#12``), so lists still show
  one line per row; phone, e-mail and address become empty;
- the birth date keeps only its year (stored as 1 January of that year): ages stay usable in years, the unit of the
  programmes' age rules and of the figures, while day and month, which with the PC4 area single people out, go;
  an age band would need a column of its own and says less;
- the postcode keeps only its PC4 area (the four digits the engine and the figures use);
- every free text about the person: the resident's notes, the referral's reason and the closing reason; the
  volunteer's motivation and intake notes; on their matches the ending note, the check-in notes and the
  introduction's place when it may be an address (see ``may_identify``), also in the match's timeline; on their
  proposals the rejection and undo notes; the notes of their consents and of their data subject requests;
- e-mails to their address in the outbox, sent or not, and the referrer's notices about a resident's referral
  (they name the resident by first name and initial);
- the links to fill in the loneliness questionnaire that were never used. The measurements themselves stay, as
  anonymous statistics (answers, scores, the age on the day): the row they point at is anonymised.

The person's sign-up ends with it: a waiting resident is closed (through ``webapp.services.matches``), a volunteer
who has not stopped is stopped (through ``webapp.services.screening``), and their open proposals lapse. Erasure is
refused while the person holds a running match (kennismaking or actief): end it first. The audit trail keeps its
rows, which hold ids and codes, never names. Staff accounts are not touched: a referral keeps who referred.

Matches and proposals: only their free text is blanked here, never a status, a place or a decision (those belong
to ``webapp.services.matches``, the one writer of match state). Erasure is refused while a match holds a place, so
every match it touches has ended, and nothing writes an ended match any more.

Every check comes before the first write, so a refusal (``Conflict``) leaves the session as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import Session

from webapp.enums import (
    AuditAction,
    AuditSubject,
    IntakeOutcome,
    MatchEventKind,
    ProposalStatus,
    ResidentStatus,
    SubjectKind,
)
from webapp.models import (
    CheckIn,
    Consent,
    Match,
    MatchEvent,
    OutboxMail,
    Proposal,
    Referral,
    Resident,
    SubjectRequest,
    User,
    Volunteer,
    utcnow,
)
from webapp.services import audit, consent, matches, measurements, outbox_notices, screening
from webapp.services.errors import Conflict, NotFound

#: What an erased person is called in every list (stored, like the rest of the data, in Dutch).
ANONYMOUS_NAME = "Geanonimiseerd"
#: The closing reason of a waiting resident whose sign-up ends with the erasure, and a volunteer's stopping reason.
ERASED_ON_REQUEST = "Gegevens gewist op verzoek (AVG)"
ERASED_BY_RETENTION = "Bewaartermijn verstreken: gegevens gewist"
# The person's own fields that erasure blanks or coarsens, as the audit record names them.
ERASED_RESIDENT_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "email",
    "address",
    "postcode",
    "birth_date",
    "notes",
    "closed_reason",
)
ERASED_VOLUNTEER_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "birth_date",
    "postcode",
    "motivation",
    "intake_notes",
    "stopped_reason",
)

# Words of a name too short or too common to point at anyone: 'de', 'van', 'der', ...
_NAME_PARTICLES = frozenset({"van", "den", "der", "ter", "ten", "het", "les", "von", "del", "della", "dos", "das"})
_INTRODUCTION_KINDS = (MatchEventKind.KENNISMAKING_GEPLAND, MatchEventKind.KENNISMAKING_VERZET)


def is_anonymised(person: Resident | Volunteer) -> bool:
    return person.anonymised_at is not None


# -- what may point at the person -----------------------------------------------------------------------------


def identifying_words(*texts: str, email: str = "") -> frozenset[str]:
    """The words of a person's names and address, and of their e-mail address before the @ (its domain names no
    one), that would recognise them in a free text (lower case)."""
    words: set[str] = set()
    for text in (*texts, email.partition("@")[0]):
        for word in re.split(r"[\s,.;:@()/\-]+", (text or "").casefold()):
            if len(word) >= 3 and word not in _NAME_PARTICLES:
                words.add(word)
    return frozenset(words)


def may_identify(text: str, words: Iterable[str]) -> bool:
    """Whether a short free text (an introduction's place) may point at the person: it holds a digit (a house number,
    a postcode, a phone number) or one of their identifying words. 'Buurthuis De Bron' stays; 'Herenstraat 12' and
    'bij Kees thuis' go."""
    folded = (text or "").casefold()
    if any(character.isdigit() for character in folded):
        return True
    tokens = set(re.split(r"[\s,.;:@()/\-]+", folded))
    return any(word in tokens for word in words)


def year_only(birth_date: date | None) -> date | None:
    """The birth date as its year only (1 January of that year)."""
    return date(birth_date.year, 1, 1) if birth_date is not None else None


# -- the rows around the person ------------------------------------------------------------------------------


def _expire(session: Session, *models: type[Any]) -> None:
    """Rows the ORM may hold went stale after a Core UPDATE changed them behind its back."""
    for instance in list(session.identity_map.values()):
        if isinstance(instance, models):
            session.expire(instance)


def _scrub_matches(session: Session, whose: ColumnElement[bool], words: frozenset[str]) -> int:
    """Blank the free text of the person's (ended) matches: the ending note, the check-in notes and the
    introduction's place where it may be an address, also in the timeline. Returns how many matches."""
    rows = session.execute(select(Match.id, Match.introduction_place).where(whose)).all()
    match_ids = [match_id for match_id, _place in rows]
    if not match_ids:
        return 0
    for match_id, place in rows:
        values: dict[str, Any] = {"end_note": ""}
        if place and may_identify(place, words):
            values["introduction_place"] = ""
        session.execute(update(Match).where(Match.id == match_id).values(**values))
    session.execute(update(CheckIn).where(CheckIn.match_id.in_(match_ids)).values(note=""))
    events = session.execute(
        select(MatchEvent.id, MatchEvent.detail).where(
            MatchEvent.match_id.in_(match_ids), MatchEvent.kind.in_(_INTRODUCTION_KINDS)
        )
    ).all()
    for event_id, detail in events:
        place = (detail or {}).get("place")
        if place and may_identify(str(place), words):
            session.execute(update(MatchEvent).where(MatchEvent.id == event_id).values(detail={**detail, "place": ""}))
    _expire(session, Match, CheckIn, MatchEvent)
    return len(match_ids)


def _scrub_proposals(session: Session, whose: ColumnElement[bool]) -> None:
    session.execute(update(Proposal).where(whose).values(rejection_note="", rejection_undo_note=""))
    _expire(session, Proposal)


def _scrub_consents(session: Session, whose: ColumnElement[bool]) -> None:
    consent.erase_notes(session, whose)


def _scrub_requests(session: Session, kind: SubjectKind, person_id: int) -> None:
    """The notes of the person's data subject requests (the requests stay: they show that the right was honoured)."""
    session.execute(
        update(SubjectRequest)
        .where(SubjectRequest.subject_kind == kind, SubjectRequest.subject_id == person_id)
        .values(note="")
    )
    _expire(session, SubjectRequest)


def _delete_mails(session: Session, email: str, *about: ColumnElement[bool]) -> int:
    """E-mails to the person's address (sent or not), and those ``about`` them sent to someone else."""
    conditions = list(about)
    if email.strip():
        conditions.append(func.lower(OutboxMail.to_address) == email.strip().lower())
    if not conditions:
        return 0
    result = session.execute(delete(OutboxMail).where(or_(*conditions)))
    _expire(session, OutboxMail)
    return int(result.rowcount)  # type: ignore[attr-defined]


def _referrer_notices(referral_id: int) -> ColumnElement[bool]:
    """The referrer's notices about this referral (``outbox_notices.referral_status_changed`` keys them by it)."""
    return (OutboxMail.kind == outbox_notices.REFERRAL_STATUS) & OutboxMail.dedupe_key.startswith(
        f"referral-status:{referral_id}:", autoescape=True
    )


# -- residents ------------------------------------------------------------------------------------------------


def resident_erasure_refusal(session: Session, resident: Resident) -> str | None:
    """Why this resident's data cannot be erased now, or None."""
    if resident.anonymised_at is not None:
        return _("De gegevens van deze bewoner zijn al gewist.")
    if matches.holding_match(session, resident.id) is not None:
        return _(
            "Deze bewoner heeft een lopende koppeling (kennismaking of actief). Beëindig eerst de koppeling; "
            "daarna kunnen de gegevens gewist worden."
        )
    return None


def erase_resident(
    session: Session,
    user: User | None,
    resident_id: int,
    *,
    action: AuditAction = AuditAction.RESIDENT_ANONYMISED,
    closing_reason: str = ERASED_ON_REQUEST,
    **detail: Any,
) -> Resident:
    """Remove a resident's identifying data everywhere and keep the anonymous rows; a waiting resident's sign-up
    is closed and their open proposals lapse. Refused (Conflict) while they hold a running match. ``user`` is None
    for the retention job; ``detail`` goes into the audit record (ids and codes only)."""
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise NotFound(_("Deze bewoner bestaat niet (meer)."))
    refusal = resident_erasure_refusal(session, resident)
    if refusal:
        raise Conflict(refusal)
    words = identifying_words(resident.first_name, resident.last_name, resident.address, email=resident.email)
    email = resident.email
    referral_id = session.scalar(select(Referral.id).where(Referral.resident_id == resident_id))
    was_waiting = resident.status is ResidentStatus.WACHTEND

    lapsed = matches.lapse_open_proposals(session, [resident_id])
    resident.first_name = ANONYMOUS_NAME
    resident.last_name = f"#{resident_id}"
    resident.phone = ""
    resident.email = ""
    resident.address = ""
    resident.postcode = resident.pc4
    resident.birth_date = year_only(resident.birth_date)
    resident.notes = ""
    resident.closed_reason = ""
    resident.anonymised_at = utcnow()
    # The version check: someone who changed the resident since it was read wins, this fails (StaleDataError).
    session.flush()
    if was_waiting:
        # The anonymised name is in place first, so that whatever closing tells (a referrer's notice) names nobody.
        matches.close_resident(session, user, resident, closing_reason)  # type: ignore[arg-type]
    if referral_id is not None:
        session.execute(update(Referral).where(Referral.id == referral_id).values(reason=""))
        _expire(session, Referral)
    _scrub_consents(session, Consent.resident_id == resident_id)
    _scrub_proposals(session, Proposal.resident_id == resident_id)
    scrubbed_matches = _scrub_matches(session, Match.resident_id == resident_id, words)
    _scrub_requests(session, SubjectKind.RESIDENT, resident_id)
    links = measurements.forget_unused_links(session, resident_id=resident_id)
    about = [_referrer_notices(referral_id)] if referral_id is not None else []
    mails = _delete_mails(session, email, *about)
    audit.record(
        session,
        user,
        action,
        AuditSubject.RESIDENT,
        resident_id,
        fields=ERASED_RESIDENT_FIELDS,
        lapsed_proposals=lapsed,
        matches=scrubbed_matches,
        mails_deleted=mails,
        measurement_links_deleted=links,
        closed=was_waiting,
        **detail,
    )
    session.flush()
    return resident


# -- volunteers -----------------------------------------------------------------------------------------------


def _running_matches(session: Session, volunteer_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(Match).where(Match.volunteer_id == volunteer_id, Match.holds_place)
        )
        or 0
    )


def lapse_open_proposals_of_volunteer(session: Session, volunteer_id: int) -> int:
    """The volunteer's open proposals lapse (through the matches service, which lapses them per resident: each
    resident has at most one open proposal, the newest run's, so exactly the volunteer's lapse)."""
    residents = list(
        session.scalars(
            select(Proposal.resident_id).where(
                Proposal.volunteer_id == volunteer_id, Proposal.status == ProposalStatus.OPEN
            )
        )
    )
    return matches.lapse_open_proposals(session, residents) if residents else 0


def volunteer_erasure_refusal(session: Session, volunteer: Volunteer) -> str | None:
    """Why this volunteer's data cannot be erased now, or None."""
    if volunteer.anonymised_at is not None:
        return _("De gegevens van deze vrijwilliger zijn al gewist.")
    running = max(_running_matches(session, volunteer.id), volunteer.places_taken)
    if running:
        return ngettext(
            "Deze vrijwilliger heeft nog %(num)d lopende koppeling (kennismaking of actief). Beëindig die eerst; "
            "daarna kunnen de gegevens gewist worden.",
            "Deze vrijwilliger heeft nog %(num)d lopende koppelingen (kennismaking of actief). Beëindig die eerst; "
            "daarna kunnen de gegevens gewist worden.",
            running,
        )
    return None


def erase_volunteer(
    session: Session,
    user: User | None,
    volunteer_id: int,
    *,
    action: AuditAction = AuditAction.VOLUNTEER_ANONYMISED,
    stopping_reason: str = ERASED_ON_REQUEST,
    **detail: Any,
) -> Volunteer:
    """Remove a volunteer's identifying data everywhere and keep the anonymous rows; a volunteer who has not stopped
    is stopped and their open proposals lapse. Refused (Conflict) while they hold a running match."""
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(_("Deze vrijwilliger bestaat niet (meer)."))
    refusal = volunteer_erasure_refusal(session, volunteer)
    if refusal:
        raise Conflict(refusal)
    if volunteer.stopped_at is None and user is None and volunteer.intake_outcome is not IntakeOutcome.NIET_GESCHIKT:
        # A coordinator stops a volunteer; the retention job erases only volunteers who stopped or were found not
        # suitable (who never took part, so stopping them is a formality).
        raise Conflict(_("Deze vrijwilliger is niet gestopt."))
    words = identifying_words(volunteer.first_name, volunteer.last_name, email=volunteer.email)
    email = volunteer.email

    lapsed = lapse_open_proposals_of_volunteer(session, volunteer_id)
    stopped = volunteer.stopped_at is None
    if stopped:
        screening.stop_volunteer(session, volunteer, user, stopping_reason, volunteer.version)
    volunteer.first_name = ANONYMOUS_NAME
    volunteer.last_name = f"#{volunteer_id}"
    volunteer.email = ""
    volunteer.phone = ""
    birth_year = year_only(volunteer.birth_date)
    assert birth_year is not None  # a volunteer's birth date is required
    volunteer.birth_date = birth_year
    volunteer.postcode = volunteer.pc4
    volunteer.motivation = ""
    volunteer.intake_notes = ""
    if not stopped:
        # Why they stopped earlier is free text, perhaps naming them (stopped just now: the fixed text of erasure).
        volunteer.stopped_reason = ""
    volunteer.anonymised_at = utcnow()
    volunteer.updated_at = utcnow()
    session.flush()  # the version check, as for a resident
    _scrub_consents(session, Consent.volunteer_id == volunteer_id)
    _scrub_proposals(session, Proposal.volunteer_id == volunteer_id)
    scrubbed_matches = _scrub_matches(session, Match.volunteer_id == volunteer_id, words)
    _scrub_requests(session, SubjectKind.VOLUNTEER, volunteer_id)
    links = measurements.forget_unused_links(session, volunteer_id=volunteer_id)
    mails = _delete_mails(session, email)
    audit.record(
        session,
        user,
        action,
        AuditSubject.VOLUNTEER,
        volunteer_id,
        fields=ERASED_VOLUNTEER_FIELDS,
        lapsed_proposals=lapsed,
        matches=scrubbed_matches,
        mails_deleted=mails,
        measurement_links_deleted=links,
        stopped=stopped,
        **detail,
    )
    session.flush()
    return volunteer


def erasure_refusal(session: Session, kind: SubjectKind, person: Resident | Volunteer) -> str | None:
    """Why this person's data cannot be erased now, or None."""
    if kind is SubjectKind.RESIDENT:
        assert isinstance(person, Resident)
        return resident_erasure_refusal(session, person)
    assert isinstance(person, Volunteer)
    return volunteer_erasure_refusal(session, person)
