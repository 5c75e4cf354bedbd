"""The AVG's rights of the people Samen keeps files on: data subject requests and what answers them.

A request (access, rectification, erasure, restriction, portability, objection) is registered with the day it came
in and must be answered within one calendar month (``webapp.rules.months_after``: received 31 January, due 28 or
29 February). What answers it:

- **access and portability**: everything about the person as JSON or as a zip of CSV files (``export_person``):
  every field of their own row and of the rows about them (referral, consents, proposals, matches and their
  timeline, check-ins, loneliness measurements and the links made for them (without the token's hash), their
  requests, e-mails to them, the audit trail of their file). Nobody else's identifying
  data: another person appears by id, and in a match (they were introduced to each other) by first name only; the
  note of a check-in held only with the other person is left out (it is about them). Free-text notes written by
  coordinators can still mention others: the coordinator reads them before handing the export over.
- **erasure**: ``webapp.services.erasure``;
- **restriction**: a mark that stops processing at once: a restricted resident is in no run and cannot be chosen
  by hand, a restricted volunteer is not eligible (``webapp.rules.Blocker.RESTRICTED``), open proposals lapse, and
  the outbox sends no notice about them; the data stay, unchanged, also by the retention job;
- **rectification** (the ordinary edit pages) and **objection**: marked handled with a note.

Every step is in the audit trail, with ids and codes only.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from webapp.clock import local_date
from webapp.enums import AuditAction, AuditSubject, CheckInWith, RequestKind, RequestStatus, SubjectKind
from webapp.models import (
    AuditEvent,
    CheckIn,
    Consent,
    LonelinessMeasurement,
    Match,
    MatchEvent,
    MeasurementLink,
    Organisation,
    OutboxMail,
    Proposal,
    Referral,
    Resident,
    SubjectRequest,
    User,
    Volunteer,
    utcnow,
)
from webapp.rules import months_after
from webapp.services import audit, erasure, matches, outbox_notices
from webapp.services.errors import Conflict, FieldError, NotFound

#: How a request reached Welzijn Rijswijk (stored as the code; the form shows the label).
RECEIVED_VIA = ("telefoon", "email", "brief", "persoonlijk")
#: The kinds a download answers.
EXPORT_KINDS = frozenset({RequestKind.ACCESS, RequestKind.PORTABILITY})
EXPORT_FORMATS = ("json", "csv")
NOTE_LENGTH = 2000

Person = Resident | Volunteer


def due_date(received_on: date) -> date:
    """A request must be answered within one calendar month of its arrival."""
    return months_after(received_on, 1)


def subject_type(kind: SubjectKind) -> AuditSubject:
    """The audit trail's name for the person's kind of record."""
    return AuditSubject.RESIDENT if kind is SubjectKind.RESIDENT else AuditSubject.VOLUNTEER


# -- people ---------------------------------------------------------------------------------------------------


def find_person(session: Session, kind: SubjectKind, person_id: int) -> Person | None:
    model: type[Person] = Resident if kind is SubjectKind.RESIDENT else Volunteer
    return session.get(model, person_id)


def get_person(session: Session, kind: SubjectKind, person_id: int) -> Person:
    person = find_person(session, kind, person_id)
    if person is None:
        raise NotFound(_("Deze persoon bestaat niet (meer)."))
    return person


@dataclass(frozen=True)
class PersonHit:
    """One person found by the search on the form for a new request."""

    kind: SubjectKind
    person: Person


def _digits(text: str) -> str:
    return "".join(character for character in text if character.isdigit())


def _matches_words(words: Sequence[str], *columns: Any, phone: Any) -> ColumnElement[bool]:
    """Every word is in one of the columns, or (three digits or more) in the phone number's digits."""
    compact = func.replace(func.replace(phone, " ", ""), "-", "")
    conditions = []
    for word in words:
        options = [column.icontains(word, autoescape=True) for column in columns]
        if len(_digits(word)) >= 3:
            options.append(compact.icontains(_digits(word), autoescape=True))
        conditions.append(or_(*options))
    return and_(*conditions)


def find_people(session: Session, text: str, limit: int = 10) -> list[PersonHit]:
    """Residents and volunteers whose name, e-mail, postcode or phone matches every word (anonymised people are
    not found); at most ``limit`` of each kind."""
    words = text.split()[:5]
    if not words:
        return []
    residents = session.scalars(
        select(Resident)
        .where(
            Resident.anonymised_at.is_(None),
            _matches_words(
                words, Resident.first_name, Resident.last_name, Resident.email, Resident.postcode, phone=Resident.phone
            ),
        )
        .order_by(Resident.last_name, Resident.first_name, Resident.id)
        .limit(limit)
    ).all()
    volunteers = session.scalars(
        select(Volunteer)
        .where(
            Volunteer.anonymised_at.is_(None),
            _matches_words(
                words,
                Volunteer.first_name,
                Volunteer.last_name,
                Volunteer.email,
                Volunteer.postcode,
                phone=Volunteer.phone,
            ),
        )
        .order_by(Volunteer.last_name, Volunteer.first_name, Volunteer.id)
        .limit(limit)
    ).all()
    return [PersonHit(SubjectKind.RESIDENT, r) for r in residents] + [
        PersonHit(SubjectKind.VOLUNTEER, v) for v in volunteers
    ]


# -- requests -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewRequest:
    """A request as the coordinator registers it."""

    kind: RequestKind
    subject_kind: SubjectKind
    subject_id: int
    received_on: date
    received_via: str
    note: str


def register_request(session: Session, user: User, new: NewRequest, *, today: date) -> SubjectRequest:
    """Register a data subject's request, due one calendar month after it came in."""
    person = find_person(session, new.subject_kind, new.subject_id)
    if person is None:
        raise FieldError("subject_id", _("Kies de persoon om wie het gaat."))
    if person.anonymised_at is not None:
        raise Conflict(_("De gegevens van deze persoon zijn al gewist; er valt geen verzoek meer over te registreren."))
    if new.received_on > today:
        raise FieldError("received_on", _("De datum van ontvangst kan niet in de toekomst liggen."))
    if new.received_via not in RECEIVED_VIA:
        raise FieldError("received_via", _("Kies hoe het verzoek binnenkwam."))
    note = new.note.strip()
    if len(note) > NOTE_LENGTH:
        raise FieldError("note", _("Maximaal %(num)d tekens.", num=NOTE_LENGTH))
    request = SubjectRequest(
        kind=new.kind,
        subject_kind=new.subject_kind,
        subject_id=new.subject_id,
        received_on=new.received_on,
        due_on=due_date(new.received_on),
        received_via=new.received_via,
        status=RequestStatus.OPEN,
        note=note,
        registered_by_id=user.id,
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        user,
        AuditAction.SUBJECT_REQUEST_REGISTERED,
        AuditSubject.SUBJECT_REQUEST,
        request.id,
        kind=new.kind.value,
        person_kind=new.subject_kind.value,
        person_id=new.subject_id,
        received_via=new.received_via,
        due_on=request.due_on.isoformat(),
    )
    return request


def get_request(session: Session, request_id: int) -> SubjectRequest:
    request = session.get(SubjectRequest, request_id)
    if request is None:
        raise NotFound(_("Dit verzoek bestaat niet."))
    return request


@dataclass(frozen=True)
class RequestRow:
    """A request with its person (None when the row is gone) and where it stands against its due date."""

    request: SubjectRequest
    person: Person | None
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.request.status is RequestStatus.OPEN and self.days_left < 0


def _rows(session: Session, requests: Sequence[SubjectRequest], today: date) -> list[RequestRow]:
    ids = {kind: [r.subject_id for r in requests if r.subject_kind is kind] for kind in SubjectKind}
    people: dict[tuple[SubjectKind, int], Person] = {}
    if ids[SubjectKind.RESIDENT]:
        for resident in session.scalars(select(Resident).where(Resident.id.in_(ids[SubjectKind.RESIDENT]))):
            people[(SubjectKind.RESIDENT, resident.id)] = resident
    if ids[SubjectKind.VOLUNTEER]:
        for volunteer in session.scalars(select(Volunteer).where(Volunteer.id.in_(ids[SubjectKind.VOLUNTEER]))):
            people[(SubjectKind.VOLUNTEER, volunteer.id)] = volunteer
    return [RequestRow(r, people.get((r.subject_kind, r.subject_id)), (r.due_on - today).days) for r in requests]


def open_requests(session: Session, today: date) -> list[RequestRow]:
    """Every open request, the first due first."""
    requests = session.scalars(
        select(SubjectRequest)
        .where(SubjectRequest.status == RequestStatus.OPEN)
        .order_by(SubjectRequest.due_on, SubjectRequest.id)
    ).all()
    return _rows(session, requests, today)


def recently_handled(session: Session, today: date, limit: int = 20) -> list[RequestRow]:
    requests = session.scalars(
        select(SubjectRequest)
        .where(SubjectRequest.status != RequestStatus.OPEN)
        .order_by(SubjectRequest.handled_at.desc(), SubjectRequest.id.desc())
        .limit(limit)
    ).all()
    return _rows(session, requests, today)


def request_row(session: Session, request: SubjectRequest, today: date) -> RequestRow:
    return _rows(session, [request], today)[0]


@dataclass(frozen=True)
class OpenCounts:
    open: int
    overdue: int


def open_counts(session: Session, today: date) -> OpenCounts:
    """How many requests are open, and how many of them are past their due date (for the week page)."""
    is_open = SubjectRequest.status == RequestStatus.OPEN
    total = session.scalar(select(func.count(SubjectRequest.id)).where(is_open)) or 0
    late = session.scalar(select(func.count(SubjectRequest.id)).where(is_open, SubjectRequest.due_on < today)) or 0
    return OpenCounts(int(total), int(late))


@dataclass(frozen=True)
class PersonRights:
    """What a person's page shows about their rights: open requests, and whether processing is restricted or their
    data erased."""

    kind: SubjectKind
    person_id: int
    open_requests: list[RequestRow]
    restricted_at: datetime | None
    anonymised_at: datetime | None


def rights_of(session: Session, kind: SubjectKind, person: Person, today: date) -> PersonRights:
    requests = session.scalars(
        select(SubjectRequest)
        .where(
            SubjectRequest.subject_kind == kind,
            SubjectRequest.subject_id == person.id,
            SubjectRequest.status == RequestStatus.OPEN,
        )
        .order_by(SubjectRequest.due_on, SubjectRequest.id)
    ).all()
    rows = [RequestRow(r, person, (r.due_on - today).days) for r in requests]
    return PersonRights(kind, person.id, rows, person.restricted_at, person.anonymised_at)


def _claim(session: Session, request_id: int, user: User, status: RequestStatus, **values: Any) -> SubjectRequest:
    """Mark an open request handled (one conditional UPDATE: of two coordinators at once, the second is refused)."""
    result = session.execute(
        update(SubjectRequest)
        .where(SubjectRequest.id == request_id, SubjectRequest.status == RequestStatus.OPEN)
        .values(status=status, handled_by_id=user.id, handled_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    request = get_request(session, request_id)
    session.expire(request)
    if not result.rowcount:  # type: ignore[attr-defined]
        raise Conflict(already_handled())
    return request


def already_handled() -> str:
    return _("Dit verzoek is al afgehandeld.")


def _with_handling_note(note: str, handling: str) -> str:
    # Stored Dutch, like the rest of the data: the request's own note, then what answered it.
    if not handling:
        return note
    return f"{note}\n\nAfhandeling: {handling}" if note else f"Afhandeling: {handling}"


def handle_request(
    session: Session, user: User, request_id: int, status: RequestStatus, note: str = ""
) -> SubjectRequest:
    """Mark a request done or refused, with a note (required for an objection and for a refusal)."""
    request = get_request(session, request_id)
    if request.status is not RequestStatus.OPEN:
        raise Conflict(already_handled())
    if status is RequestStatus.OPEN:
        raise FieldError("outcome", _("Kies hoe het verzoek is afgehandeld."))
    if request.kind is RequestKind.ERASURE and status is RequestStatus.DONE:
        raise Conflict(
            _("Een verzoek om gegevens te wissen is afgehandeld zodra de gegevens gewist zijn: wis ze eerst.")
        )
    note = (note or "").strip()
    if not note and (status is RequestStatus.REFUSED or request.kind is RequestKind.OBJECTION):
        raise FieldError("note", _("Vul in hoe het verzoek is afgehandeld."))
    if len(note) > NOTE_LENGTH:
        raise FieldError("note", _("Maximaal %(num)d tekens.", num=NOTE_LENGTH))
    request = _claim(session, request_id, user, status, note=_with_handling_note(request.note, note))
    audit.record(
        session,
        user,
        AuditAction.SUBJECT_REQUEST_HANDLED,
        AuditSubject.SUBJECT_REQUEST,
        request_id,
        status=status.value,
        kind=request.kind.value,
    )
    return request


def _open_request_of_kind(session: Session, request_id: int, kinds: Iterable[RequestKind]) -> SubjectRequest:
    request = get_request(session, request_id)
    if request.kind not in set(kinds):
        raise Conflict(_("Dit kan niet bij een verzoek van deze soort."))
    if request.status is not RequestStatus.OPEN:
        raise Conflict(already_handled())
    return request


# -- erasure --------------------------------------------------------------------------------------------------


def erase_for_request(session: Session, user: User, request_id: int) -> SubjectRequest:
    """Erase the person of an open erasure request; the request is then handled."""
    request = _open_request_of_kind(session, request_id, [RequestKind.ERASURE])
    kind, person_id = request.subject_kind, request.subject_id
    person = get_person(session, kind, person_id)
    refusal = erasure.erasure_refusal(session, kind, person)
    if refusal:
        raise Conflict(refusal)
    request = _claim(session, request_id, user, RequestStatus.DONE)
    if kind is SubjectKind.RESIDENT:
        erasure.erase_resident(session, user, person_id, request=request_id)
    else:
        erasure.erase_volunteer(session, user, person_id, request=request_id)
    audit.record(
        session,
        user,
        AuditAction.SUBJECT_REQUEST_HANDLED,
        AuditSubject.SUBJECT_REQUEST,
        request_id,
        status=RequestStatus.DONE,
        kind=RequestKind.ERASURE,
    )
    return request


# -- restriction ----------------------------------------------------------------------------------------------


def set_restriction(session: Session, user: User, request_id: int, *, restricted: bool) -> Person:
    """Restrict the processing of the person of a restriction request (or lift it again); a restriction may be
    lifted after the request was handled, when its reason has gone."""
    request = get_request(session, request_id)
    if request.kind is not RequestKind.RESTRICTION:
        raise Conflict(_("Dit kan niet bij een verzoek van deze soort."))
    kind, person_id = request.subject_kind, request.subject_id
    person = get_person(session, kind, person_id)
    if person.anonymised_at is not None:
        raise Conflict(_("De gegevens van deze persoon zijn gewist; er valt niets meer te beperken."))
    if restricted and person.restricted_at is not None:
        raise Conflict(_("De verwerking is al beperkt."))
    if not restricted and person.restricted_at is None:
        raise Conflict(_("De verwerking is niet beperkt; er valt niets op te heffen."))
    person.restricted_at = utcnow() if restricted else None
    session.flush()  # the version check: someone who changed the person meanwhile wins
    lapsed = 0
    if restricted:
        if kind is SubjectKind.RESIDENT:
            lapsed = matches.lapse_open_proposals(session, [person_id])
            outbox_notices.discard_unsent_about_resident(session, person_id)
        else:
            lapsed = erasure.lapse_open_proposals_of_volunteer(session, person_id)
            outbox_notices.discard_unsent_about_volunteer(session, person_id)
    if kind is SubjectKind.RESIDENT:
        action = AuditAction.RESIDENT_RESTRICTED if restricted else AuditAction.RESIDENT_RESTRICTION_LIFTED
    else:
        action = AuditAction.VOLUNTEER_RESTRICTED if restricted else AuditAction.VOLUNTEER_RESTRICTION_LIFTED
    audit.record(
        session,
        user,
        action,
        subject_type(kind),
        person_id,
        fields=["restricted_at"],
        request=request_id,
        lapsed=lapsed,
    )
    return person


# -- the export -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSection:
    """One kind of record: its columns and rows (one CSV file, one JSON list)."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class PersonExport:
    subject_kind: SubjectKind
    subject_id: int
    exported_at: datetime
    sections: tuple[ExportSection, ...]

    def section(self, name: str) -> ExportSection:
        return next(s for s in self.sections if s.name == name)


def _plain(value: Any) -> Any:
    """A stored value as JSON has it: dates ISO 8601, enumerations their value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return value


def _columns(model: type[Any]) -> tuple[str, ...]:
    return tuple(attribute.key for attribute in model.__mapper__.column_attrs)


def _row(instance: Any, **extra: Any) -> dict[str, Any]:
    values = {name: _plain(getattr(instance, name)) for name in _columns(type(instance))}
    values.update({name: _plain(value) for name, value in extra.items()})
    return values


def _section(name: str, model: type[Any], rows: Iterable[dict[str, Any]], *extra: str) -> ExportSection:
    return ExportSection(name, (*_columns(model), *extra), tuple(rows))


def _consents(session: Session, whose: ColumnElement[bool]) -> ExportSection:
    consents = session.scalars(select(Consent).where(whose).order_by(Consent.recorded_at, Consent.id))
    return _section("toestemmingen", Consent, (_row(c) for c in consents))


#: A link's token hash is a secret of the link (it opened the questionnaire), not data about the person.
_LINK_COLUMNS = tuple(name for name in _columns(MeasurementLink) if name != "token_hash")


def _loneliness_sections(
    session: Session, measured: ColumnElement[bool], linked: ColumnElement[bool]
) -> list[ExportSection]:
    """The person's loneliness measurements (answers and scores) and the links made for them."""
    rows = session.scalars(
        select(LonelinessMeasurement)
        .where(measured)
        .order_by(LonelinessMeasurement.measured_on, LonelinessMeasurement.id)
    )
    links = session.scalars(select(MeasurementLink).where(linked).order_by(MeasurementLink.id))
    return [
        _section("eenzaamheidsmetingen", LonelinessMeasurement, (_row(m) for m in rows)),
        ExportSection(
            "meetlinks", _LINK_COLUMNS, tuple({name: _plain(getattr(k, name)) for name in _LINK_COLUMNS} for k in links)
        ),
    ]


def _match_sections(
    session: Session, whose: ColumnElement[bool], other: str, own_side: CheckInWith
) -> list[ExportSection]:
    """Matches with the other person by first name, their timeline, and check-ins (a note only of talks the person
    took part in)."""
    found = session.scalars(select(Match).where(whose).order_by(Match.created_at, Match.id)).all()
    match_ids = [m.id for m in found]
    first_name = f"{other}_first_name"
    rows = (_row(m, **{first_name: getattr(m, other).first_name}) for m in found)
    events = session.scalars(
        select(MatchEvent).where(MatchEvent.match_id.in_(match_ids)).order_by(MatchEvent.match_id, MatchEvent.id)
    ).all()
    check_ins = session.scalars(
        select(CheckIn).where(CheckIn.match_id.in_(match_ids)).order_by(CheckIn.held_on, CheckIn.id)
    ).all()

    def check_in_row(check_in: CheckIn) -> dict[str, Any]:
        row = _row(check_in)
        if check_in.with_whom not in (own_side, CheckInWith.BEIDEN):
            row["note"] = None  # a talk with the other person only: about them
        return row

    return [
        _section("koppelingen", Match, rows, first_name),
        _section("tijdlijn", MatchEvent, (_row(e) for e in events)),
        _section("contactmomenten", CheckIn, (check_in_row(c) for c in check_ins)),
    ]


def _shared_sections(session: Session, kind: SubjectKind, person: Person) -> list[ExportSection]:
    requests = session.scalars(
        select(SubjectRequest)
        .where(SubjectRequest.subject_kind == kind, SubjectRequest.subject_id == person.id)
        .order_by(SubjectRequest.received_on, SubjectRequest.id)
    )
    mails: Sequence[OutboxMail] = []
    if person.email.strip():
        mails = session.scalars(
            select(OutboxMail)
            .where(func.lower(OutboxMail.to_address) == person.email.strip().lower())
            .order_by(OutboxMail.created_at, OutboxMail.id)
        ).all()
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == subject_type(kind), AuditEvent.subject_id == person.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [
        _section("verzoeken", SubjectRequest, (_row(r) for r in requests)),
        _section("e-mails", OutboxMail, (_row(m) for m in mails)),
        _section("logboek", AuditEvent, (_row(e) for e in events)),
    ]


def export_person(session: Session, kind: SubjectKind, person_id: int) -> PersonExport:
    """Everything Samen keeps about one person (see the module's docstring for what of others is left out)."""
    person = get_person(session, kind, person_id)
    if isinstance(person, Resident):
        referral = session.scalar(select(Referral).where(Referral.resident_id == person_id))
        referral_rows = []
        if referral is not None:
            organisation = session.get(Organisation, referral.organisation_id)
            referral_rows.append(_row(referral, organisation_name=organisation.name if organisation else None))
        proposals = session.scalars(select(Proposal).where(Proposal.resident_id == person_id).order_by(Proposal.id))
        sections = [
            _section("bewoner", Resident, [_row(person)]),
            _section("verwijzing", Referral, referral_rows, "organisation_name"),
            _consents(session, Consent.resident_id == person_id),
            _section("voorstellen", Proposal, (_row(p) for p in proposals)),
            *_match_sections(session, Match.resident_id == person_id, "volunteer", CheckInWith.BEWONER),
            *_loneliness_sections(
                session, LonelinessMeasurement.resident_id == person_id, MeasurementLink.resident_id == person_id
            ),
        ]
    else:
        proposals = session.scalars(select(Proposal).where(Proposal.volunteer_id == person_id).order_by(Proposal.id))
        sections = [
            _section("vrijwilliger", Volunteer, [_row(person, programmes=person.programme_codes)], "programmes"),
            _consents(session, Consent.volunteer_id == person_id),
            _section("voorstellen", Proposal, (_row(p) for p in proposals)),
            *_match_sections(session, Match.volunteer_id == person_id, "resident", CheckInWith.VRIJWILLIGER),
            *_loneliness_sections(
                session, LonelinessMeasurement.volunteer_id == person_id, MeasurementLink.volunteer_id == person_id
            ),
        ]
    sections += _shared_sections(session, kind, person)
    return PersonExport(kind, person_id, utcnow(), tuple(sections))


def export_as_json(export: PersonExport) -> bytes:
    document: dict[str, Any] = {
        "export": {
            "source": "Samen, Welzijn Rijswijk",
            "subject_kind": export.subject_kind.value,
            "subject_id": export.subject_id,
            "exported_at": export.exported_at.isoformat(timespec="seconds") + "Z",
        }
    }
    document.update({section.name: list(section.rows) for section in export.sections})
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _csv(section: ExportSection) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(section.columns)
    for row in section.rows:
        writer.writerow([_cell(row.get(name)) for name in section.columns])
    # With a byte order mark, so that spreadsheet programs read the accents right.
    return buffer.getvalue().encode("utf-8-sig")


def export_as_zip(export: PersonExport) -> bytes:
    """One CSV file per kind of record, in a zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for section in export.sections:
            archive.writestr(f"{section.name}.csv", _csv(section))
    return buffer.getvalue()


def export_file_name(export: PersonExport, extension: str) -> str:
    """No name in the file name: only the kind of person, the id and the (local) day."""
    day = local_date(export.exported_at)
    return f"samen-{export.subject_kind.value}-{export.subject_id}-{day:%Y-%m-%d}.{extension}"


def export_for_request(session: Session, user: User, request_id: int, file_format: str) -> tuple[str, bytes]:
    """The export that answers an open access or portability request, as (file name, bytes); recorded in the audit
    trail ("export.downloaded")."""
    if file_format not in EXPORT_FORMATS:
        raise FieldError("format", _("Kies JSON of CSV."))
    request = _open_request_of_kind(session, request_id, EXPORT_KINDS)
    export = export_person(session, request.subject_kind, request.subject_id)
    audit.record(
        session,
        user,
        AuditAction.EXPORT_DOWNLOADED,
        subject_type(request.subject_kind),
        request.subject_id,
        request=request_id,
        format=file_format,
    )
    if file_format == "json":
        return export_file_name(export, "json"), export_as_json(export)
    return export_file_name(export, "zip"), export_as_zip(export)
