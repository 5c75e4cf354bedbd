"""Loneliness measurements (the De Jong Gierveld scale, 11 items): the one writer of ``loneliness_measurements``
and ``measurement_links``.

- Whom: a resident, or a volunteer who said they feel lonely themselves (``Volunteer.lonely_themselves``); never
  someone whose processing is restricted or whose data were erased; only while their consent for the purpose
  "loneliness measurement" stands, and never on a day before that consent was given. A link checks all of this
  again when it is used: a withdrawal stops it at once.
- When: ``measured_on`` lies neither in the future nor before the person was known to Samen (signed up, referred or
  taken in). At a check-in (``check_in``: the moment is then always "contactmoment") it is not before the check-in,
  and the check-in is one of the person's own matches; one measurement per person per check-in.
- What is stored: the 11 answers as given (None: "wil/weet niet"), the scores ``score_djg11`` gives for
  ``INSTRUMENT_VERSION`` (never imputed) and the age on ``measured_on``: from the birth date, or, for someone whose
  birth date Samen does not keep (a resident's is kept only for programmes with an age limit), the age they told.
- The audit trail gets the measurement's id, the moment, the source and the check-in: never an answer or a score.
- Links: ``create_link`` makes a random token (``secrets.token_urlsafe``) of which only the hash is stored, as for
  the remember-me tokens (``webapp.security.token_hash``); it works for ``SAMEN_MEASUREMENT_LINK_DAYS`` days, once.
  ``use_link`` claims it with one conditional UPDATE (not used yet, not expired), so of two submissions at the same
  moment only one counts: the other is told that the link was used. The e-mail with the link (when the person has
  an address) holds the token, as any such e-mail must; erasure deletes it with the person's other mails.
- Erasure keeps the measurements as anonymous statistics (the person's row is anonymised; answers, scores and age
  stay) and deletes the links that were never used (``forget_unused_links``).

The baseline of a person is their first measurement "bij de intake"; the staff form refuses a second one (the
figures would not know which counts), a link or a later check-in never does.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from webapp.clock import local_date, local_today
from webapp.enums import (
    AuditAction,
    AuditSubject,
    ConsentPurpose,
    MeasurementMoment,
    MeasurementSource,
)
from webapp.loneliness import INSTRUMENT_VERSION, score_djg11
from webapp.models import (
    CheckIn,
    Consent,
    LonelinessMeasurement,
    Match,
    MeasurementLink,
    Resident,
    User,
    Volunteer,
    utcnow,
)
from webapp.rules import age_on
from webapp.security import token_hash
from webapp.services import audit, outbox, outbox_notices
from webapp.services.errors import Conflict, DomainError, FieldError, NotFound

Person = Resident | Volunteer

#: The kind of mail with a link to fill the questionnaire in (``templates/mail/measurement_link.txt``).
MEASUREMENT_LINK_MAIL = "measurement_link"
#: The ages a told age may have (the dashboard's youngest band starts at 12).
AGE_RANGE = range(12, 121)
DEFAULT_LINK_DAYS = 14


class LinkGone(DomainError):
    """A link that existed but works no more: used, expired, or the person can no longer be measured."""


# -- whom, and from when ----------------------------------------------------------------------------------------


def _owner(person: Person) -> dict[str, int]:
    return {"resident_id": person.id} if isinstance(person, Resident) else {"volunteer_id": person.id}


def _subject(person: Person) -> AuditSubject:
    return AuditSubject.RESIDENT if isinstance(person, Resident) else AuditSubject.VOLUNTEER


def _whose(model: type[LonelinessMeasurement] | type[MeasurementLink], person: Person) -> ColumnElement[bool]:
    if isinstance(person, Resident):
        return model.resident_id == person.id
    return model.volunteer_id == person.id


def known_since(person: Person) -> date:
    """The first day Samen knew the person: their sign-up, referral or intake by phone (a resident's waiting time
    may count from an earlier day)."""
    days = [local_date(person.created_at)]
    if isinstance(person, Resident):
        days.append(person.waiting_since)
    return min(days)


def _consent_given_on(session: Session, person: Person) -> date | None:
    """The day the standing consent for the loneliness measurement was given, or None when none stands."""
    owner = Consent.resident_id if isinstance(person, Resident) else Consent.volunteer_id
    return session.scalar(
        select(Consent.given_on).where(
            owner == person.id, Consent.purpose == ConsentPurpose.LONELINESS, Consent.withdrawn_at.is_(None)
        )
    )


def refusal(session: Session, person: Person) -> str | None:
    """Why no measurement of this person can be taken now (None: it can)."""
    if person.anonymised_at is not None:
        return _("De gegevens van deze persoon zijn gewist; er valt niets meer te meten.")
    if person.restricted_at is not None:
        return _("De verwerking van de gegevens van deze persoon is beperkt (privacyverzoek): er wordt niet gemeten.")
    if isinstance(person, Volunteer) and not person.lonely_themselves:
        return _(
            "Deze vrijwilliger heeft niet gezegd zich zelf eenzaam te voelen. Alleen dan meten we eenzaamheid bij een "
            "vrijwilliger."
        )
    if _consent_given_on(session, person) is None:
        return _(
            "Er is geen toestemming (meer) voor het meten van eenzaamheid. Leg eerst de toestemming vast bij "
            "'Toestemming' op de pagina van de persoon."
        )
    return None


def _refuse_unless_measurable(session: Session, person: Person) -> date:
    """The day the consent was given; Conflict when the person cannot be measured now."""
    reason = refusal(session, person)
    if reason is not None:
        raise Conflict(reason)
    given_on = _consent_given_on(session, person)
    assert given_on is not None
    return given_on


def _check_in_of(session: Session, person: Person, check_in_id: int) -> CheckIn:
    """The check-in, when it belongs to one of the person's matches."""
    check_in = session.get(CheckIn, check_in_id)
    match = session.get(Match, check_in.match_id) if check_in is not None else None
    own = match is not None and (
        match.resident_id == person.id if isinstance(person, Resident) else match.volunteer_id == person.id
    )
    if check_in is None or not own:
        raise FieldError("check_in", _("Dit contactmoment hoort niet bij een koppeling van deze persoon."))
    return check_in


def _refuse_a_second_intake(session: Session, person: Person) -> None:
    """The baseline is the one measurement at the intake: staff choose another moment for a later one."""
    earlier = session.scalar(
        select(LonelinessMeasurement)
        .where(_whose(LonelinessMeasurement, person), LonelinessMeasurement.moment == MeasurementMoment.INTAKE)
        .order_by(LonelinessMeasurement.measured_on, LonelinessMeasurement.id)
        .limit(1)
    )
    if earlier is not None:
        raise FieldError(
            "moment",
            _(
                "Er is al een meting bij de intake (%(date)s). Kies 'tussendoor' of 'bij een contactmoment'.",
                date=earlier.measured_on.strftime("%d-%m-%Y"),
            ),
        )


def _age(person: Person, measured_on: date, told_age: int | None) -> int | None:
    if person.birth_date is not None:
        return age_on(person.birth_date, measured_on)
    if told_age is None:
        return None
    if told_age not in AGE_RANGE:
        raise FieldError("age", _("Vul een leeftijd in tussen 12 en 120 jaar."))
    return told_age


# -- recording ---------------------------------------------------------------------------------------------------


def _answers(answers: Sequence[str | None]) -> list[str | None]:
    """The answers as stored, or a FieldError (the form should have refused them)."""
    try:
        score_djg11(answers)
    except ValueError:
        raise FieldError(
            "answers", _("Kies bij elke uitspraak ja, min of meer, nee of wil/weet niet (of laat hem open).")
        ) from None
    return [None if answer is None else str(answer) for answer in answers]


def record_measurement(
    session: Session,
    user: User | None,
    person: Person,
    answers: Sequence[str | None],
    *,
    measured_on: date,
    moment: MeasurementMoment,
    check_in: CheckIn | int | None = None,
    source: MeasurementSource = MeasurementSource.STAFF,
    age: int | None = None,
    today: date | None = None,
    at: datetime | None = None,
) -> LonelinessMeasurement:
    """Record one measurement of a resident or a lonely volunteer (``user`` None: the person, through a link);
    refused (Conflict) without the consent and for whom is not measured, FieldError for a date or answer the form
    should have refused. ``age`` is the age the person told, used only when Samen keeps no birth date."""
    today = today or local_today()
    consent_on = _refuse_unless_measurable(session, person)
    stored = _answers(answers)
    if measured_on > today:
        raise FieldError("measured_on", _("De datum van de meting kan niet in de toekomst liggen."))
    if measured_on < known_since(person):
        raise FieldError(
            "measured_on", _("De datum van de meting ligt vóór de aanmelding. Vul de dag in waarop de meting was.")
        )
    if measured_on < consent_on:
        raise FieldError(
            "measured_on",
            _(
                "De datum van de meting ligt vóór de dag waarop de toestemming werd gegeven (%(date)s).",
                date=consent_on.strftime("%d-%m-%Y"),
            ),
        )
    check_in_row: CheckIn | None = None
    if check_in is not None:
        check_in_row = _check_in_of(session, person, check_in if isinstance(check_in, int) else check_in.id)
        moment = MeasurementMoment.CHECK_IN
        if measured_on < check_in_row.held_on:
            raise FieldError(
                "measured_on", _("De meting bij een contactmoment kan niet vóór dat contactmoment liggen.")
            )
        measured_already = session.scalar(
            select(LonelinessMeasurement.id).where(
                _whose(LonelinessMeasurement, person), LonelinessMeasurement.check_in_id == check_in_row.id
            )
        )
        if measured_already is not None:
            raise Conflict(_("Bij dit contactmoment is voor deze persoon al een meting vastgelegd."))
    if moment is MeasurementMoment.INTAKE and source is MeasurementSource.STAFF:
        _refuse_a_second_intake(session, person)
    return _store(session, user, person, stored, measured_on, moment, check_in_row, source, age, at)


def _store(
    session: Session,
    user: User | None,
    person: Person,
    answers: list[str | None],
    measured_on: date,
    moment: MeasurementMoment,
    check_in: CheckIn | None,
    source: MeasurementSource,
    told_age: int | None,
    at: datetime | None,
    **detail: int,
) -> LonelinessMeasurement:
    score = score_djg11(answers)
    measurement = LonelinessMeasurement(
        **_owner(person),
        measured_on=measured_on,
        moment=moment,
        check_in_id=check_in.id if check_in is not None else None,
        source=source,
        instrument_version=INSTRUMENT_VERSION,
        answers=answers,
        total=score.total,
        emotional=score.emotional,
        social=score.social,
        missing=score.missing,
        category=score.category,
        age=_age(person, measured_on, told_age),
        recorded_by_id=user.id if user is not None else None,
        recorded_at=at or utcnow(),
    )
    session.add(measurement)
    session.flush()
    audit.record(
        session,
        user,
        AuditAction.MEASUREMENT_RECORDED,
        _subject(person),
        person.id,
        fields=["answers", "measured_on", "moment"],
        measurement=measurement.id,
        moment=moment,
        source=source,
        check_in=check_in.id if check_in is not None else None,
        **detail,
    )
    return measurement


# -- one-time links ----------------------------------------------------------------------------------------------


def link_days() -> int:
    """How many days a new link works (``SAMEN_MEASUREMENT_LINK_DAYS``)."""
    return int(current_app.config.get("SAMEN_MEASUREMENT_LINK_DAYS") or DEFAULT_LINK_DAYS)


@dataclass(frozen=True)
class NewLink:
    """A link just made: the token (shown once, never stored) and its row."""

    token: str
    link: MeasurementLink


def create_link(
    session: Session,
    user: User,
    person: Person,
    moment: MeasurementMoment,
    check_in: CheckIn | int | None = None,
    *,
    days: int | None = None,
    at: datetime | None = None,
) -> NewLink:
    """A one-time link with which the person fills in the questionnaire themselves; refused like a measurement.
    The token is in the result only: the table holds its hash."""
    _refuse_unless_measurable(session, person)
    check_in_row = None
    if check_in is not None:
        check_in_row = _check_in_of(session, person, check_in if isinstance(check_in, int) else check_in.id)
        moment = MeasurementMoment.CHECK_IN
    if moment is MeasurementMoment.INTAKE:
        _refuse_a_second_intake(session, person)
    now = at or utcnow()
    token = secrets.token_urlsafe(32)
    link = MeasurementLink(
        token_hash=token_hash(token),
        **_owner(person),
        moment=moment,
        check_in_id=check_in_row.id if check_in_row is not None else None,
        created_by_id=user.id,
        created_at=now,
        expires_at=now + timedelta(days=days if days is not None else link_days()),
    )
    session.add(link)
    session.flush()
    audit.record(
        session,
        user,
        AuditAction.MEASUREMENT_LINK_CREATED,
        _subject(person),
        person.id,
        link=link.id,
        moment=moment,
        check_in=link.check_in_id,
    )
    return NewLink(token, link)


def mail_link(session: Session, person: Person, new: NewLink, url: str) -> bool:
    """Put an e-mail with the link in the outbox when the person has an e-mail address; True when one was queued.
    The mail uses the first name only (a mistyped address reaches a stranger) and says nothing of loneliness
    scores."""
    if not person.email.strip():
        return False
    subject, body = outbox_notices.render_mail(
        MEASUREMENT_LINK_MAIL, first_name=person.first_name, link_url=url, expires_at=new.link.expires_at
    )
    mail = outbox.enqueue(
        session, MEASUREMENT_LINK_MAIL, person.email, subject, body, dedupe_key=f"measurement-link:{new.link.id}"
    )
    return mail is not None


def _person_of(session: Session, link: MeasurementLink) -> Person | None:
    if link.resident_id is not None:
        return session.get(Resident, link.resident_id)
    return session.get(Volunteer, link.volunteer_id)


def _gone_message() -> str:
    return _("Deze link werkt niet meer. Hij is al gebruikt of verlopen.")


def open_link(session: Session, token: str, *, now: datetime | None = None) -> MeasurementLink:
    """The link a token opens (reading only): NotFound for an unknown token, LinkGone for a used or expired one
    or one whose person can no longer be measured."""
    link = session.scalar(select(MeasurementLink).where(MeasurementLink.token_hash == token_hash(token or "")))
    if link is None:
        raise NotFound(_("Deze link kennen we niet. Controleer of u hem helemaal goed hebt overgenomen."))
    if link.used_at is not None:
        raise LinkGone(_("Deze link is al gebruikt. U kunt de vragenlijst maar één keer invullen."))
    if link.expires_at <= (now or utcnow()):
        raise LinkGone(_("Deze link is verlopen."))
    person = _person_of(session, link)
    if person is None or refusal(session, person) is not None:
        raise LinkGone(_gone_message())
    return link


def use_link(
    session: Session, token: str, answers: Sequence[str | None], *, now: datetime | None = None
) -> LonelinessMeasurement:
    """The person filled in the questionnaire through their link: the measurement, once (see the module's text);
    measured on the day the link is used."""
    now = now or utcnow()
    link = open_link(session, token, now=now)
    person = _person_of(session, link)
    assert person is not None
    stored = _answers(answers)
    claimed = session.execute(
        update(MeasurementLink)
        .where(MeasurementLink.id == link.id, MeasurementLink.used_at.is_(None), MeasurementLink.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        raise LinkGone(_("Deze link is net al gebruikt. U kunt de vragenlijst maar één keer invullen."))
    check_in = session.get(CheckIn, link.check_in_id) if link.check_in_id is not None else None
    measurement = _store(
        session,
        None,
        person,
        stored,
        local_date(now),
        link.moment,
        check_in,
        MeasurementSource.SELF,
        None,
        now,
        link=link.id,
    )
    session.execute(
        update(MeasurementLink)
        .where(MeasurementLink.id == link.id)
        .values(measurement_id=measurement.id)
        .execution_options(synchronize_session=False)
    )
    session.expire(link)
    return measurement


def forget_unused_links(session: Session, *, resident_id: int | None = None, volunteer_id: int | None = None) -> int:
    """Delete the person's links that were never used (for an erasure); used ones hold nothing about the person
    but dates and stay with their measurement."""
    if (resident_id is None) == (volunteer_id is None):
        raise ValueError("pass exactly one of resident_id and volunteer_id")
    owner = (
        MeasurementLink.resident_id == resident_id
        if resident_id is not None
        else MeasurementLink.volunteer_id == volunteer_id
    )
    result = session.execute(
        delete(MeasurementLink)
        .where(owner, MeasurementLink.used_at.is_(None))
        .execution_options(synchronize_session=False)
    )
    for instance in list(session.identity_map.values()):
        if isinstance(instance, MeasurementLink):
            session.expire(instance)
    return int(result.rowcount)  # type: ignore[attr-defined]


# -- reading, for the person's page and the match page -------------------------------------------------------------


def measurements_of(session: Session, person: Person, limit: int | None = None) -> list[LonelinessMeasurement]:
    """The person's measurements, the latest first."""
    query = (
        select(LonelinessMeasurement)
        .where(_whose(LonelinessMeasurement, person))
        .order_by(LonelinessMeasurement.measured_on.desc(), LonelinessMeasurement.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def open_links(session: Session, person: Person, *, now: datetime | None = None) -> list[MeasurementLink]:
    """The person's links that can still be used, the newest first."""
    return list(
        session.scalars(
            select(MeasurementLink)
            .where(
                _whose(MeasurementLink, person),
                MeasurementLink.used_at.is_(None),
                MeasurementLink.expires_at > (now or utcnow()),
            )
            .order_by(MeasurementLink.created_at.desc(), MeasurementLink.id.desc())
        )
    )


@dataclass(frozen=True)
class Overview:
    """What the person's page shows of the loneliness measurement."""

    person: Person
    measurements: list[LonelinessMeasurement]
    open_links: list[MeasurementLink]
    refusal: str | None  # why no new measurement can be taken now

    @property
    def is_resident(self) -> bool:
        return isinstance(self.person, Resident)

    @property
    def shown(self) -> bool:
        """A volunteer's page shows the section only for a volunteer who said they feel lonely (or was measured)."""
        return self.is_resident or bool(self.measurements) or bool(getattr(self.person, "lonely_themselves", False))


def overview(session: Session, person: Person) -> Overview:
    return Overview(person, measurements_of(session, person), open_links(session, person), refusal(session, person))


@dataclass(frozen=True)
class CheckInOffer:
    """For one person at one check-in: measured already, or whether a measurement can be taken (and why not)."""

    person: Person
    measurement: LonelinessMeasurement | None
    refusal: str | None


def check_in_offers(session: Session, match: Match) -> dict[int, list[CheckInOffer]]:
    """Per check-in of the match: the resident's and (when they said they feel lonely) the volunteer's measurement
    at that check-in, or the offer to take one."""
    check_in_ids = [check_in.id for check_in in match.check_ins]
    if not check_in_ids:
        return {}
    people: list[Person] = [match.resident]
    if match.volunteer.lonely_themselves:
        people.append(match.volunteer)
    taken = session.scalars(
        select(LonelinessMeasurement).where(LonelinessMeasurement.check_in_id.in_(check_in_ids))
    ).all()
    refusals = {id(person): refusal(session, person) for person in people}
    offers: dict[int, list[CheckInOffer]] = {}
    for check_in_id in check_in_ids:
        row = []
        for person in people:
            mine = next(
                (
                    m
                    for m in taken
                    if m.check_in_id == check_in_id
                    and (m.resident_id if isinstance(person, Resident) else m.volunteer_id) == person.id
                ),
                None,
            )
            row.append(CheckInOffer(person, mine, None if mine else refusals[id(person)]))
        offers[check_in_id] = row
    return offers
