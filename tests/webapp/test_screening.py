"""Volunteer screening: the eligibility rule, the volunteer list and file, the screening form, stopping."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from tests.webapp.factories import today
from webapp.extensions import db
from webapp.models import AuditEvent, IntakeOutcome, Role, User, VogStatus, Volunteer
from webapp.rules import Blocker, eligibility_blockers, eligible_programmes


@dataclass
class FakeVolunteer:
    """What ``eligible_programmes`` reads, with a volunteer who may be matched everywhere as the default."""

    programme_codes: list[str] = field(default_factory=lambda: ["buddy"])
    intake_outcome: IntakeOutcome | None = IntakeOutcome.GESCHIKT
    stopped_at: datetime | None = None
    capacity: int = 1
    places_taken: int = 0
    vog_status: VogStatus = VogStatus.AFGEGEVEN
    vog_issued_on: date | None = date(2025, 1, 1)
    rescreening_since: date | None = None
    restricted_at: datetime | None = None
    consents_to_matching: bool = True


@dataclass(frozen=True)
class FakeProgramme:
    requires_vog: bool = True
    active: bool = True


TODAY = date(2026, 3, 15)
YEARS = 3
PROGRAMMES = {
    "buddy": FakeProgramme(requires_vog=True),
    "digitaal": FakeProgramme(requires_vog=True),
    "bewegen": FakeProgramme(requires_vog=False),
    "cultuur": FakeProgramme(requires_vog=False),
    "oud": FakeProgramme(requires_vog=False, active=False),
}
OK = FakeVolunteer(programme_codes=["buddy"], vog_issued_on=date(2025, 1, 1))


# --- The eligibility rule (pure) --------------------------------------------------------------------------------

ELIGIBILITY_CASES = [
    ("suitable, free place, recent VOG", OK, TODAY, YEARS, ["buddy"]),
    ("no intake outcome yet", replace(OK, intake_outcome=None), TODAY, YEARS, []),
    ("intake outcome twijfel", replace(OK, intake_outcome=IntakeOutcome.TWIJFEL), TODAY, YEARS, []),
    ("intake outcome niet geschikt", replace(OK, intake_outcome=IntakeOutcome.NIET_GESCHIKT), TODAY, YEARS, []),
    ("stopped", replace(OK, stopped_at=datetime(2026, 1, 1, 12, 0)), TODAY, YEARS, []),
    ("capacity zero", replace(OK, capacity=0), TODAY, YEARS, []),
    ("all places taken", replace(OK, capacity=2, places_taken=2), TODAY, YEARS, []),
    ("one of two places free", replace(OK, capacity=2, places_taken=1), TODAY, YEARS, ["buddy"]),
    ("VOG requested only", replace(OK, vog_status=VogStatus.AANGEVRAAGD, vog_issued_on=None), TODAY, YEARS, []),
    ("VOG refused", replace(OK, vog_status=VogStatus.AFGEWEZEN, vog_issued_on=None), TODAY, YEARS, []),
    ("VOG never requested", replace(OK, vog_status=VogStatus.NIET_AANGEVRAAGD, vog_issued_on=None), TODAY, YEARS, []),
    ("VOG issued without a date", replace(OK, vog_issued_on=None), TODAY, YEARS, []),
    ("VOG issued exactly 3 years ago", replace(OK, vog_issued_on=date(2023, 3, 15)), TODAY, YEARS, ["buddy"]),
    ("VOG issued 3 years and a day ago", replace(OK, vog_issued_on=date(2023, 3, 14)), TODAY, YEARS, []),
    ("VOG issued today", replace(OK, vog_issued_on=TODAY), TODAY, YEARS, ["buddy"]),
    ("VOG dated in the future", replace(OK, vog_issued_on=date(2026, 3, 16)), TODAY, YEARS, []),
    ("shorter validity setting", replace(OK, vog_issued_on=date(2024, 3, 14)), TODAY, 2, []),
    ("longer validity setting", replace(OK, vog_issued_on=date(2022, 3, 15)), TODAY, 4, ["buddy"]),
    (
        "VOG of 29 Feb, last valid day",
        replace(OK, vog_issued_on=date(2024, 2, 29)),
        date(2027, 2, 28),
        YEARS,
        ["buddy"],
    ),
    ("VOG of 29 Feb, a day too late", replace(OK, vog_issued_on=date(2024, 2, 29)), date(2027, 3, 1), YEARS, []),
    (
        "no VOG needed for bewegen",
        replace(OK, programme_codes=["bewegen"], vog_status=VogStatus.AANGEVRAAGD, vog_issued_on=None),
        TODAY,
        YEARS,
        ["bewegen"],
    ),
    (
        "expired VOG still fine for a programme without VOG",
        replace(OK, programme_codes=["buddy", "cultuur"], vog_issued_on=date(2020, 1, 1)),
        TODAY,
        YEARS,
        ["cultuur"],
    ),
    (
        "no VOG needed does not help when not suitable",
        replace(OK, programme_codes=["bewegen"], intake_outcome=IntakeOutcome.TWIJFEL),
        TODAY,
        YEARS,
        [],
    ),
    (
        "keeps the volunteer's programme order",
        replace(OK, programme_codes=["cultuur", "digitaal", "buddy"]),
        TODAY,
        YEARS,
        ["cultuur", "digitaal", "buddy"],
    ),
    ("unknown programme", replace(OK, programme_codes=["buddy", "weg"]), TODAY, YEARS, ["buddy"]),
    ("inactive programme", replace(OK, programme_codes=["oud", "bewegen"]), TODAY, YEARS, ["bewegen"]),
    ("no programmes at all", replace(OK, programme_codes=[]), TODAY, YEARS, []),
    ("sent back to screening", replace(OK, rescreening_since=date(2026, 3, 1)), TODAY, YEARS, []),
]


@pytest.mark.parametrize(
    ("volunteer", "today", "years", "expected"),
    [case[1:] for case in ELIGIBILITY_CASES],
    ids=[case[0] for case in ELIGIBILITY_CASES],
)
def test_eligible_programmes(volunteer: FakeVolunteer, today: date, years: int, expected: list[str]) -> None:
    assert eligible_programmes(volunteer, PROGRAMMES, today, years) == expected


def test_eligibility_blockers_name_every_reason() -> None:
    volunteer = replace(
        OK,
        programme_codes=["buddy", "bewegen"],
        intake_outcome=None,
        capacity=1,
        places_taken=1,
        vog_status=VogStatus.AANGEVRAAGD,
        vog_issued_on=None,
    )

    blockers = eligibility_blockers(volunteer, PROGRAMMES, TODAY, YEARS)

    assert blockers == {
        "buddy": [Blocker.NOT_SUITABLE, Blocker.NO_FREE_CAPACITY, Blocker.VOG_MISSING],
        "bewegen": [Blocker.NOT_SUITABLE, Blocker.NO_FREE_CAPACITY],
    }


def test_eligibility_blockers_tell_an_expired_vog_from_a_missing_one() -> None:
    volunteer = replace(OK, vog_issued_on=date(2020, 1, 1))

    assert eligibility_blockers(volunteer, PROGRAMMES, TODAY, YEARS) == {"buddy": [Blocker.VOG_EXPIRED]}


def test_eligible_programmes_works_on_a_volunteer_row(make: Any, app: Flask) -> None:
    volunteer = make.volunteer(programmes=("buddy", "bewegen"))
    programmes = {code: make.programme(code) for code in ("buddy", "bewegen")}

    assert eligible_programmes(volunteer, programmes, today(), 3) == ["buddy", "bewegen"]


# --- Access control -----------------------------------------------------------------------------------------------

PAGES = [
    ("get", "/coordinatie"),
    ("get", "/vrijwilligers"),
    ("get", "/vrijwilligers/{id}"),
    ("get", "/vrijwilligers/{id}/screening"),
    ("post", "/vrijwilligers/{id}/screening"),
    ("post", "/vrijwilligers/{id}/stoppen"),
    ("post", "/vrijwilligers/{id}/intake-plannen"),
]


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, make: Any, method: str, path: str) -> None:
    volunteer = make.volunteer()
    db.session.commit()

    response = getattr(client, method)(path.format(id=volunteer.id))

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen")


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_referrers_may_not_see_coordinator_pages(
    client: FlaskClient, auth: Any, make: Any, method: str, path: str
) -> None:
    referrer = make.user(Role.REFERRER)
    volunteer = make.volunteer()
    db.session.commit()
    auth.login(referrer.email)

    response = getattr(client, method)(path.format(id=volunteer.id))

    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_coordinators_and_admins_see_the_volunteer_pages(client: FlaskClient, auth: Any, make: Any, role: Role) -> None:
    user = make.user(role)
    volunteer = make.volunteer()
    db.session.commit()
    auth.login(user.email)

    for path in ("/coordinatie", "/vrijwilligers", f"/vrijwilligers/{volunteer.id}"):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("path", ["/vrijwilligers/999999", "/vrijwilligers/999999/screening"])
def test_unknown_volunteer_gives_404(client: FlaskClient, auth: Any, make: Any, path: str) -> None:
    coordinator = make.user()
    db.session.commit()
    auth.login(coordinator.email)

    assert client.get(path).status_code == 404


def test_unknown_volunteer_cannot_be_stopped(client: FlaskClient, auth: Any, make: Any) -> None:
    coordinator = make.user()
    db.session.commit()
    auth.login(coordinator.email)

    response = client.post("/vrijwilligers/999999/stoppen", data={"reason": "verhuisd", "version": "1"})

    assert response.status_code == 404


# --- The volunteer list -------------------------------------------------------------------------------------------


def names_in(html: str) -> set[str]:
    return set(re.findall(r'href="/vrijwilligers/\d+">([^<]+)</a>', html))


def test_list_shows_programmes_postcode_vog_and_capacity(client: FlaskClient, make: Any, coordinator: User) -> None:
    make.volunteer(
        programmes=("buddy", "bewegen"), first_name="Lotte", last_name="Bakker", postcode="2283 CD", capacity=3
    )
    db.session.commit()

    response = client.get("/vrijwilligers")

    assert response.status_code == 200
    assert "Lotte Bakker" in response.text
    assert "Maatje (buddy), Bewegen tegen eenzaamheid" in response.text
    assert "2283 CD" in response.text
    assert "VOG geldig" in response.text
    assert "0 van 3" in response.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=nieuw", {"Nina Nieuw"}),
        ("status=geschikt", {"Gijs Geschikt"}),
        ("status=twijfel", {"Tom Twijfel"}),
        ("status=niet_geschikt", {"Nora Nee"}),
        ("status=gestopt", {"Stan Gestopt"}),
        ("", {"Nina Nieuw", "Gijs Geschikt", "Tom Twijfel", "Nora Nee", "Stan Gestopt"}),
    ],
)
def test_list_filters_on_screening_state(
    client: FlaskClient, make: Any, coordinator: User, query: str, expected: set[str]
) -> None:
    make.volunteer(screened=False, first_name="Nina", last_name="Nieuw")
    make.volunteer(first_name="Gijs", last_name="Geschikt")
    make.volunteer(first_name="Tom", last_name="Twijfel", intake_outcome=IntakeOutcome.TWIJFEL)
    make.volunteer(first_name="Nora", last_name="Nee", intake_outcome=IntakeOutcome.NIET_GESCHIKT)
    make.volunteer(first_name="Stan", last_name="Gestopt", stopped_at=datetime(2026, 1, 2, 9, 0))
    db.session.commit()

    response = client.get(f"/vrijwilligers?{query}")

    assert names_in(response.text) == expected


def test_list_filters_on_programme(client: FlaskClient, make: Any, coordinator: User) -> None:
    make.volunteer(programmes=("buddy",), first_name="Bea", last_name="Buddy")
    make.volunteer(programmes=("digitaal", "cultuur"), first_name="Dirk", last_name="Digitaal")
    db.session.commit()

    response = client.get("/vrijwilligers?programma=digitaal")

    assert names_in(response.text) == {"Dirk Digitaal"}


def test_list_filters_on_vog_status(client: FlaskClient, make: Any, coordinator: User) -> None:
    make.volunteer(first_name="Vera", last_name="Afgegeven")
    make.volunteer(first_name="Aad", last_name="Aangevraagd", vog_status=VogStatus.AANGEVRAAGD, vog_issued_on=None)
    db.session.commit()

    response = client.get("/vrijwilligers?vog=aangevraagd")

    assert names_in(response.text) == {"Aad Aangevraagd"}


def test_list_filters_on_free_place(client: FlaskClient, make: Any, coordinator: User) -> None:
    make.volunteer(first_name="Vrij", last_name="Plek", capacity=2, places_taken=1)
    make.volunteer(first_name="Vol", last_name="Bezet", capacity=1, places_taken=1)
    db.session.commit()

    response = client.get("/vrijwilligers?plek=y")

    assert names_in(response.text) == {"Vrij Plek"}


@pytest.mark.parametrize("query", ["lotte bak", "LOTTE@voorbeeld", "2283cd", "2283 CD"])
def test_list_searches_name_email_and_postcode(client: FlaskClient, make: Any, coordinator: User, query: str) -> None:
    make.volunteer(first_name="Lotte", last_name="Bakker", email="lotte@voorbeeld.nl", postcode="2283 CD")
    make.volunteer(first_name="Piet", last_name="Smit", email="piet@example.org", postcode="2281 AA")
    db.session.commit()

    response = client.get("/vrijwilligers", query_string={"q": query})

    assert names_in(response.text) == {"Lotte Bakker"}


def test_list_search_treats_wildcards_as_text(client: FlaskClient, make: Any, coordinator: User) -> None:
    make.volunteer(first_name="Lotte", last_name="Bakker")
    db.session.commit()

    response = client.get("/vrijwilligers", query_string={"q": "%"})

    assert names_in(response.text) == set()


def test_list_ignores_an_unknown_filter_value(client: FlaskClient, make: Any, coordinator: User) -> None:
    make.volunteer(first_name="Lotte", last_name="Bakker")
    db.session.commit()

    response = client.get("/vrijwilligers?status=onzin&vog=onzin&programma=onzin")

    assert response.status_code == 200
    assert names_in(response.text) == {"Lotte Bakker"}


def test_list_is_paginated(client: FlaskClient, make: Any, coordinator: User, app: Flask) -> None:
    app.config["SAMEN_PAGE_SIZE"] = 2
    for i in range(5):
        make.volunteer(first_name="Vrijwilliger", last_name=f"Nummer {i}")
    db.session.commit()

    first = client.get("/vrijwilligers")
    last = client.get("/vrijwilligers?pagina=3")

    assert len(names_in(first.text)) == 2
    assert "Pagina 1 van 3" in first.text
    assert len(names_in(last.text)) == 1


def test_pager_keeps_the_filters(client: FlaskClient, make: Any, coordinator: User, app: Flask) -> None:
    app.config["SAMEN_PAGE_SIZE"] = 1
    for i in range(2):
        make.volunteer(screened=False, first_name="Nieuw", last_name=f"Nummer {i}")
    db.session.commit()

    response = client.get("/vrijwilligers?status=nieuw")

    assert 'href="/vrijwilligers?status=nieuw&amp;pagina=2"' in response.text


# --- The volunteer's file ------------------------------------------------------------------------------------------


def test_detail_shows_what_the_volunteer_entered(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(
        first_name="Lotte",
        last_name="Bakker",
        motivation="Ik wandel graag en heb tijd over.",
        interests=["wandelen", "lezen"],
        availability=["tue-evening"],
    )
    db.session.commit()

    response = client.get(f"/vrijwilligers/{volunteer.id}")

    assert "Ik wandel graag en heb tijd over." in response.text
    assert "wandelen, lezen" in response.text
    assert "dinsdagavond" in response.text
    assert volunteer.email in response.text
    assert volunteer.phone in response.text


def test_detail_mentions_loneliness_kindly_when_the_volunteer_offered_it(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    volunteer = make.volunteer(first_name="Lotte", lonely_themselves=True)
    db.session.commit()

    response = client.get(f"/vrijwilligers/{volunteer.id}")

    assert "Voelt zich zelf ook weleens eenzaam." in response.text
    assert "Lotte gaf dit vrijwillig aan bij de aanmelding. Dat is welkom" in response.text


def test_detail_says_nothing_about_loneliness_when_not_offered(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    volunteer = make.volunteer(lonely_themselves=False)
    db.session.commit()

    response = client.get(f"/vrijwilligers/{volunteer.id}")

    assert "eenzaam" not in response.text.split('id="gegevens"')[1].split("</section>")[0]


def test_detail_shows_eligibility_per_programme(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(programmes=("buddy", "bewegen"), vog_status=VogStatus.AANGEVRAAGD, vog_issued_on=None)
    db.session.commit()

    response = client.get(f"/vrijwilligers/{volunteer.id}")
    section = response.text.split('id="koppelen"')[1].split("</section>")[0]

    assert "Dit programma vraagt een VOG; die is nog niet afgegeven." in section
    assert section.count('badge ok">ja<') == 1
    assert section.count('badge bad">nog niet<') == 1


def test_detail_shows_current_matches(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(capacity=2)
    resident = make.resident(first_name="Kees", last_name="Jansen")
    make.match(volunteer, resident, coordinator)
    db.session.commit()

    response = client.get(f"/vrijwilligers/{volunteer.id}")

    assert "Kees Jansen" in response.text
    assert "1 van 2 plekken bezet" in response.text


def test_detail_shows_the_screening_history(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(screened=False)
    db.session.commit()
    client.post(f"/vrijwilligers/{volunteer.id}/screening", data=screening_data(volunteer))

    response = client.get(f"/vrijwilligers/{volunteer.id}")
    history = response.text.split('id="geschiedenis"')[1]

    assert "Intakegesprek: geschikt" in history
    assert "aantekeningen bijgewerkt" in history
    assert "VOG: aangevraagd" in history
    assert "Carla Coördinator" in history


# --- Screening ----------------------------------------------------------------------------------------------------


def screening_data(volunteer: Volunteer, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "intake_outcome": "geschikt",
        "intake_on": (today() - timedelta(days=1)).isoformat(),
        "intake_notes": "Rustige, betrokken vrouw.",
        "vog_status": "aangevraagd",
        "vog_requested_on": (today() - timedelta(days=1)).isoformat(),
        "vog_issued_on": "",
        "capacity": "2",
        "programmes": ["buddy", "bewegen"],
        "version": str(volunteer.version),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_screening_form_is_filled_in_with_what_is_known(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(capacity=2)
    db.session.commit()

    response = client.get(f"/vrijwilligers/{volunteer.id}/screening")

    assert response.status_code == 200
    assert re.search(
        r'<input checked id="intake_outcome-\d" name="intake_outcome" type="radio" value="geschikt">', response.text
    )
    assert f'value="{volunteer.vog_issued_on.isoformat()}"' in response.text
    assert 'name="version" type="hidden" value="1"' in response.text


def test_screening_form_says_the_vog_itself_is_never_stored(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer()
    db.session.commit()

    response = client.get(f"/vrijwilligers/{volunteer.id}/screening")

    assert "Bewaar of upload nooit de VOG zelf of een kopie ervan." in response.text
    assert 'type="file"' not in response.text


def test_screening_is_recorded(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(screened=False)
    db.session.commit()

    response = client.post(f"/vrijwilligers/{volunteer.id}/screening", data=screening_data(volunteer))

    assert response.status_code == 302
    assert response.headers["Location"] == f"/vrijwilligers/{volunteer.id}"
    db.session.expire_all()
    saved = db.session.get(Volunteer, volunteer.id)
    assert saved.intake_outcome is IntakeOutcome.GESCHIKT
    assert saved.intake_on == today() - timedelta(days=1)
    assert saved.intake_notes == "Rustige, betrokken vrouw."
    assert saved.intake_by_id == coordinator.id
    assert saved.vog_status is VogStatus.AANGEVRAAGD
    assert saved.vog_checked_by_id == coordinator.id
    assert saved.capacity == 2
    assert saved.programme_codes == ["buddy", "bewegen"]
    assert saved.version == 2


def test_screening_writes_an_audit_record(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(screened=False)
    db.session.commit()

    client.post(f"/vrijwilligers/{volunteer.id}/screening", data=screening_data(volunteer))

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "volunteer.screened"))
    assert event is not None
    assert event.user_id == coordinator.id
    assert event.subject_id == volunteer.id
    assert set(event.detail) == {"intake", "vog", "capacity", "programmes"}
    assert "Rustige" not in str(event.detail)


def test_screening_flashes_a_confirmation(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(screened=False, first_name="Lotte", last_name="Bakker")
    db.session.commit()

    response = client.post(
        f"/vrijwilligers/{volunteer.id}/screening", data=screening_data(volunteer), follow_redirects=True
    )

    assert "De screening van Lotte Bakker is opgeslagen." in response.text


def test_a_vog_change_alone_does_not_change_who_held_the_intake(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    colleague = make.user(Role.COORDINATOR)
    volunteer = make.volunteer(
        intake_by_id=colleague.id,
        intake_notes="Prima gesprek.",
        vog_status=VogStatus.AANGEVRAAGD,
        vog_issued_on=None,
        capacity=1,
    )
    db.session.commit()
    data = screening_data(
        volunteer,
        intake_on=volunteer.intake_on.isoformat(),
        intake_notes="Prima gesprek.",
        vog_status="afgegeven",
        vog_requested_on=volunteer.vog_requested_on.isoformat(),
        vog_issued_on=today().isoformat(),
        capacity="1",
        programmes=["buddy"],
    )

    client.post(f"/vrijwilligers/{volunteer.id}/screening", data=data)

    db.session.expire_all()
    saved = db.session.get(Volunteer, volunteer.id)
    assert saved.vog_status is VogStatus.AFGEGEVEN
    assert saved.vog_checked_by_id == coordinator.id
    assert saved.intake_by_id == colleague.id


def test_a_change_of_programmes_alone_moves_the_version_on(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(programmes=("buddy",))
    db.session.commit()
    data = screening_data(
        volunteer,
        intake_on=volunteer.intake_on.isoformat(),
        intake_notes="",
        vog_status="afgegeven",
        vog_requested_on=volunteer.vog_requested_on.isoformat(),
        vog_issued_on=volunteer.vog_issued_on.isoformat(),
        capacity="1",
        programmes=["buddy", "cultuur"],
    )

    client.post(f"/vrijwilligers/{volunteer.id}/screening", data=data)

    db.session.expire_all()
    saved = db.session.get(Volunteer, volunteer.id)
    assert saved.programme_codes == ["buddy", "cultuur"]
    assert saved.version == 2


def test_saving_without_changes_says_so(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer()
    db.session.commit()
    data = screening_data(
        volunteer,
        intake_on=volunteer.intake_on.isoformat(),
        intake_notes="",
        vog_status="afgegeven",
        vog_requested_on=volunteer.vog_requested_on.isoformat(),
        vog_issued_on=volunteer.vog_issued_on.isoformat(),
        capacity="1",
        programmes=["buddy"],
    )

    response = client.post(f"/vrijwilligers/{volunteer.id}/screening", data=data, follow_redirects=True)

    assert "Er was niets gewijzigd." in response.text
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).version == 1


TOMORROW = (today() + timedelta(days=1)).isoformat()
LAST_WEEK = (today() - timedelta(days=7)).isoformat()
YESTERDAY = (today() - timedelta(days=1)).isoformat()

INVALID_SCREENINGS = [
    ({"intake_on": TOMORROW}, "Deze datum ligt in de toekomst. Vul de datum in waarop het gebeurde."),
    ({"intake_on": ""}, "Vul de datum van het intakegesprek in."),
    ({"intake_outcome": ""}, "Kies ook de uitkomst van het gesprek, of laat de datum leeg."),
    ({"intake_on": "31-02-2026"}, "Ongeldige datum"),
    ({"vog_status": ""}, "Kies de status van de VOG."),
    ({"vog_requested_on": ""}, "Vul de datum in waarop de VOG is aangevraagd."),
    ({"vog_requested_on": TOMORROW}, "Deze datum ligt in de toekomst. Vul de datum in waarop het gebeurde."),
    (
        {"vog_status": "niet_aangevraagd"},
        "Bij 'niet aangevraagd' hoort geen aanvraagdatum. Laat het veld leeg.",
    ),
    ({"vog_status": "afgegeven", "vog_issued_on": ""}, "Vul de datum in waarop de VOG is afgegeven."),
    (
        {"vog_status": "afgegeven", "vog_requested_on": YESTERDAY, "vog_issued_on": LAST_WEEK},
        "De afgiftedatum kan niet vóór de aanvraagdatum liggen.",
    ),
    (
        {"vog_status": "afgegeven", "vog_issued_on": TOMORROW},
        "Deze datum ligt in de toekomst. Vul de datum in waarop het gebeurde.",
    ),
    (
        {"vog_issued_on": YESTERDAY},
        "Een afgiftedatum hoort alleen bij de status 'afgegeven'. Laat het veld leeg.",
    ),
    ({"capacity": "11"}, "Vul een aantal van 0 tot en met 10 in."),
    ({"capacity": "-1"}, "Vul een aantal van 0 tot en met 10 in."),
    ({"capacity": "twee"}, "Ongeldig getal"),
    ({"capacity": ""}, "Vul de capaciteit in (0 tot en met 10)."),
    ({"programmes": None}, "Kies minstens één programma."),
    ({"programmes": ["bestaat-niet"]}, "Kies alleen uit de getoonde mogelijkheden."),
]


@pytest.mark.parametrize(("changes", "message"), INVALID_SCREENINGS)
def test_invalid_screening_is_refused_with_a_clear_message(
    client: FlaskClient, make: Any, coordinator: User, changes: dict[str, Any], message: str
) -> None:
    volunteer = make.volunteer(screened=False)
    db.session.commit()

    response = client.post(f"/vrijwilligers/{volunteer.id}/screening", data=screening_data(volunteer, **changes))

    assert response.status_code == 422
    assert message in response.text
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).intake_outcome is None


def test_invalid_screening_keeps_what_was_typed(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(screened=False)
    db.session.commit()

    response = client.post(
        f"/vrijwilligers/{volunteer.id}/screening",
        data=screening_data(volunteer, intake_on=TOMORROW, intake_notes="Belt terug na de vakantie."),
    )

    assert response.status_code == 422
    assert "Belt terug na de vakantie." in response.text
    assert f'value="{TOMORROW}"' in response.text


def test_capacity_cannot_go_below_the_active_matches(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(capacity=3)
    for _ in range(2):
        make.match(volunteer, make.resident(), coordinator)
    db.session.commit()

    response = client.post(f"/vrijwilligers/{volunteer.id}/screening", data=screening_data(volunteer, capacity="1"))

    assert response.status_code == 422
    assert "Deze vrijwilliger heeft nu 2 lopende koppelingen; de capaciteit kan niet lager zijn." in response.text
    assert "Beëindig eerst een koppeling." in response.text
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).capacity == 3


def test_capacity_may_equal_the_active_matches(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(capacity=3)
    make.match(volunteer, make.resident(), coordinator)
    db.session.commit()

    response = client.post(f"/vrijwilligers/{volunteer.id}/screening", data=screening_data(volunteer, capacity="1"))

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).capacity == 1


def test_screening_on_an_old_version_is_refused_and_keeps_the_input(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    volunteer = make.volunteer(screened=False)
    db.session.commit()
    stale = screening_data(volunteer, intake_notes="Mijn aantekening.")
    client.post(f"/vrijwilligers/{volunteer.id}/screening", data=screening_data(volunteer, capacity="3"))

    response = client.post(f"/vrijwilligers/{volunteer.id}/screening", data=stale)

    assert response.status_code == 409
    assert "Iemand anders heeft deze vrijwilliger intussen gewijzigd." in response.text
    assert "Mijn aantekening." in response.text
    assert 'name="version" type="hidden" value="2"' in response.text
    db.session.expire_all()
    saved = db.session.get(Volunteer, volunteer.id)
    assert saved.capacity == 3
    assert saved.intake_notes == "Rustige, betrokken vrouw."


def test_screening_after_a_conflict_can_be_saved_again(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(screened=False)
    db.session.commit()
    stale = screening_data(volunteer, intake_notes="Mijn aantekening.")
    client.post(f"/vrijwilligers/{volunteer.id}/screening", data=screening_data(volunteer, capacity="3"))
    client.post(f"/vrijwilligers/{volunteer.id}/screening", data=stale)

    response = client.post(f"/vrijwilligers/{volunteer.id}/screening", data={**stale, "version": "2"})

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).intake_notes == "Mijn aantekening."


def test_a_change_between_reading_and_saving_is_caught(
    client: FlaskClient, make: Any, coordinator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    volunteer = make.volunteer(screened=False)
    db.session.commit()
    import webapp.coordination.routes as routes

    real = routes.record_screening

    def someone_else_saves_first(session: Any, row: Volunteer, *args: Any) -> Any:
        session.execute(
            update(Volunteer)
            .where(Volunteer.id == row.id)
            .values(version=Volunteer.version + 1)
            .execution_options(synchronize_session=False)
        )
        return real(session, row, *args)

    monkeypatch.setattr(routes, "record_screening", someone_else_saves_first)

    response = client.post(f"/vrijwilligers/{volunteer.id}/screening", data=screening_data(volunteer))

    assert response.status_code == 409
    assert "Iemand anders heeft deze vrijwilliger intussen gewijzigd." in response.text


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_screening_without_a_csrf_token_is_refused(client: FlaskClient, make: Any, app: Flask) -> None:
    user = make.user()
    volunteer = make.volunteer(screened=False)
    db.session.commit()
    login_page = client.get("/inloggen")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page.text).group(1)
    client.post("/inloggen", data={"email": user.email, "password": "correct horse battery", "csrf_token": token})

    response = client.post(f"/vrijwilligers/{volunteer.id}/screening", data=screening_data(volunteer))

    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).intake_outcome is None


# --- Stopping -----------------------------------------------------------------------------------------------------


def test_a_volunteer_can_stop(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(first_name="Lotte", last_name="Bakker")
    db.session.commit()

    response = client.post(
        f"/vrijwilligers/{volunteer.id}/stoppen", data={"reason": "Verhuisd naar Delft.", "version": "1"}
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).stopped_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "volunteer.stopped"))
    # The reason is free text: kept with the volunteer, the audit trail only names the field.
    assert event.detail == {}
    assert event.fields == ["stopped_at", "stopped_reason"]
    assert db.session.get(Volunteer, volunteer.id).stopped_reason == "Verhuisd naar Delft."
    assert event.user_id == coordinator.id


def test_a_stopped_volunteer_is_no_longer_eligible(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer()
    db.session.commit()

    client.post(f"/vrijwilligers/{volunteer.id}/stoppen", data={"reason": "Geen tijd meer.", "version": "1"})
    response = client.get(f"/vrijwilligers/{volunteer.id}")

    assert "De vrijwilliger is gestopt." in response.text
    assert "Geen tijd meer." in response.text.split('id="geschiedenis"')[0]
    assert "Gestopt" in response.text.split('id="geschiedenis"')[1]


def test_stopping_needs_a_reason(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer()
    db.session.commit()

    response = client.post(f"/vrijwilligers/{volunteer.id}/stoppen", data={"reason": " ", "version": "1"})

    assert response.status_code == 422
    assert "Vul de reden in waarom de vrijwilliger stopt." in response.text
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).stopped_at is None


def test_stopping_is_refused_while_matches_are_active(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer()
    make.match(volunteer, make.resident(), coordinator)
    db.session.commit()

    response = client.post(
        f"/vrijwilligers/{volunteer.id}/stoppen", data={"reason": "Verhuisd.", "version": str(volunteer.version)}
    )

    assert response.status_code == 422
    assert "Deze vrijwilliger heeft nog 1 lopende koppeling. Beëindig die eerst" in response.text
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).stopped_at is None


def test_stopping_on_an_old_version_is_refused(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer()
    db.session.commit()
    client.post(f"/vrijwilligers/{volunteer.id}/screening", data=screening_data(volunteer, capacity="3"))

    response = client.post(f"/vrijwilligers/{volunteer.id}/stoppen", data={"reason": "Verhuisd.", "version": "1"})

    assert response.status_code == 409
    assert "Iemand anders heeft deze vrijwilliger intussen gewijzigd." in response.text
    assert "Verhuisd." in response.text
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).stopped_at is None


def test_a_stopped_volunteer_cannot_stop_again(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(stopped_at=datetime(2026, 1, 2, 9, 0))
    db.session.commit()

    response = client.post(f"/vrijwilligers/{volunteer.id}/stoppen", data={"reason": "Dubbel.", "version": "1"})

    assert response.status_code == 422
    assert "Deze vrijwilliger is al gestopt." in response.text


# --- One word: the coordinator's talk with a volunteer is the intakegesprek ---------------------------------------


@pytest.mark.parametrize("page", ["/vrijwilligers", "/vrijwilligers/{id}", "/vrijwilligers/{id}/screening"])
def test_the_coordinator_pages_call_the_talk_the_intakegesprek(
    client: FlaskClient, make: Any, coordinator: User, page: str
) -> None:
    volunteer = make.volunteer(screened=False)
    db.session.commit()
    client.post(f"/vrijwilligers/{volunteer.id}/screening", data=screening_data(volunteer))

    text = client.get(page.format(id=volunteer.id)).text

    assert "kennismakingsgesprek" not in text.lower()
    assert "intakegesprek" in text.lower()


def test_a_volunteer_without_a_suitable_intake_is_told_so_with_the_word_intakegesprek(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    volunteer = make.volunteer(screened=False)
    db.session.commit()

    response = client.get(f"/vrijwilligers/{volunteer.id}")

    assert "Het intakegesprek heeft (nog) niet de uitkomst &#39;geschikt&#39;." in response.text


# --- Planning the intake talk ---------------------------------------------------------------------------------------


def plan_data(volunteer: Volunteer, on: date | str, **changes: Any) -> dict[str, Any]:
    return {
        "intake_planned_on": on.isoformat() if isinstance(on, date) else on,
        "plan_version": str(volunteer.version),
        **changes,
    }


def test_the_screening_page_offers_to_plan_the_intake_talk(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(screened=False)
    db.session.commit()

    response = client.get(f"/vrijwilligers/{volunteer.id}/screening")

    assert "Intakegesprek plannen" in response.text
    assert f'action="/vrijwilligers/{volunteer.id}/intake-plannen"' in response.text
    assert re.search(r'<input[^>]*name="intake_planned_on"[^>]*type="date"', response.text)


@pytest.mark.parametrize("days_ahead", [0, 14])
def test_an_intake_talk_can_be_planned_for_today_or_later(
    client: FlaskClient, make: Any, coordinator: User, days_ahead: int
) -> None:
    volunteer = make.volunteer(screened=False)
    db.session.commit()
    planned = today() + timedelta(days=days_ahead)

    response = client.post(f"/vrijwilligers/{volunteer.id}/intake-plannen", data=plan_data(volunteer, planned))

    assert response.status_code == 302
    assert response.headers["Location"] == f"/vrijwilligers/{volunteer.id}"
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).intake_planned_on == planned


def test_planning_the_intake_talk_writes_an_audit_record(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(screened=False)
    db.session.commit()
    planned = today() + timedelta(days=7)

    client.post(f"/vrijwilligers/{volunteer.id}/intake-plannen", data=plan_data(volunteer, planned))

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "volunteer.intake_planned"))
    assert event.user_id == coordinator.id
    assert event.subject_id == volunteer.id
    assert event.detail == {"on": planned.isoformat()}


def test_the_volunteer_page_shows_the_planned_intake_talk(client: FlaskClient, make: Any, coordinator: User) -> None:
    from webapp.templating import when

    planned = today() + timedelta(days=7)
    volunteer = make.volunteer(screened=False, intake_planned_on=planned)
    db.session.commit()

    response = client.get(f"/vrijwilligers/{volunteer.id}")
    screening = response.text.split('id="screening"')[1].split("</section>")[0]

    assert "Intakegesprek gepland" in screening
    assert when(planned) in screening


INVALID_PLANS = [
    (today() - timedelta(days=1), "Een gepland gesprek ligt vandaag of later."),
    (today() + timedelta(days=367), "Plan het gesprek binnen een jaar."),
    ("", "Vul de datum van het geplande gesprek in."),
    ("31-02-2026", "Ongeldige datum"),
]


@pytest.mark.parametrize(("on", "message"), INVALID_PLANS)
def test_an_invalid_planned_date_is_refused_and_nothing_changes(
    client: FlaskClient, make: Any, coordinator: User, on: date | str, message: str
) -> None:
    volunteer = make.volunteer(screened=False)
    db.session.commit()

    response = client.post(f"/vrijwilligers/{volunteer.id}/intake-plannen", data=plan_data(volunteer, on))

    assert response.status_code == 422
    assert message in response.text
    db.session.expire_all()
    saved = db.session.get(Volunteer, volunteer.id)
    assert saved.intake_planned_on is None
    assert saved.version == 1


def test_a_refused_planned_date_keeps_what_was_typed(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(screened=False)
    db.session.commit()

    response = client.post(f"/vrijwilligers/{volunteer.id}/intake-plannen", data=plan_data(volunteer, LAST_WEEK))

    assert response.status_code == 422
    assert f'value="{LAST_WEEK}"' in response.text


def test_planning_on_an_old_version_is_refused(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(screened=False)
    db.session.commit()
    stale = plan_data(volunteer, today() + timedelta(days=3))
    client.post(f"/vrijwilligers/{volunteer.id}/screening", data=screening_data(volunteer, capacity="3"))

    response = client.post(f"/vrijwilligers/{volunteer.id}/intake-plannen", data=stale)

    assert response.status_code == 409
    assert "Iemand anders heeft deze vrijwilliger intussen gewijzigd." in response.text
    assert 'name="plan_version" type="hidden" value="2"' in response.text
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).intake_planned_on is None


def test_no_intake_talk_can_be_planned_for_a_stopped_volunteer(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    volunteer = make.volunteer(screened=False, stopped_at=datetime(2026, 1, 2, 9, 0))
    db.session.commit()

    response = client.post(
        f"/vrijwilligers/{volunteer.id}/intake-plannen", data=plan_data(volunteer, today() + timedelta(days=3))
    )

    assert response.status_code == 409
    assert "Deze vrijwilliger is gestopt; een intakegesprek plannen kan niet meer." in response.text
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).intake_planned_on is None


def test_recording_the_intake_talk_clears_the_planned_date(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(screened=False, intake_planned_on=today())
    db.session.commit()

    response = client.post(f"/vrijwilligers/{volunteer.id}/screening", data=screening_data(volunteer))

    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Volunteer, volunteer.id)
    assert saved.intake_outcome is IntakeOutcome.GESCHIKT
    assert saved.intake_planned_on is None


def test_a_screening_without_an_intake_talk_keeps_the_planned_date(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    planned = today() + timedelta(days=5)
    volunteer = make.volunteer(screened=False, intake_planned_on=planned)
    db.session.commit()

    client.post(
        f"/vrijwilligers/{volunteer.id}/screening",
        data=screening_data(volunteer, intake_outcome="", intake_on="", intake_notes=""),
    )

    db.session.expire_all()
    saved = db.session.get(Volunteer, volunteer.id)
    assert saved.vog_status is VogStatus.AANGEVRAAGD
    assert saved.intake_planned_on == planned


def test_the_new_filter_still_lists_volunteers_with_a_planned_talk(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    make.volunteer(screened=False, first_name="Nina", last_name="Gepland", intake_planned_on=today())
    make.volunteer(first_name="Gijs", last_name="Geschikt", intake_planned_on=today())
    db.session.commit()

    response = client.get("/vrijwilligers?status=nieuw")

    assert names_in(response.text) == {"Nina Gepland"}


def test_the_list_shows_when_the_intake_talk_is_planned(client: FlaskClient, make: Any, coordinator: User) -> None:
    from webapp.templating import when

    planned = today() + timedelta(days=3)
    make.volunteer(screened=False, first_name="Nina", last_name="Gepland", intake_planned_on=planned)
    db.session.commit()

    response = client.get("/vrijwilligers")

    assert f"gesprek {when(planned, 'd MMM')}" in response.text


def test_the_history_shows_the_planned_intake_talk(client: FlaskClient, make: Any, coordinator: User) -> None:
    from webapp.templating import when

    volunteer = make.volunteer(screened=False)
    db.session.commit()
    planned = today() + timedelta(days=7)
    client.post(f"/vrijwilligers/{volunteer.id}/intake-plannen", data=plan_data(volunteer, planned))

    history = client.get(f"/vrijwilligers/{volunteer.id}").text.split('id="geschiedenis"')[1]

    assert f"Intakegesprek gepland op {when(planned)}" in history


# --- Re-screening after a safety concern -----------------------------------------------------------------------------


def rescreening_notice(since: date) -> str:
    from webapp.templating import when

    return (
        f"Een koppeling is beëindigd wegens zorgen over veiligheid op {when(since)}; leg een nieuw intakegesprek vast "
        "voordat deze vrijwilliger opnieuw gekoppeld kan worden."
    )


def test_an_ending_over_a_safety_concern_is_said_plainly_on_the_volunteer_page(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    from webapp.services import matches

    volunteer = make.volunteer()
    match = make.match(volunteer, make.resident(), coordinator)
    matches.end_match(db.session, match.id, coordinator, matches.Ending("veiligheid", today(), "Zorgen.", True))
    db.session.commit()

    response = client.get(f"/vrijwilligers/{volunteer.id}")

    assert rescreening_notice(today()) in response.text


def test_the_screening_page_says_the_volunteer_must_be_screened_again(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    since = today() - timedelta(days=2)
    volunteer = make.volunteer(rescreening_since=since)
    db.session.commit()

    response = client.get(f"/vrijwilligers/{volunteer.id}/screening")

    assert rescreening_notice(since) in response.text


def test_the_list_marks_a_volunteer_who_must_be_screened_again(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    make.volunteer(first_name="Rik", last_name="Opnieuw", rescreening_since=today() - timedelta(days=2))
    db.session.commit()

    response = client.get("/vrijwilligers")

    row = response.text.split("Rik Opnieuw")[1].split("</tr>")[0]
    assert 'badge bad">opnieuw screenen<' in row


def test_no_notice_without_a_safety_concern(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer()
    db.session.commit()

    response = client.get(f"/vrijwilligers/{volunteer.id}")

    assert "zorgen over veiligheid" not in response.text


@pytest.mark.parametrize("days_after", [0, 2])
def test_an_intake_talk_on_or_after_the_safety_ending_lifts_the_rescreening(
    client: FlaskClient, make: Any, coordinator: User, days_after: int
) -> None:
    since = today() - timedelta(days=3)
    volunteer = make.volunteer(rescreening_since=since)
    db.session.commit()
    intake_on = (since + timedelta(days=days_after)).isoformat()

    response = client.post(
        f"/vrijwilligers/{volunteer.id}/screening", data=screening_data(volunteer, intake_on=intake_on)
    )

    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Volunteer, volunteer.id)
    assert saved.rescreening_since is None
    assert eligible_programmes(saved, {"buddy": FakeProgramme(requires_vog=False)}, today(), 3) == ["buddy"]


def test_lifting_the_rescreening_writes_an_audit_record(client: FlaskClient, make: Any, coordinator: User) -> None:
    since = today() - timedelta(days=3)
    volunteer = make.volunteer(rescreening_since=since)
    db.session.commit()

    client.post(f"/vrijwilligers/{volunteer.id}/screening", data=screening_data(volunteer))

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "volunteer.rescreened"))
    assert event.user_id == coordinator.id
    assert event.subject_id == volunteer.id
    assert event.detail == {"since": since.isoformat(), "intake_on": (today() - timedelta(days=1)).isoformat()}


def test_an_intake_talk_before_the_safety_ending_does_not_lift_it_and_says_so(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    since = today() - timedelta(days=1)
    volunteer = make.volunteer(rescreening_since=since)
    db.session.commit()
    before = (since - timedelta(days=4)).isoformat()

    response = client.post(
        f"/vrijwilligers/{volunteer.id}/screening",
        data=screening_data(volunteer, intake_on=before),
        follow_redirects=True,
    )

    assert "Leg een intakegesprek op of na" in response.text
    assert rescreening_notice(since) in response.text
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).rescreening_since == since
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "volunteer.rescreened")) is None


def test_a_screening_without_a_new_talk_does_not_lift_the_rescreening(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    since = today() - timedelta(days=3)
    volunteer = make.volunteer(rescreening_since=since, intake_on=today() - timedelta(days=60))
    db.session.commit()
    data = screening_data(
        volunteer,
        intake_on=volunteer.intake_on.isoformat(),
        intake_notes="",
        vog_status="afgegeven",
        vog_requested_on=volunteer.vog_requested_on.isoformat(),
        vog_issued_on=volunteer.vog_issued_on.isoformat(),
        capacity="3",
        programmes=["buddy"],
    )

    client.post(f"/vrijwilligers/{volunteer.id}/screening", data=data)

    db.session.expire_all()
    saved = db.session.get(Volunteer, volunteer.id)
    assert saved.capacity == 3
    assert saved.rescreening_since == since


def test_the_screening_form_says_which_talk_lifts_the_rescreening(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    from webapp.templating import when

    since = today() - timedelta(days=3)
    volunteer = make.volunteer(rescreening_since=since)
    db.session.commit()

    response = client.get(f"/vrijwilligers/{volunteer.id}/screening")

    assert f"Alleen een gesprek op of na {when(since)} heft de nieuwe screening op" in response.text
