"""The loneliness measurement (De Jong Gierveld, 11 items): recorded through the service and the coordinators' form,
only with consent and only for residents and volunteers who said they feel lonely; a one-time link the person fills
in on their phone; the person's page; what a referrer never sees; erasure and the export."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.webapp.conftest import AuthActions
from tests.webapp.factories import Factories, today
from webapp.enums import (
    AuditAction,
    CheckInMethod,
    CheckInVerdict,
    CheckInWith,
    ConsentPurpose,
    LonelinessCategory,
    MatchStatus,
    MeasurementMoment,
    MeasurementSource,
    RequestKind,
    Role,
    SubjectKind,
)
from webapp.extensions import db
from webapp.loneliness import INSTRUMENT_VERSION, LEAD_IN, STATEMENTS
from webapp.models import (
    AuditEvent,
    CheckIn,
    LonelinessMeasurement,
    MeasurementLink,
    OutboxMail,
    Resident,
    User,
    Volunteer,
    utcnow,
)
from webapp.rules import age_on
from webapp.security import token_hash
from webapp.services import consent, erasure, matches, measurements, subject_rights
from webapp.services.errors import Conflict, FieldError, NotFound
from webapp.services.measurements import LinkGone

WITH_CONSENT = (ConsentPurpose.INTAKE_MATCHING, ConsentPurpose.LONELINESS)
# Emotional items (2, 3, 5, 6, 9, 10) lonely on ja / min of meer; social items (1, 4, 7, 8, 11) on nee / min of meer.
MATIG = ["nee", "ja", "ja", "nee", "ja", "nee", "ja", "ja", "nee", "nee", "ja"]  # 2 social + 3 emotional = 5
ZEER_ERNSTIG = ["nee", "ja", "ja", "nee", "ja", "ja", "nee", "nee", "ja", "ja", "nee"]  # 11
NIET = ["ja", "nee", "nee", "ja", "nee", "nee", "ja", "ja", "nee", "nee", "ja"]  # 0


def resident(make: Factories, **fields: Any) -> Resident:
    return make.resident(consents=WITH_CONSENT, **fields)


def lonely_volunteer(make: Factories, **fields: Any) -> Volunteer:
    return make.volunteer(lonely_themselves=True, consents=WITH_CONSENT, **fields)


def record(make: Factories, person: Resident | Volunteer, answers: list[str | None] | None = None, **kw: Any) -> Any:
    kw.setdefault("measured_on", today())
    kw.setdefault("moment", MeasurementMoment.INTAKE)
    return measurements.record_measurement(make.session, make._staff(), person, answers or MATIG, **kw)


def form_data(answers: list[str | None], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"measured_on": today().isoformat(), "moment": "intake"}
    for number, answer in enumerate(answers, start=1):
        if answer is not None:
            data[f"item_{number}"] = answer
    data.update(extra)
    return data


def stored(person: Resident | Volunteer) -> list[LonelinessMeasurement]:
    column = LonelinessMeasurement.resident_id if isinstance(person, Resident) else LonelinessMeasurement.volunteer_id
    return list(db.session.scalars(select(LonelinessMeasurement).where(column == person.id)))


def text_of(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def check_in_for(make: Factories, match_id: int, held_on: date | None = None) -> CheckIn:
    record_ = matches.CheckInRecord(
        held_on or today(), CheckInWith.BEIDEN, CheckInMethod.TELEFOON, CheckInVerdict.GOED, ""
    )
    return matches.record_check_in(make.session, match_id, make._staff(), record_)


# -- the service --------------------------------------------------------------------------------------------------


def test_a_measurement_stores_the_answers_the_scores_the_version_and_the_age(make: Factories) -> None:
    person = resident(make, birth_date=today() - timedelta(days=80 * 366))

    measurement = record(make, person)

    assert measurement.answers == MATIG
    assert (measurement.total, measurement.emotional, measurement.social) == (5, 3, 2)
    assert measurement.category is LonelinessCategory.MATIG
    assert measurement.missing == 0
    assert measurement.instrument_version == INSTRUMENT_VERSION
    assert measurement.age == 80
    assert measurement.source is MeasurementSource.STAFF


def test_missing_answers_are_stored_as_missing_with_no_total_and_no_category(make: Factories) -> None:
    person = resident(make)
    answers: list[str | None] = [*MATIG[:9], None, None]

    measurement = record(make, person, answers)

    assert measurement.answers[-2:] == [None, None]
    assert (measurement.total, measurement.category, measurement.missing) == (None, None, 2)
    assert measurement.social is None  # item 11 is social
    assert measurement.emotional is None  # item 10 is emotional


def test_the_audit_row_names_the_measurement_and_the_moment_never_an_answer_or_a_score(make: Factories) -> None:
    person = resident(make)

    measurement = record(make, person, ZEER_ERNSTIG)

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == AuditAction.MEASUREMENT_RECORDED.value))
    assert event is not None
    assert (event.subject_type, event.subject_id) == ("resident", person.id)
    assert event.detail["measurement"] == measurement.id
    assert event.detail["moment"] == "intake"
    flat = repr(event.detail) + repr(event.fields)
    for secret in ("11", "ja", "nee", "zeer", "ernstig"):
        assert secret not in flat


def test_an_unknown_answer_is_refused(make: Factories) -> None:
    with pytest.raises(FieldError) as refused:
        record(make, resident(make), ["ja"] * 10 + ["misschien"])

    assert refused.value.field == "answers"


@pytest.mark.parametrize(
    ("days", "message"),
    [(1, "toekomst"), (-30, "vóór de aanmelding")],
    ids=["tomorrow", "before the sign-up"],
)
def test_a_date_in_the_future_or_before_the_person_was_known_is_refused(
    make: Factories, days: int, message: str
) -> None:
    person = resident(make)  # waiting since 20 days ago

    with pytest.raises(FieldError) as refused:
        record(make, person, measured_on=today() + timedelta(days=days))

    assert refused.value.field == "measured_on"
    assert message in refused.value.message


def test_a_date_before_the_consent_was_given_is_refused(make: Factories) -> None:
    person = make.resident(consents=(ConsentPurpose.INTAKE_MATCHING,))
    given = consent.GivenConsent(
        ConsentPurpose.LONELINESS, consent.ConsentGiver.PERSON, consent.ConsentMethod.MONDELING, today(), "2026-11"
    )
    consent.give(make.session, person, given, make._staff())

    with pytest.raises(FieldError) as refused:
        record(make, person, measured_on=today() - timedelta(days=5))

    assert "toestemming" in refused.value.message


def test_without_consent_for_the_loneliness_measurement_nothing_is_recorded(make: Factories) -> None:
    person = make.resident(consents=(ConsentPurpose.INTAKE_MATCHING,))

    with pytest.raises(Conflict) as refused:
        record(make, person)

    assert "toestemming" in refused.value.message
    assert stored(person) == []


def test_after_the_consent_is_withdrawn_nothing_more_is_recorded(make: Factories) -> None:
    person = resident(make)
    record(make, person)
    consent.withdraw(make.session, person, ConsentPurpose.LONELINESS, make._staff())

    with pytest.raises(Conflict):
        record(make, person, moment=MeasurementMoment.OTHER)

    assert len(stored(person)) == 1


def test_a_volunteer_who_did_not_say_they_feel_lonely_is_not_measured(make: Factories) -> None:
    volunteer = make.volunteer(lonely_themselves=False, consents=WITH_CONSENT)

    with pytest.raises(Conflict) as refused:
        record(make, volunteer)

    assert "eenzaam" in refused.value.message
    assert stored(volunteer) == []


def test_a_volunteer_who_feels_lonely_is_measured(make: Factories) -> None:
    volunteer = lonely_volunteer(make)

    measurement = record(make, volunteer, NIET)

    assert measurement.volunteer_id == volunteer.id
    assert measurement.category is LonelinessCategory.NIET
    assert measurement.age == age_on(volunteer.birth_date, today())


@pytest.mark.parametrize("mark", ["restricted_at", "anonymised_at"])
def test_a_restricted_or_erased_person_is_not_measured(make: Factories, mark: str) -> None:
    person = resident(make)
    setattr(person, mark, utcnow())
    make.session.flush()

    with pytest.raises(Conflict):
        record(make, person)


def test_a_second_intake_measurement_by_staff_is_refused(make: Factories) -> None:
    person = resident(make)
    record(make, person)

    with pytest.raises(FieldError) as refused:
        record(make, person)

    assert refused.value.field == "moment"
    assert record(make, person, moment=MeasurementMoment.OTHER).moment is MeasurementMoment.OTHER


def test_a_told_age_counts_only_when_no_birth_date_is_kept(make: Factories) -> None:
    without = resident(make, birth_date=None)
    born = resident(make, birth_date=date(1950, 1, 1))

    assert record(make, without, age=71).age == 71
    assert record(make, born, age=30).age == age_on(date(1950, 1, 1), today())
    with pytest.raises(FieldError):
        record(make, resident(make, birth_date=None), age=7)


def test_a_measurement_at_a_check_in_is_a_follow_up_of_that_check_in(make: Factories) -> None:
    person = resident(make)
    match = make.match(lonely_volunteer(make), person, status=MatchStatus.ACTIEF)
    check_in = check_in_for(make, match.id)

    measurement = record(make, person, moment=MeasurementMoment.INTAKE, check_in=check_in.id)

    assert measurement.moment is MeasurementMoment.CHECK_IN
    assert measurement.check_in_id == check_in.id
    with pytest.raises(Conflict):
        record(make, person, check_in=check_in.id)


def test_a_check_in_of_someone_elses_match_is_refused(make: Factories) -> None:
    other = make.match(make.volunteer(), resident(make), status=MatchStatus.ACTIEF)
    check_in = check_in_for(make, other.id)

    with pytest.raises(FieldError) as refused:
        record(make, resident(make), check_in=check_in.id)

    assert refused.value.field == "check_in"


def test_the_match_page_offers_the_measurement_at_the_latest_check_in(
    as_coordinator: FlaskClient, make: Factories
) -> None:
    person = resident(make)
    volunteer = lonely_volunteer(make)
    match = make.match(volunteer, person, status=MatchStatus.ACTIEF)
    check_in = check_in_for(make, match.id)
    db.session.commit()

    page = text_of(as_coordinator.get(f"/koppelingen/{match.id}"))

    assert "Meting afnemen bij dit contactmoment" in page
    assert f"/bewoners/{person.id}/meting?contactmoment={check_in.id}" in page
    assert f"/vrijwilligers/{volunteer.id}/meting?contactmoment={check_in.id}" in page


def test_the_form_at_a_check_in_records_a_follow_up_and_returns_to_the_match(
    as_coordinator: FlaskClient, make: Factories
) -> None:
    person = resident(make)
    match = make.match(make.volunteer(), person, status=MatchStatus.ACTIEF)
    check_in = check_in_for(make, match.id)
    db.session.commit()

    form = as_coordinator.get(f"/bewoners/{person.id}/meting?contactmoment={check_in.id}")
    response = as_coordinator.post(
        f"/bewoners/{person.id}/meting", data=form_data(NIET, moment="contactmoment", check_in=str(check_in.id))
    )

    assert "Bij het contactmoment van" in text_of(form)
    assert response.status_code == 302
    assert f"/koppelingen/{match.id}" in response.headers["Location"]
    (measurement,) = stored(person)
    assert (measurement.moment, measurement.check_in_id) == (MeasurementMoment.CHECK_IN, check_in.id)
    page = text_of(as_coordinator.get(f"/koppelingen/{match.id}"))
    assert "Meting afnemen bij dit contactmoment" not in page
    assert "gemeten" in page


# -- one-time links ----------------------------------------------------------------------------------------------


def test_a_link_is_stored_only_as_a_hash_and_expires_after_the_configured_days(app: Flask, make: Factories) -> None:
    app.config["SAMEN_MEASUREMENT_LINK_DAYS"] = 3
    person = resident(make)

    new = measurements.create_link(make.session, make._staff(), person, MeasurementMoment.OTHER)

    row = db.session.get(MeasurementLink, new.link.id)
    assert row is not None
    assert row.token_hash == token_hash(new.token) != new.token
    assert new.token not in repr(
        db.session.execute(select(MeasurementLink.__table__)).all()  # type: ignore[arg-type]
    )
    assert timedelta(days=3) - timedelta(seconds=5) < row.expires_at - row.created_at <= timedelta(days=3)


def test_a_link_works_once(make: Factories) -> None:
    person = resident(make)
    new = measurements.create_link(make.session, make._staff(), person, MeasurementMoment.OTHER)

    measurement = measurements.use_link(make.session, new.token, ZEER_ERNSTIG)

    assert measurement.source is MeasurementSource.SELF
    assert measurement.recorded_by_id is None
    assert measurement.measured_on == today()
    assert measurement.category is LonelinessCategory.ZEER_ERNSTIG
    db.session.refresh(new.link)
    assert new.link.used_at is not None
    assert new.link.measurement_id == measurement.id
    with pytest.raises(LinkGone) as refused:
        measurements.use_link(make.session, new.token, NIET)
    assert "al gebruikt" in refused.value.message
    assert len(stored(person)) == 1


def test_an_expired_link_is_refused(make: Factories) -> None:
    person = resident(make)
    new = measurements.create_link(
        make.session, make._staff(), person, MeasurementMoment.OTHER, at=utcnow() - timedelta(days=15), days=14
    )

    with pytest.raises(LinkGone) as refused:
        measurements.use_link(make.session, new.token, NIET)

    assert "verlopen" in refused.value.message
    assert stored(person) == []


def test_an_unknown_link_is_not_found(make: Factories) -> None:
    with pytest.raises(NotFound):
        measurements.use_link(make.session, "niet-een-echte-link", NIET)


def test_a_link_stops_working_when_the_consent_is_withdrawn(make: Factories) -> None:
    person = resident(make)
    new = measurements.create_link(make.session, make._staff(), person, MeasurementMoment.OTHER)
    consent.withdraw(make.session, person, ConsentPurpose.LONELINESS, make._staff())

    with pytest.raises(LinkGone):
        measurements.use_link(make.session, new.token, NIET)

    assert stored(person) == []


def test_no_link_without_consent(make: Factories) -> None:
    with pytest.raises(Conflict):
        measurements.create_link(make.session, make._staff(), make.resident(), MeasurementMoment.INTAKE)


def test_a_link_made_at_a_check_in_records_a_follow_up_of_it(make: Factories) -> None:
    volunteer = lonely_volunteer(make)
    match = make.match(volunteer, resident(make), status=MatchStatus.ACTIEF)
    check_in = check_in_for(make, match.id)
    new = measurements.create_link(make.session, make._staff(), volunteer, MeasurementMoment.OTHER, check_in.id)

    measurement = measurements.use_link(make.session, new.token, MATIG)

    assert (measurement.volunteer_id, measurement.moment, measurement.check_in_id) == (
        volunteer.id,
        MeasurementMoment.CHECK_IN,
        check_in.id,
    )


# -- the coordinators' form ----------------------------------------------------------------------------------------


def test_the_form_shows_the_lead_in_the_statements_in_order_the_answers_and_the_sources(
    as_coordinator: FlaskClient, make: Factories
) -> None:
    person = resident(make)
    db.session.commit()

    response = as_coordinator.get(f"/bewoners/{person.id}/meting")

    page = text_of(response)
    assert response.status_code == 200
    assert LEAD_IN in page
    positions = [page.index(statement) for statement in STATEMENTS]
    assert positions == sorted(positions)
    for answer in ("ja", "min of meer", "nee", "wil of weet niet"):
        assert f">{answer}</label>" in page
    assert "De Jong Gierveld & Kamphuis (1985)" in page
    assert "Van Tilburg & De Jong Gierveld (1999)" in page
    assert "geen diagnose" in page
    assert "style=" not in page


def test_the_form_records_a_measurement(as_coordinator: FlaskClient, make: Factories) -> None:
    person = resident(make)
    db.session.commit()

    response = as_coordinator.post(f"/bewoners/{person.id}/meting", data=form_data(MATIG))

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/bewoners/{person.id}#eenzaamheid")
    (measurement,) = stored(person)
    assert (measurement.total, measurement.recorded_by_id) == (5, as_coordinator_user(person))


def as_coordinator_user(person: Resident) -> int | None:
    return db.session.scalar(select(User.id).where(User.email == "coordinator@welzijnrijswijk.nl"))


def test_the_form_accepts_statements_left_open_and_wil_of_weet_niet(
    as_coordinator: FlaskClient, make: Factories
) -> None:
    person = resident(make)
    db.session.commit()
    answers: list[str | None] = [*MATIG[:9], None, None]

    response = as_coordinator.post(f"/bewoners/{person.id}/meting", data=form_data(answers, item_10="weet_niet"))

    assert response.status_code == 302
    (measurement,) = stored(person)
    assert (measurement.missing, measurement.total) == (2, None)
    page = text_of(as_coordinator.get(f"/bewoners/{person.id}"))
    assert "onvolledig (2 vragen niet beantwoord)" in page


def test_the_form_refuses_an_answer_not_on_offer_in_dutch(as_coordinator: FlaskClient, make: Factories) -> None:
    person = resident(make)
    db.session.commit()

    response = as_coordinator.post(f"/bewoners/{person.id}/meting", data=form_data(MATIG, item_3="misschien"))

    assert response.status_code == 422
    assert "Kies ja, min of meer, nee of wil/weet niet." in text_of(response)
    assert stored(person) == []


def test_the_form_refuses_a_date_in_the_future(as_coordinator: FlaskClient, make: Factories) -> None:
    person = resident(make)
    db.session.commit()
    tomorrow = (today() + timedelta(days=1)).isoformat()

    response = as_coordinator.post(f"/bewoners/{person.id}/meting", data=form_data(MATIG, measured_on=tomorrow))

    assert response.status_code == 422
    assert "De datum van de meting kan niet in de toekomst liggen." in text_of(response)
    assert stored(person) == []


def test_without_consent_the_form_says_so_and_a_post_is_refused(as_coordinator: FlaskClient, make: Factories) -> None:
    person = make.resident()
    db.session.commit()

    page = text_of(as_coordinator.get(f"/bewoners/{person.id}/meting"))
    response = as_coordinator.post(f"/bewoners/{person.id}/meting", data=form_data(MATIG))

    assert "Er is geen toestemming (meer) voor het meten van eenzaamheid." in page
    assert 'name="item_1"' not in page
    assert response.status_code == 409
    assert stored(person) == []


def test_the_form_for_a_volunteer_who_does_not_feel_lonely_measures_nothing(
    as_coordinator: FlaskClient, make: Factories
) -> None:
    volunteer = make.volunteer(consents=WITH_CONSENT)
    db.session.commit()

    page = text_of(as_coordinator.get(f"/vrijwilligers/{volunteer.id}/meting"))
    response = as_coordinator.post(f"/vrijwilligers/{volunteer.id}/meting", data=form_data(MATIG))

    assert "niet gezegd zich zelf eenzaam te voelen" in page
    assert response.status_code == 409
    assert stored(volunteer) == []


def test_the_form_records_a_lonely_volunteers_measurement(as_coordinator: FlaskClient, make: Factories) -> None:
    volunteer = lonely_volunteer(make)
    db.session.commit()

    response = as_coordinator.post(f"/vrijwilligers/{volunteer.id}/meting", data=form_data(ZEER_ERNSTIG))

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/vrijwilligers/{volunteer.id}#eenzaamheid")
    assert [m.total for m in stored(volunteer)] == [11]


def test_the_link_button_shows_the_link_once_and_mails_it(as_coordinator: FlaskClient, make: Factories) -> None:
    volunteer = lonely_volunteer(make, email="lotte@example.org")
    db.session.commit()

    response = as_coordinator.post(f"/vrijwilligers/{volunteer.id}/meting/link", data={"link-moment": "tussendoor"})

    page = text_of(response)
    assert response.status_code == 200
    token = re.search(r"/meting/([A-Za-z0-9_-]{20,})", page)
    assert token is not None
    assert db.session.scalar(select(MeasurementLink.token_hash)) == token_hash(token.group(1))
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == measurements.MEASUREMENT_LINK_MAIL))
    assert mail is not None
    assert mail.to_address == "lotte@example.org"
    assert token.group(1) in mail.body
    assert "eenzaam" not in mail.subject.lower()
    again = text_of(as_coordinator.get(f"/vrijwilligers/{volunteer.id}"))
    assert token.group(1) not in again
    assert "nog niet gebruikt" in again


@pytest.mark.parametrize("role", [Role.REFERRER, Role.VIEWER])
def test_other_roles_are_refused(client: FlaskClient, auth: AuthActions, make: Factories, role: Role) -> None:
    person = resident(make)
    user = make.user(role)
    db.session.commit()
    auth.login_as(user)

    assert client.get(f"/bewoners/{person.id}/meting").status_code == 403
    assert client.post(f"/bewoners/{person.id}/meting", data=form_data(MATIG)).status_code == 403
    assert client.post(f"/bewoners/{person.id}/meting/link", data={"link-moment": "intake"}).status_code == 403
    assert stored(person) == []


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, make: Factories) -> None:
    person = resident(make)
    db.session.commit()

    response = client.get(f"/bewoners/{person.id}/meting")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen")


# -- the public page -----------------------------------------------------------------------------------------------


def _link(make: Factories, person: Resident | Volunteer | None = None) -> str:
    new = measurements.create_link(make.session, make._staff(), person or resident(make), MeasurementMoment.OTHER)
    db.session.commit()
    return new.token


def test_the_public_page_shows_the_questionnaire_and_no_personal_data(client: FlaskClient, make: Factories) -> None:
    person = resident(make, first_name="Henriëtte", last_name="Zwanenburg")
    token = _link(make, person)

    response = client.get(f"/meting/{token}")

    page = text_of(response)
    assert response.status_code == 200
    assert LEAD_IN in page
    assert all(statement in page for statement in STATEMENTS)
    assert "wil ik niet zeggen / weet ik niet" in page
    assert "geen test" in page
    assert "cijfers over alle deelnemers samen" in page
    for personal in ("Henriëtte", "Zwanenburg", person.phone):
        assert personal not in page
    assert "style=" not in page
    assert "<script" not in page
    assert response.headers["Cache-Control"] == "no-store"


def test_filling_in_through_the_link_records_it_once(client: FlaskClient, make: Factories) -> None:
    person = resident(make)
    token = _link(make, person)

    sent = client.post(f"/meting/{token}", data=form_data(ZEER_ERNSTIG))
    again = client.get(f"/meting/{token}")
    twice = client.post(f"/meting/{token}", data=form_data(NIET))

    assert sent.status_code == 302
    assert sent.headers["Location"] == "/meting/bedankt"
    assert client.get("/meting/bedankt").status_code == 200
    assert [m.total for m in stored(person)] == [11]
    assert again.status_code == 410
    assert "al gebruikt" in text_of(again)
    assert twice.status_code == 410


def test_a_spent_or_unknown_link_gets_a_friendly_page_with_the_contact_details(
    app: Flask, client: FlaskClient, make: Factories
) -> None:
    person = resident(make)
    expired = measurements.create_link(
        make.session, make._staff(), person, MeasurementMoment.OTHER, at=utcnow() - timedelta(days=20), days=14
    )
    db.session.commit()

    gone = client.get(f"/meting/{expired.token}")
    unknown = client.get("/meting/bestaat-niet")

    assert gone.status_code == 410
    assert unknown.status_code == 404
    for response in (gone, unknown):
        page = text_of(response)
        assert "Deze link werkt niet" in page
        assert app.config["SAMEN_CONTACT_PHONE"] in page
        assert f'href="mailto:{app.config["SAMEN_CONTACT_EMAIL"]}"' in page


def test_the_public_form_refuses_an_answer_not_on_offer(client: FlaskClient, make: Factories) -> None:
    person = resident(make)
    token = _link(make, person)

    response = client.post(f"/meting/{token}", data=form_data(MATIG, item_1="altijd"))

    assert response.status_code == 422
    assert "Kies ja, min of meer, nee of wil/weet niet." in text_of(response)
    assert stored(person) == []
    assert client.get(f"/meting/{token}").status_code == 200  # a mistake uses nothing up


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_the_public_form_needs_its_csrf_token(client: FlaskClient, make: Factories) -> None:
    person = resident(make)
    token = _link(make, person)

    without = client.post(f"/meting/{token}", data=form_data(MATIG))
    page = client.get(f"/meting/{token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert csrf is not None
    with_token = client.post(f"/meting/{token}", data=form_data(MATIG, csrf_token=csrf.group(1)))

    assert without.status_code == 400
    assert with_token.status_code == 302
    assert len(stored(person)) == 1


@pytest.mark.parametrize(
    "app_config",
    [{"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", "SAMEN_MEASUREMENT_LINK_LIMIT": "3 per hour"}],
)
def test_guessing_links_is_rate_limited_but_a_valid_link_is_not_used_up(client: FlaskClient, make: Factories) -> None:
    token = _link(make)
    address = {"REMOTE_ADDR": "192.0.2.77"}

    valid = [client.get(f"/meting/{token}", environ_base=address).status_code for _ in range(4)]
    guesses = [client.get(f"/meting/raden-{n}", environ_base=address).status_code for n in range(4)]

    assert valid == [200] * 4
    assert guesses == [404, 404, 404, 429]


# -- the person's page, and what a referrer never sees ------------------------------------------------------------


def test_the_residents_page_shows_the_measurements_with_the_disclaimer_and_sources(
    as_coordinator: FlaskClient, make: Factories
) -> None:
    person = resident(make)
    record(make, person, measured_on=today() - timedelta(days=10))
    record(make, person, NIET, moment=MeasurementMoment.OTHER)
    db.session.commit()

    page = text_of(as_coordinator.get(f"/bewoners/{person.id}"))

    section = page[page.index('id="eenzaamheid"') :]
    assert "Eenzaamheid (De Jong Gierveld)" in page
    assert "5 van 11: matig eenzaam" in section
    assert "0 van 11: niet eenzaam" in section
    assert section.index("niet eenzaam") < section.index("matig eenzaam")  # the latest first
    assert "monitor op groepsniveau, geen diagnose" in section
    assert "De Jong Gierveld & Kamphuis (1985)" in section
    assert "Van Tilburg & De Jong Gierveld (1999)" in section
    assert f"/bewoners/{person.id}/meting" in section


def test_a_volunteers_page_shows_the_section_only_for_a_volunteer_who_feels_lonely(
    as_coordinator: FlaskClient, make: Factories
) -> None:
    lonely = lonely_volunteer(make)
    other = make.volunteer(consents=WITH_CONSENT)
    db.session.commit()

    assert 'id="eenzaamheid"' in as_coordinator.get(f"/vrijwilligers/{lonely.id}").get_data(as_text=True)
    assert 'id="eenzaamheid"' not in as_coordinator.get(f"/vrijwilligers/{other.id}").get_data(as_text=True)


def test_a_referrer_never_sees_a_score(client: FlaskClient, auth: AuthActions, make: Factories) -> None:
    referrer = make.user(Role.REFERRER)
    referral = make.referral(referrer, intake_on=today() - timedelta(days=5), consents=(*WITH_CONSENT,))
    record(make, referral.resident, ZEER_ERNSTIG, measured_on=today() - timedelta(days=5))
    db.session.commit()
    auth.login_as(referrer)

    pages = [text_of(client.get("/verwijzingen/")), text_of(client.get(f"/verwijzingen/{referral.id}"))]

    for page in pages:
        assert [category for category in ("matig eenzaam", "ernstig eenzaam") if category in page] == []
        assert "De Jong Gierveld" not in page
        assert "van 11" not in page
    assert client.get(f"/bewoners/{referral.resident_id}").status_code == 403


# -- erasure and the export ----------------------------------------------------------------------------------------


def test_erasure_keeps_the_measurements_as_anonymous_figures_and_deletes_unused_links(make: Factories) -> None:
    person = resident(make, birth_date=date(1948, 3, 9))
    kept = record(make, person, ZEER_ERNSTIG)
    used = measurements.create_link(make.session, make._staff(), person, MeasurementMoment.OTHER)
    measurements.use_link(make.session, used.token, NIET)
    measurements.create_link(make.session, make._staff(), person, MeasurementMoment.OTHER)

    erasure.erase_resident(make.session, make._staff(), person.id)

    rows = stored(person)
    assert [(m.answers, m.total, m.category, m.age) for m in rows if m.id == kept.id] == [
        (ZEER_ERNSTIG, 11, LonelinessCategory.ZEER_ERNSTIG, kept.age)
    ]
    assert len(rows) == 2
    links = db.session.scalars(select(MeasurementLink).where(MeasurementLink.resident_id == person.id)).all()
    assert [link.used_at is not None for link in links] == [True]
    assert db.session.get(Resident, person.id).first_name == erasure.ANONYMOUS_NAME  # type: ignore[union-attr]


def test_a_volunteers_erasure_keeps_their_measurements(make: Factories) -> None:
    volunteer = lonely_volunteer(make)
    record(make, volunteer, MATIG)
    measurements.create_link(make.session, make._staff(), volunteer, MeasurementMoment.OTHER)

    erasure.erase_volunteer(make.session, make._staff(), volunteer.id)

    assert [m.total for m in stored(volunteer)] == [5]
    assert db.session.scalar(select(func.count()).select_from(MeasurementLink)) == 0


def test_the_export_of_a_person_holds_their_measurements_and_links_without_the_hash(make: Factories) -> None:
    person = resident(make)
    record(make, person, MATIG)
    measurements.create_link(make.session, make._staff(), person, MeasurementMoment.OTHER)
    make.subject_request(person, RequestKind.ACCESS)

    export = subject_rights.export_person(make.session, SubjectKind.RESIDENT, person.id)

    (row,) = export.section("eenzaamheidsmetingen").rows
    assert (row["answers"], row["total"], row["category"]) == (MATIG, 5, "matig eenzaam")
    links = export.section("meetlinks")
    assert len(links.rows) == 1
    assert "token_hash" not in links.columns


# -- two submissions at once (PostgreSQL) --------------------------------------------------------------------------


def test_two_submissions_of_one_link_at_the_same_moment_count_once(app: Flask, make: Factories) -> None:
    """The person taps "Versturen" twice, or on two phones: the second waits for the first and is then refused."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL): SQLite never has two writers in progress at once")
    from tests.webapp.test_concurrency import _race

    person = resident(make)
    staff = make._staff()
    token = _link(make, person)

    first, second, second_waited = _race(
        app,
        staff.id,
        lambda session, _user: measurements.use_link(session, token, MATIG),
        lambda session, _user: measurements.use_link(session, token, NIET),
    )

    assert first == "ok"
    assert isinstance(second, LinkGone)
    assert second_waited
    assert [m.total for m in stored(person)] == [5]
