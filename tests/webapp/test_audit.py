"""The audit trail (webapp/services/audit.py, webapp/auditlog/): only AuditAction members and no free text go in;
every page and file that shows a person's record leaves a "viewed" row; sign-ins, role and organisation changes are
recorded with the fields that changed; admins search it (and only admins); on PostgreSQL the database refuses to
change or delete a row; and what the trail holds never names, mails or phones anyone."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.webapp.conftest import AuthActions
from tests.webapp.factories import Factories
from tests.webapp.traces import traces
from webapp.clock import stored_moment
from webapp.enums import AuditAction, AuditSubject, RequestKind
from webapp.extensions import db
from webapp.models import AuditEvent, Role, User
from webapp.services import audit, erasure, screening


def _events(action: AuditAction | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action is not None:
        query = query.where(AuditEvent.action == action.value)
    return list(db.session.scalars(query))


def _viewed() -> list[tuple[str, int | None]]:
    return [(e.subject_type, e.subject_id) for e in _events(AuditAction.VIEWED)]


@pytest.fixture
def admin(make: Factories, auth: AuthActions) -> User:
    user = make.user(Role.ADMIN, name="Ada Beheer", email="ada@welzijnrijswijk.nl")
    make.session.commit()
    auth.login_as(user)
    return user


# -- what record() accepts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["viewed", "volunteer.stopped", None, 3])
def test_record_takes_only_an_audit_action(app: Flask, action: Any) -> None:
    with pytest.raises(TypeError, match="AuditAction"):
        audit.record(db.session, None, action, AuditSubject.RESIDENT, 1)


def test_record_takes_only_a_known_kind_of_subject(app: Flask) -> None:
    with pytest.raises(TypeError, match="AuditSubject"):
        audit.record(db.session, None, AuditAction.VIEWED, "bewoner", 1)


@pytest.mark.parametrize(
    "detail",
    [
        {"reason": "Bartholomeus Vredeveld verhuist."},  # a sentence under a code key
        {"reason": "Bartholomeus"},  # capitals: no code
        {"note": "ok"},  # text under a key that holds no codes
        {"name": "kees"},
        {"email": "kees@example.org"},
        {"phone": "0612345678"},
        {"code": "a" * 41},  # longer than any code
        {"changes": {"label": {"from": "Geen klik", "to": "Geen tijd"}}},  # text inside a dict
        {"taken_over": ["interests", "Kees Jansen"]},  # text inside a list
        {"Naam": 1},  # a key that is no identifier
    ],
)
def test_record_refuses_free_text(app: Flask, detail: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="audit detail"):
        audit.record(db.session, None, AuditAction.VOLUNTEER_UPDATED, AuditSubject.VOLUNTEER, 1, **detail)


@pytest.mark.parametrize("value", [b"bytes", object(), float("nan")])
def test_record_refuses_values_the_trail_never_stores(app: Flask, value: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        audit.record(db.session, None, AuditAction.VIEWED, AuditSubject.RESIDENT, 1, request=value)


@pytest.mark.parametrize("fields", [["e-mail adres"], ["Voornaam"], "email"])
def test_record_refuses_fields_that_are_no_field_names(app: Flask, fields: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        audit.record(db.session, None, AuditAction.RESIDENT_UPDATED, AuditSubject.RESIDENT, 1, fields=fields)


def test_record_keeps_ids_codes_numbers_and_field_names(app: Flask, make: Factories) -> None:
    user = make.user(Role.COORDINATOR)

    audit.record(
        db.session,
        user,
        AuditAction.VOLUNTEER_SCREENED,
        AuditSubject.VOLUNTEER,
        7,
        fields=["intake", "vog", "intake"],
        intake={"outcome": "geschikt", "on": date(2026, 3, 1), "notes_changed": True},
        capacity={"from": 1, "to": 2},
        role=Role.COORDINATOR,
        lapsed=[3, 4],
    )
    db.session.commit()

    [event] = _events()
    assert (event.user_id, event.action, event.subject_type, event.subject_id) == (
        user.id,
        "volunteer.screened",
        "volunteer",
        7,
    )
    assert event.fields == ["intake", "vog"]
    assert event.detail == {
        "intake": {"outcome": "geschikt", "on": "2026-03-01", "notes_changed": True},
        "capacity": {"from": 1, "to": 2},
        "role": "coordinator",
        "lapsed": [3, 4],
    }


def test_every_audit_action_has_a_dutch_label(app: Flask) -> None:
    from webapp.labels import label

    with app.test_request_context():
        assert all(label(action) for action in AuditAction)
        assert all(label(subject) for subject in AuditSubject)


# -- free text stays out: a stopping reason, edits, sign-ins ---------------------------------------------------


def test_a_stopping_reason_is_kept_with_the_volunteer_not_in_the_trail(app: Flask, make: Factories) -> None:
    staff = make.user(Role.COORDINATOR)
    volunteer = make.volunteer(first_name="Bartholomeus", last_name="Vredeveld")

    screening.stop_volunteer(db.session, volunteer, staff, "  Bartholomeus Vredeveld verhuist.  ", volunteer.version)
    db.session.commit()

    assert volunteer.stopped_reason == "Bartholomeus Vredeveld verhuist."
    [event] = _events(AuditAction.VOLUNTEER_STOPPED)
    assert event.detail == {}
    assert event.fields == ["stopped_at", "stopped_reason"]


def test_the_volunteer_page_shows_the_stopping_reason(client: FlaskClient, make: Factories, coordinator: User) -> None:
    volunteer = make.volunteer()
    db.session.commit()
    client.post(f"/vrijwilligers/{volunteer.id}/stoppen", data={"reason": "Geen tijd meer.", "version": "1"})

    page = client.get(f"/vrijwilligers/{volunteer.id}").text

    assert "Reden van stoppen" in page
    assert "Geen tijd meer." in page.split('id="geschiedenis"')[0]
    assert "Gestopt" in page.split('id="geschiedenis"')[1]


def test_what_the_trail_holds_never_names_mails_or_phones_anyone(
    client: FlaskClient, make: Factories, auth: AuthActions
) -> None:
    """A sample of actions through the pages, each typing a person's name, e-mail or phone somewhere."""
    coordinator = make.user(Role.COORDINATOR, email="carla@welzijnrijswijk.nl", name="Carla Coördinator")
    volunteer = make.volunteer(first_name="Wilhelmina", last_name="Zwartkruis")
    resident = make.resident(first_name="Gerrit", last_name="Oudshoorn", phone="070 3141592")
    db.session.commit()
    auth.login("carla@welzijnrijswijk.nl", "wrong password here")  # a failed sign-in with a typed address
    auth.login_as(coordinator)
    client.get(f"/vrijwilligers/{volunteer.id}")
    client.get(f"/bewoners/{resident.id}")
    client.get(f"/vrijwilligers/{volunteer.id}/bewerken")
    data = {
        "first_name": "Wilhelmina",
        "last_name": "Zwartkruis-Bos",
        "email": "w.zwartkruis@example.net",
        "phone": "06 27182818",
        "birth_date": volunteer.birth_date.isoformat(),
        "postcode": "2282 AB",
        "gender": "",
        "availability": ["tue-evening"],
        "languages": ["nl"],
        "interests": ["wandelen"],
        "max_distance_km": "5",
        "version": str(volunteer.version),
    }
    client.post(f"/vrijwilligers/{volunteer.id}/bewerken", data=data)
    db.session.expire_all()
    fresh = db.session.get(type(volunteer), volunteer.id)
    assert fresh is not None
    assert fresh.email == "w.zwartkruis@example.net"  # the edit went through
    client.post(
        f"/vrijwilligers/{volunteer.id}/stoppen",
        data={"reason": "Wilhelmina Zwartkruis-Bos verhuist, 06 27182818", "version": str(fresh.version)},
    )
    db.session.expire_all()
    assert db.session.get(type(volunteer), volunteer.id).stopped_at is not None  # type: ignore[union-attr]

    needles = [
        "Wilhelmina",
        "Zwartkruis",
        "w.zwartkruis@example.net",
        "06 27182818",
        "Gerrit",
        "Oudshoorn",
        "070 3141592",
        "carla@welzijnrijswijk.nl",
    ]
    in_audit = {n: {p for p in places if p.startswith("audit_events.")} for n, places in traces(needles).items()}
    assert in_audit == {needle: set() for needle in needles}
    assert {AuditAction.VIEWED, AuditAction.VOLUNTEER_UPDATED, AuditAction.VOLUNTEER_STOPPED} <= {
        AuditAction(e.action) for e in _events()
    }
    [updated] = _events(AuditAction.VOLUNTEER_UPDATED)
    assert {"last_name", "email", "phone"} <= set(updated.fields)


# -- every view of a person's record ------------------------------------------------------------------------------


def test_the_resident_page_records_a_view(client: FlaskClient, make: Factories, coordinator: User) -> None:
    resident = make.resident()
    db.session.commit()

    assert client.get(f"/bewoners/{resident.id}").status_code == 200

    [event] = _events(AuditAction.VIEWED)
    assert (event.user_id, event.subject_type, event.subject_id) == (coordinator.id, "resident", resident.id)


def test_the_volunteer_page_records_a_view(client: FlaskClient, make: Factories, coordinator: User) -> None:
    volunteer = make.volunteer()
    db.session.commit()

    assert client.get(f"/vrijwilligers/{volunteer.id}").status_code == 200

    [event] = _events(AuditAction.VIEWED)
    assert (event.user_id, event.subject_type, event.subject_id) == (coordinator.id, "volunteer", volunteer.id)


@pytest.mark.parametrize(
    ("path", "subject"),
    [
        ("/bewoners/{resident}/bewerken", "resident"),
        ("/koppelen/bewoners/{resident}/kandidaten", "resident"),
        ("/vrijwilligers/{volunteer}/bewerken", "volunteer"),
        ("/vrijwilligers/{volunteer}/screening", "volunteer"),
    ],
)
def test_the_other_pages_of_a_record_record_a_view(
    client: FlaskClient, make: Factories, coordinator: User, path: str, subject: str
) -> None:
    resident, volunteer = make.resident(), make.volunteer()
    db.session.commit()
    ids = {"resident": resident.id, "volunteer": volunteer.id}

    assert client.get(path.format(**ids)).status_code == 200

    assert _viewed() == [(subject, ids[subject])]


def test_the_match_page_records_a_view_of_both_people(client: FlaskClient, make: Factories, coordinator: User) -> None:
    resident, volunteer = make.resident(), make.volunteer()
    match = make.match(volunteer, resident)
    db.session.commit()

    assert client.get(f"/koppelingen/{match.id}").status_code == 200

    events = _events(AuditAction.VIEWED)
    assert sorted((e.subject_type, e.subject_id) for e in events) == [
        ("resident", resident.id),
        ("volunteer", volunteer.id),
    ]
    assert all(e.detail == {"via": "match", "match": match.id} for e in events)


def test_comparing_two_sign_ups_records_a_view_of_both(client: FlaskClient, make: Factories, coordinator: User) -> None:
    one, other = make.volunteer(), make.volunteer()
    db.session.commit()

    assert client.get(f"/vrijwilligers/{one.id}/samenvoegen/{other.id}").status_code == 200

    assert sorted(_viewed()) == sorted([("volunteer", one.id), ("volunteer", other.id)])


def test_the_referral_page_records_a_view_of_the_resident(
    client: FlaskClient, make: Factories, auth: AuthActions
) -> None:
    referrer = make.user(Role.REFERRER)
    referral = make.referral(referrer)
    db.session.commit()
    auth.login_as(referrer)

    assert client.get(f"/verwijzingen/{referral.id}").status_code == 200
    assert client.get(f"/verwijzingen/{referral.id}/wijzigen").status_code == 200

    events = _events(AuditAction.VIEWED)
    assert [(e.user_id, e.subject_type, e.subject_id) for e in events] == [
        (referrer.id, "resident", referral.resident_id)
    ] * 2
    assert events[0].detail == {"via": "referral", "referral": referral.id}


def test_another_organisations_referral_records_nothing(
    client: FlaskClient, make: Factories, auth: AuthActions
) -> None:
    referral = make.referral(make.user(Role.REFERRER))
    stranger = make.user(Role.REFERRER)
    db.session.commit()
    auth.login_as(stranger)

    assert client.get(f"/verwijzingen/{referral.id}").status_code == 404

    assert _viewed() == []


def test_a_subject_request_page_records_a_view_of_the_person(
    client: FlaskClient, make: Factories, coordinator: User
) -> None:
    resident = make.resident()
    request = make.subject_request(resident, RequestKind.ERASURE, by=coordinator)
    db.session.commit()

    assert client.get(f"/verzoeken/{request.id}").status_code == 200
    assert client.get(f"/verzoeken/{request.id}/wissen").status_code == 200

    events = _events(AuditAction.VIEWED)
    assert [(e.subject_type, e.subject_id) for e in events] == [("resident", resident.id)] * 2
    assert events[0].detail == {"via": "subject_request", "request": request.id}


def test_a_download_records_an_export_of_the_person(client: FlaskClient, make: Factories, coordinator: User) -> None:
    volunteer = make.volunteer()
    request = make.subject_request(volunteer, RequestKind.ACCESS, by=coordinator)
    db.session.commit()

    response = client.post(f"/verzoeken/{request.id}/download", data={"file_format": "json"})

    assert response.status_code == 200
    [event] = _events(AuditAction.EXPORT_DOWNLOADED)
    assert (event.user_id, event.subject_type, event.subject_id) == (coordinator.id, "volunteer", volunteer.id)
    assert event.detail == {"request": request.id, "format": "json"}


def test_list_pages_record_no_view_per_row(client: FlaskClient, make: Factories, coordinator: User) -> None:
    make.resident(), make.volunteer()
    db.session.commit()

    for path in ("/bewoners", "/vrijwilligers", "/wachtlijst", "/koppelingen/", "/coordinatie"):
        assert client.get(path).status_code == 200, path

    assert _viewed() == []


def test_a_refused_form_records_no_second_view(client: FlaskClient, make: Factories, coordinator: User) -> None:
    volunteer = make.volunteer()
    db.session.commit()

    response = client.post(f"/vrijwilligers/{volunteer.id}/bewerken", data={"first_name": ""})

    assert response.status_code == 422
    assert _viewed() == []


def test_views_stay_out_of_the_volunteers_history(client: FlaskClient, make: Factories, coordinator: User) -> None:
    volunteer = make.volunteer()
    db.session.commit()
    first = client.get(f"/vrijwilligers/{volunteer.id}").text.split('id="geschiedenis"')[1]

    again = client.get(f"/vrijwilligers/{volunteer.id}").text.split('id="geschiedenis"')[1]

    assert len(_viewed()) == 2
    assert again.count("<li>") == first.count("<li>")
    assert "bekeken" not in again


# -- sign-in, roles, organisations -------------------------------------------------------------------------------


def test_sign_ins_and_failures_are_recorded_and_found(
    client: FlaskClient, make: Factories, auth: AuthActions, admin: User
) -> None:
    colleague = make.user(Role.COORDINATOR, email="carla@welzijnrijswijk.nl")
    db.session.commit()
    other = client.application.test_client()
    AuthActions(other).login("carla@welzijnrijswijk.nl", "wrong password here")
    AuthActions(other).login("carla@welzijnrijswijk.nl")

    [failed] = _events(AuditAction.AUTH_LOGIN_FAILED)
    [signed_in] = _events(AuditAction.AUTH_LOGIN)
    assert (failed.user_id, failed.subject_id, failed.detail) == (None, colleague.id, {"reason": "password"})
    assert (signed_in.user_id, signed_in.subject_id) == (colleague.id, colleague.id)
    page = client.get("/beheer/audit/?actie=auth.login_failed").text
    assert "inloggen mislukt" in page
    assert "ingelogd</td>" not in page


def test_a_role_and_an_organisation_change_name_the_field(client: FlaskClient, make: Factories, admin: User) -> None:
    colleague = make.user(Role.COORDINATOR)
    other = make.organisation("Stichting Anders")
    db.session.commit()
    before = colleague.organisation_id

    client.post(
        f"/beheer/accounts/{colleague.id}",
        data={"name": colleague.name, "role": "referrer", "organisation_id": str(other.id), "active": "y"},
    )

    [role] = _events(AuditAction.ACCOUNT_ROLE_CHANGED)
    [organisation] = _events(AuditAction.ACCOUNT_ORGANISATION_CHANGED)
    assert (role.fields, role.detail) == (["role"], {"from": "coordinator", "to": "referrer"})
    assert organisation.fields == ["organisation_id"]
    assert organisation.detail == {"from": before, "to": other.id}


def test_renaming_an_account_names_the_field_not_the_name(client: FlaskClient, make: Factories, admin: User) -> None:
    colleague = make.user(Role.COORDINATOR, name="Carla Coördinator")
    db.session.commit()

    client.post(
        f"/beheer/accounts/{colleague.id}",
        data={
            "name": "Carla de Wit",
            "role": "coordinator",
            "organisation_id": str(colleague.organisation_id),
            "active": "y",
        },
    )

    [event] = _events(AuditAction.ACCOUNT_UPDATED)
    assert (event.fields, event.detail) == (["name"], {})


# -- the admins' search -------------------------------------------------------------------------------------------


def _row(action: AuditAction, subject: AuditSubject, subject_id: int | None, user: User | None, at: datetime) -> None:
    event = audit.record(db.session, user, action, subject, subject_id)
    event.at = at


@pytest.fixture
def trail(make: Factories, admin: User) -> dict[str, Any]:
    """Five rows over four local days (9 to 12 March 2026): a sign-up of volunteer 5, views of resident 12 by Carla
    and by the admin, a change of volunteer 5 just before midnight, a failed sign-in of Carla's account."""
    carla = make.user(Role.COORDINATOR, name="Carla Coördinator")

    def at(day: int, end_of_day: bool = False) -> datetime:
        return stored_moment(date(2026, 3, day), datetime.max.time() if end_of_day else datetime.min.time())

    _row(AuditAction.VOLUNTEER_SIGNED_UP, AuditSubject.VOLUNTEER, 5, None, at(9))
    _row(AuditAction.VIEWED, AuditSubject.RESIDENT, 12, carla, at(10))
    _row(AuditAction.VIEWED, AuditSubject.RESIDENT, 12, admin, at(11))
    _row(AuditAction.VOLUNTEER_UPDATED, AuditSubject.VOLUNTEER, 5, carla, at(11, end_of_day=True))
    _row(AuditAction.AUTH_LOGIN_FAILED, AuditSubject.USER, carla.id, None, at(12))
    db.session.commit()
    return {"carla": carla}


def _shown(page: str) -> list[str]:
    """The action labels of the rows on a search page, top to bottom."""
    return re.findall(r"<td data-label=\"Actie\">([^<]+)</td>", page)


def test_the_search_shows_everything_newest_first(client: FlaskClient, trail: dict[str, Any]) -> None:
    response = client.get("/beheer/audit/")

    assert response.status_code == 200
    assert _shown(response.text) == [
        "inloggen mislukt",
        "gegevens van een vrijwilliger gewijzigd",
        "bekeken",
        "bekeken",
        "vrijwilliger aangemeld",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("soort=resident&nummer=12", ["bekeken", "bekeken"]),
        ("soort=volunteer", ["gegevens van een vrijwilliger gewijzigd", "vrijwilliger aangemeld"]),
        ("soort=volunteer&nummer=12", []),
        ("actie=volunteer.signed_up", ["vrijwilliger aangemeld"]),
        ("account=geen", ["inloggen mislukt", "vrijwilliger aangemeld"]),
        ("van=2026-03-11&tot=2026-03-11", ["gegevens van een vrijwilliger gewijzigd", "bekeken"]),
        ("van=2026-03-12", ["inloggen mislukt"]),
        ("tot=2026-03-09", ["vrijwilliger aangemeld"]),
        ("soort=resident&nummer=12&actie=viewed&van=2026-03-10&tot=2026-03-10", ["bekeken"]),
    ],
)
def test_the_search_filters(client: FlaskClient, trail: dict[str, Any], query: str, expected: list[str]) -> None:
    response = client.get(f"/beheer/audit/?{query}")

    assert response.status_code == 200
    assert _shown(response.text) == expected


def test_the_search_filters_by_account(client: FlaskClient, trail: dict[str, Any]) -> None:
    response = client.get(f"/beheer/audit/?account={trail['carla'].id}")

    assert _shown(response.text) == ["gegevens van een vrijwilliger gewijzigd", "bekeken"]


@pytest.mark.parametrize("app_config", [{"SAMEN_PAGE_SIZE": 2}])
def test_the_search_pages_keep_the_filters(client: FlaskClient, trail: dict[str, Any]) -> None:
    first = client.get("/beheer/audit/?van=2026-03-09").text

    assert _shown(first) == ["inloggen mislukt", "gegevens van een vrijwilliger gewijzigd"]
    assert 'href="/beheer/audit/?van=2026-03-09&amp;pagina=2"' in first
    assert _shown(client.get("/beheer/audit/?van=2026-03-09&pagina=2").text) == ["bekeken", "bekeken"]
    assert _shown(client.get("/beheer/audit/?van=2026-03-09&pagina=3").text) == ["vrijwilliger aangemeld"]
    assert _shown(client.get("/beheer/audit/?van=2026-03-09&pagina=4").text) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("nummer=abc&soort=resident", "Vul een heel getal in"),
        ("nummer=0&soort=resident", "Vul een nummer van 1 of hoger in"),
        ("nummer=-3&soort=resident", "Vul een nummer van 1 of hoger in"),
        ("nummer=99999999999999999999&soort=resident", "Dit getal is te groot"),
        ("nummer=12", "Kies bij een nummer ook de soort dossier"),
        ("soort=bewoner", "Kies een soort dossier uit de lijst"),
        ("actie=auth.everything", "Kies een actie uit de lijst"),
        ("account=999999", "Kies een account uit de lijst"),
        ("account=abc", "Kies een account uit de lijst"),
        ("van=2026-13-45", "Vul een datum in"),
        ("van=gisteren", "Vul een datum in"),
        ("van=2026-03-12&tot=2026-03-11", "De einddatum ligt vóór de begindatum"),
        ("soort=Resident", "Kies een soort dossier uit de lijst"),
    ],
)
def test_a_bad_search_is_answered_in_dutch(client: FlaskClient, admin: User, query: str, message: str) -> None:
    response = client.get(f"/beheer/audit/?{query}")

    assert response.status_code == 400
    assert message in response.text
    assert "Controleer het formulier" in response.text


@pytest.mark.parametrize(
    "query", ["pagina=abc", "pagina=0", "pagina=99999999999999999999", "pagina=999999", "endpoint=x"]
)
def test_odd_page_numbers_are_no_error(client: FlaskClient, trail: dict[str, Any], query: str) -> None:
    assert client.get(f"/beheer/audit/?{query}").status_code == 200


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.REFERRER])
def test_only_admins_search_the_trail(client: FlaskClient, make: Factories, auth: AuthActions, role: Role) -> None:
    auth.login_as(make.user(role))
    make.session.commit()

    assert client.get("/beheer/audit/").status_code == 403
    assert client.get("/beheer/audit/?soort=resident&nummer=1").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/beheer/audit/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen")


def test_an_admin_goes_from_a_record_to_who_saw_it(client: FlaskClient, make: Factories, admin: User) -> None:
    resident, volunteer = make.resident(), make.volunteer()
    db.session.commit()

    resident_page = client.get(f"/bewoners/{resident.id}").text
    volunteer_page = client.get(f"/vrijwilligers/{volunteer.id}").text
    found = client.get(f"/beheer/audit/?soort=resident&nummer={resident.id}").text

    assert f'href="/beheer/audit/?soort=resident&amp;nummer={resident.id}"' in resident_page
    assert f'href="/beheer/audit/?soort=volunteer&amp;nummer={volunteer.id}"' in volunteer_page
    assert 'href="/beheer/audit/"' in resident_page  # the navigation
    assert _shown(found).count("bekeken") == 1
    assert "Ada Beheer" in found


def test_coordinators_see_no_link_to_the_trail(client: FlaskClient, make: Factories, coordinator: User) -> None:
    resident = make.resident()
    db.session.commit()

    page = client.get(f"/bewoners/{resident.id}").text

    assert "/beheer/audit" not in page


# -- append-only ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_events SET action = 'viewed' WHERE id = :id", "DELETE FROM audit_events WHERE id = :id"],
)
def test_the_database_refuses_to_change_or_delete_an_audit_row(app: Flask, statement: str) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only (migration 0005)")
    event = audit.record(db.session, None, AuditAction.VOLUNTEER_SIGNED_UP, AuditSubject.VOLUNTEER, 1)
    db.session.commit()

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text(statement), {"id": event.id})
    db.session.rollback()

    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_erasure_leaves_the_earlier_audit_rows_as_they_were(app: Flask, make: Factories) -> None:
    staff = make.user(Role.COORDINATOR)
    volunteer, resident = make.volunteer(), make.resident()
    audit.viewed(db.session, staff, AuditSubject.VOLUNTEER, volunteer.id)
    audit.viewed(db.session, staff, AuditSubject.RESIDENT, resident.id)
    db.session.commit()
    before = [(e.id, e.action, e.subject_id, e.detail, e.fields) for e in _events()]

    erasure.erase_volunteer(db.session, staff, volunteer.id)
    erasure.erase_resident(db.session, staff, resident.id)
    db.session.commit()

    after = [(e.id, e.action, e.subject_id, e.detail, e.fields) for e in _events()]
    assert after[: len(before)] == before
    assert {AuditAction.VOLUNTEER_ANONYMISED, AuditAction.RESIDENT_ANONYMISED} <= {
        AuditAction(action) for _, action, *_ in after
    }
