"""The coordinator's work on volunteers: correcting their details, possible duplicate sign-ups and merging them."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from tests.webapp.factories import today
from webapp import convert
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    Gender,
    IntakeOutcome,
    Match,
    MatchStatus,
    Proposal,
    ProposalStatus,
    User,
    VogStatus,
    Volunteer,
    volunteer_programmes,
)
from webapp.services import volunteers as volunteer_service


def reload(volunteer_id: int) -> Volunteer | None:
    db.session.expire_all()
    return db.session.get(Volunteer, volunteer_id)


def audit_events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- Correcting a volunteer's details -------------------------------------------------------------------------------


def edit_data(volunteer: Volunteer, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "first_name": "Lotte",
        "last_name": "Bakker",
        "email": "lotte.bakker@voorbeeld.nl",
        "phone": "06 87654321",
        "birth_date": "1975-03-02",
        "postcode": "2283 CD",
        "gender": "vrouw",
        "availability": ["mon-morning", "thu-afternoon"],
        "languages": ["nl", "en"],
        "interests": ["lezen", "tuinieren"],
        "max_distance_km": "8",
        "version": str(volunteer.version),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_volunteer_page_links_to_the_edit_page(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer()
    db.session.commit()

    response = client.get(f"/vrijwilligers/{volunteer.id}")

    assert f'href="/vrijwilligers/{volunteer.id}/bewerken"' in response.text
    assert "Gegevens wijzigen" in response.text


def test_the_edit_form_is_filled_in_with_what_is_stored(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(email="anna@voorbeeld.nl", availability=["tue-evening"], max_distance_km=5.0)
    db.session.commit()

    response = client.get(f"/vrijwilligers/{volunteer.id}/bewerken")

    assert response.status_code == 200
    assert 'value="anna@voorbeeld.nl"' in response.text
    assert re.search(r'value="tue-evening"[^>]*checked', response.text)
    assert re.search(r'<option selected value="5">', response.text)
    assert 'name="version" type="hidden" value="1"' in response.text


def test_the_edit_page_sends_capacity_and_programmes_to_the_screening_page(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    volunteer = make.volunteer()
    db.session.commit()

    response = client.get(f"/vrijwilligers/{volunteer.id}/bewerken")

    assert "Capaciteit en programma's horen bij de screening" in response.text.replace("&#39;", "'")
    assert f'href="/vrijwilligers/{volunteer.id}/screening"' in response.text
    assert 'name="capacity"' not in response.text
    assert 'name="programmes"' not in response.text


def test_the_edit_form_does_not_offer_the_coordinators_own_details(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    volunteer = make.volunteer()
    db.session.commit()

    response = client.get(f"/vrijwilligers/{volunteer.id}/bewerken")

    for name in ("first_name", "last_name", "email", "phone", "postcode"):
        assert re.search(rf'<input [^>]*autocomplete="off"[^>]*name="{name}"', response.text), name


def test_a_coordinator_corrects_the_details(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer()
    db.session.commit()

    response = client.post(f"/vrijwilligers/{volunteer.id}/bewerken", data=edit_data(volunteer))

    assert response.status_code == 302
    assert response.headers["Location"] == f"/vrijwilligers/{volunteer.id}"
    saved = reload(volunteer.id)
    assert (saved.first_name, saved.last_name) == ("Lotte", "Bakker")
    assert saved.email == "lotte.bakker@voorbeeld.nl"
    assert saved.phone == "06 87654321"
    assert saved.birth_date == date(1975, 3, 2)
    assert (saved.postcode, saved.pc4) == ("2283 CD", "2283")
    assert saved.gender is Gender.VROUW
    assert saved.availability == ["mon-morning", "thu-afternoon"]
    assert saved.languages == ["nl", "en"]
    assert saved.interests == ["lezen", "tuinieren"]
    assert saved.max_distance_km == 8.0
    assert saved.version == 2


def test_the_email_address_is_stored_as_the_sign_up_form_stores_it(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    volunteer = make.volunteer()
    db.session.commit()

    client.post(f"/vrijwilligers/{volunteer.id}/bewerken", data=edit_data(volunteer, email="Lotte@Voorbeeld.NL"))

    assert reload(volunteer.id).email == "lotte@voorbeeld.nl"


def test_the_edit_does_not_touch_capacity_or_programmes(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(programmes=("buddy",), capacity=2)
    db.session.commit()

    client.post(
        f"/vrijwilligers/{volunteer.id}/bewerken", data=edit_data(volunteer, capacity="5", programmes=["cultuur"])
    )

    saved = reload(volunteer.id)
    assert saved.capacity == 2
    assert saved.programme_codes == ["buddy"]


def test_the_audit_trail_names_the_changed_fields_only(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer()
    db.session.commit()
    unchanged = {
        "first_name": volunteer.first_name,
        "last_name": volunteer.last_name,
        "birth_date": volunteer.birth_date.isoformat(),
        "postcode": volunteer.postcode,
        "gender": "",
        "availability": volunteer.availability,
        "languages": volunteer.languages,
        "interests": volunteer.interests,
        "max_distance_km": "5",
    }

    client.post(
        f"/vrijwilligers/{volunteer.id}/bewerken",
        data=edit_data(volunteer, **unchanged, email="nieuw@voorbeeld.nl", phone="070 7654321"),
    )

    [event] = audit_events("volunteer.updated")
    assert event.user_id == coordinator.id
    assert event.subject_id == volunteer.id
    assert event.fields == ["email", "phone"]
    assert event.detail == {}
    assert "nieuw@voorbeeld.nl" not in str(event.detail)


def test_the_history_names_the_changed_fields(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer()
    db.session.commit()
    client.post(f"/vrijwilligers/{volunteer.id}/bewerken", data=edit_data(volunteer))

    history = client.get(f"/vrijwilligers/{volunteer.id}").text.split('id="geschiedenis"')[1]

    assert "Gegevens gewijzigd: voornaam, achternaam, e-mailadres" in history


def test_saving_the_same_details_changes_nothing(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer()
    db.session.commit()
    form = client.get(f"/vrijwilligers/{volunteer.id}/bewerken")
    assert form.status_code == 200
    same = edit_data(
        volunteer,
        first_name=volunteer.first_name,
        last_name=volunteer.last_name,
        email=volunteer.email,
        phone=volunteer.phone,
        birth_date=volunteer.birth_date.isoformat(),
        postcode=volunteer.postcode,
        gender="",
        availability=volunteer.availability,
        languages=volunteer.languages,
        interests=volunteer.interests,
        max_distance_km="5",
    )

    response = client.post(f"/vrijwilligers/{volunteer.id}/bewerken", data=same, follow_redirects=True)

    assert "Er was niets gewijzigd." in response.text
    assert reload(volunteer.id).version == 1
    assert audit_events("volunteer.updated") == []


def test_a_travel_distance_outside_the_usual_choices_is_kept(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(max_distance_km=2.5)
    db.session.commit()

    page = client.get(f"/vrijwilligers/{volunteer.id}/bewerken")
    response = client.post(f"/vrijwilligers/{volunteer.id}/bewerken", data=edit_data(volunteer, max_distance_km="2.5"))

    assert '<option selected value="2.5">' in page.text
    assert response.status_code == 302
    assert reload(volunteer.id).max_distance_km == 2.5


FUTURE = (today() + timedelta(days=1)).isoformat()
FIFTEEN = date(today().year - 15, 1, 1).isoformat()

INVALID_EDITS = [
    ({"first_name": " "}, "Vul de voornaam in."),
    ({"last_name": ""}, "Vul de achternaam in."),
    ({"first_name": "x" * 81}, "Maximaal 80 tekens."),
    ({"email": ""}, "Vul het e-mailadres in."),
    ({"email": "geen-adres"}, "Vul een e-mailadres in zoals naam@voorbeeld.nl."),
    ({"phone": ""}, "Vul het telefoonnummer in."),
    ({"phone": "12345"}, "Vul een telefoonnummer in, bijvoorbeeld 06 12345678 of 070 1234567."),
    ({"birth_date": ""}, "Vul de geboortedatum in."),
    ({"birth_date": FUTURE}, "Een geboortedatum ligt niet in de toekomst."),
    ({"birth_date": FIFTEEN}, "Met deze geboortedatum is de vrijwilliger nog geen 16 jaar."),
    ({"postcode": ""}, "Vul de postcode in."),
    ({"postcode": "22"}, "Vul een postcode in zoals 2282 AB."),
    ({"postcode": "9999 ZZ"}, "Deze postcode kennen we niet."),
    ({"gender": "onbekend"}, "Ongeldige keuze."),
    ({"availability": None}, "Kies minstens één dagdeel waarop de vrijwilliger kan."),
    ({"availability": ["mon-night"]}, "Kies alleen uit de getoonde mogelijkheden."),
    ({"languages": ["xx"]}, "Kies alleen uit de getoonde mogelijkheden."),
    ({"interests": ["schaken-op-mars"]}, "Kies alleen uit de getoonde mogelijkheden."),
    ({"max_distance_km": "99"}, "Ongeldige keuze."),
    ({"version": ""}, "Het formulier is onvolledig. Laad de pagina opnieuw."),
]


@pytest.mark.parametrize(("changes", "message"), INVALID_EDITS)
def test_invalid_details_are_refused_and_nothing_changes(
    client: FlaskClient, make: Any, coordinator: User, changes: dict[str, Any], message: str
) -> None:
    volunteer = make.volunteer(first_name="Anna")
    db.session.commit()

    response = client.post(f"/vrijwilligers/{volunteer.id}/bewerken", data=edit_data(volunteer, **changes))

    assert response.status_code == 422
    assert message in response.text.replace("&#39;", "'")
    saved = reload(volunteer.id)
    assert saved.first_name == "Anna"
    assert saved.version == 1


def test_refused_details_keep_what_was_typed(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer()
    db.session.commit()

    response = client.post(
        f"/vrijwilligers/{volunteer.id}/bewerken", data=edit_data(volunteer, phone="12345", last_name="Van Dijk")
    )

    assert response.status_code == 422
    assert 'value="Van Dijk"' in response.text
    assert 'value="12345"' in response.text


def test_an_edit_on_an_old_version_is_refused_and_keeps_the_input(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    volunteer = make.volunteer()
    db.session.commit()
    stale = edit_data(volunteer, last_name="Mijn Invoer")
    client.post(f"/vrijwilligers/{volunteer.id}/bewerken", data=edit_data(volunteer, email="eerst@voorbeeld.nl"))

    response = client.post(f"/vrijwilligers/{volunteer.id}/bewerken", data=stale)

    assert response.status_code == 409
    assert "Iemand anders heeft deze vrijwilliger intussen gewijzigd" in response.text
    assert 'value="Mijn Invoer"' in response.text
    assert "eerst@voorbeeld.nl" in response.text.split('id="conflict"')[1].split("</div>")[0]
    assert 'name="version" type="hidden" value="2"' in response.text
    saved = reload(volunteer.id)
    assert saved.last_name == "Bakker"
    assert saved.email == "eerst@voorbeeld.nl"


def test_an_edit_after_a_conflict_can_be_saved_again(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer()
    db.session.commit()
    stale = edit_data(volunteer, last_name="Mijn Invoer")
    client.post(f"/vrijwilligers/{volunteer.id}/bewerken", data=edit_data(volunteer, email="eerst@voorbeeld.nl"))
    client.post(f"/vrijwilligers/{volunteer.id}/bewerken", data=stale)

    response = client.post(f"/vrijwilligers/{volunteer.id}/bewerken", data={**stale, "version": "2"})

    assert response.status_code == 302
    assert reload(volunteer.id).last_name == "Mijn Invoer"


def test_a_change_between_reading_and_saving_is_caught(
    client: FlaskClient, make: Any, coordinator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    volunteer = make.volunteer(first_name="Anna")
    db.session.commit()
    real = volunteer_service.update_volunteer

    def someone_else_saves_first(session: Any, row: Volunteer, *args: Any) -> Any:
        session.execute(
            update(Volunteer)
            .where(Volunteer.id == row.id)
            .values(version=Volunteer.version + 1)
            .execution_options(synchronize_session=False)
        )
        return real(session, row, *args)

    monkeypatch.setattr(volunteer_service, "update_volunteer", someone_else_saves_first)

    response = client.post(f"/vrijwilligers/{volunteer.id}/bewerken", data=edit_data(volunteer))

    assert response.status_code == 409
    assert reload(volunteer.id).first_name == "Anna"


def test_an_unknown_volunteer_cannot_be_edited(client: FlaskClient, coordinator: User) -> None:
    assert client.get("/vrijwilligers/999999/bewerken").status_code == 404


# --- Possible duplicates ----------------------------------------------------------------------------------------------


def duplicate_section(client: FlaskClient, volunteer: Volunteer) -> str:
    text = client.get(f"/vrijwilligers/{volunteer.id}").text
    if 'id="dubbel"' not in text:
        return ""
    return text.split('id="dubbel"')[1].split("</section>")[0]


def test_the_same_email_in_other_letters_is_a_possible_duplicate(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    first = make.volunteer(email="lotte@voorbeeld.nl", phone="06 11111111")
    second = make.volunteer(email="  Lotte@Voorbeeld.NL ", phone="06 22222222", last_name="Tweede")
    db.session.commit()

    section = duplicate_section(client, first)

    assert "Mogelijk dubbel aangemeld" in client.get(f"/vrijwilligers/{first.id}").text
    assert f'href="/vrijwilligers/{second.id}"' in section
    assert f'href="/vrijwilligers/{first.id}/samenvoegen/{second.id}"' in section
    assert "zelfde e-mailadres" in section


@pytest.mark.parametrize(
    "other_phone", ["0612345678", "06-12345678", "06 1234 5678", "+31 6 12345678", "+31612345678", "0031 6 1234 5678"]
)
def test_the_same_phone_number_written_differently_with_the_same_birth_date_is_a_possible_duplicate(
    client: FlaskClient, make: Any, coordinator: User, other_phone: str
) -> None:
    first = make.volunteer(phone="06 12345678", birth_date=date(1980, 5, 17))
    second = make.volunteer(phone=other_phone, birth_date=date(1980, 5, 17))
    db.session.commit()

    section = duplicate_section(client, first)

    assert f'href="/vrijwilligers/{second.id}"' in section
    assert "zelfde telefoonnummer en geboortedatum" in section


def test_the_same_phone_number_with_another_birth_date_is_no_duplicate(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    first = make.volunteer(phone="06 12345678", birth_date=date(1980, 5, 17))
    make.volunteer(phone="06 12345678", birth_date=date(1982, 1, 3))
    db.session.commit()

    assert duplicate_section(client, first) == ""


def test_the_same_birth_date_with_another_phone_number_is_no_duplicate(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    first = make.volunteer(phone="06 12345678", birth_date=date(1980, 5, 17))
    make.volunteer(phone="06 12345679", birth_date=date(1980, 5, 17))
    db.session.commit()

    assert duplicate_section(client, first) == ""


def test_another_country_code_is_not_taken_for_a_dutch_number(make: Any, coordinator: User) -> None:
    first = make.volunteer(phone="+32 6 12345678", birth_date=date(1980, 5, 17))
    make.volunteer(phone="06 12345678", birth_date=date(1980, 5, 17))
    same = make.volunteer(phone="0032 6 1234 5678", birth_date=date(1980, 5, 17))

    found = volunteer_service.duplicates_of(db.session, first)

    assert [duplicate.volunteer.id for duplicate in found] == [same.id]


def test_the_duplicates_page_lists_every_pair_with_the_reason(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    for number, name in enumerate(("Een", "Twee", "Drie")):
        make.volunteer(email="zelfde@voorbeeld.nl", last_name=name, phone=f"06 1234567{number}")
    make.volunteer(email="anders@voorbeeld.nl", last_name="Alleen", phone="06 87654321")
    db.session.commit()

    response = client.get("/vrijwilligers/dubbel")

    assert response.status_code == 200
    assert response.text.count("Vergelijken en samenvoegen") == 3
    assert response.text.count('<p class="why">zelfde e-mailadres</p>') == 3
    assert "Alleen" not in response.text


def test_a_pair_with_the_same_email_and_phone_is_listed_once_with_both_reasons(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    make.volunteer(email="zelfde@voorbeeld.nl", phone="06 12345678")
    make.volunteer(email="zelfde@voorbeeld.nl", phone="+31 6 1234 5678")
    db.session.commit()

    response = client.get("/vrijwilligers/dubbel")

    assert response.text.count("Vergelijken en samenvoegen") == 1
    assert "zelfde e-mailadres; zelfde telefoonnummer en geboortedatum" in response.text


def test_the_duplicates_page_suggests_keeping_the_screened_sign_up(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    screened = make.volunteer(email="zelfde@voorbeeld.nl")
    newer = make.volunteer(email="zelfde@voorbeeld.nl", screened=False)
    db.session.commit()

    response = client.get("/vrijwilligers/dubbel")

    assert f'href="/vrijwilligers/{screened.id}/samenvoegen/{newer.id}"' in response.text


def test_the_volunteer_list_links_to_the_duplicates_with_their_number(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    make.volunteer(email="a@voorbeeld.nl", phone="06 11111111")
    make.volunteer(email="A@voorbeeld.nl", phone="06 22222222")
    make.volunteer(phone="070 1112233", birth_date=date(1990, 1, 1))
    make.volunteer(phone="0701112233", birth_date=date(1990, 1, 1))
    db.session.commit()

    response = client.get("/vrijwilligers")

    link = re.search(r'<a href="/vrijwilligers/dubbel">([^<]+)</a>', response.text)
    assert link is not None
    assert link.group(1) == "2 paren aanmeldingen zijn mogelijk dubbel"


def test_the_volunteer_list_says_nothing_about_duplicates_when_there_are_none(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    make.volunteer(email="a@voorbeeld.nl", phone="06 11111111")
    make.volunteer(email="b@voorbeeld.nl", phone="06 22222222")
    db.session.commit()

    response = client.get("/vrijwilligers")

    assert "/vrijwilligers/dubbel" not in response.text


def signup_data(**changes: Any) -> dict[str, Any]:
    return {
        "first_name": "Sanne",
        "last_name": "de Wit",
        "email": "sanne@voorbeeld.nl",
        "phone": "06 12345678",
        "birth_date": "1990-04-01",
        "postcode": "2282 AB",
        "gender": "",
        "programmes": ["buddy"],
        "availability": ["tue-evening"],
        "languages": ["nl"],
        "max_distance_km": "3",
        "capacity": "1",
        "consent": "y",
        **changes,
    }


def test_the_public_form_does_not_reveal_that_an_address_signed_up_before(client: FlaskClient) -> None:
    first = client.post("/aanmelden", data=signup_data())

    second = client.post("/aanmelden", data=signup_data(first_name="Iemand", email="SANNE@voorbeeld.nl"))

    assert (second.status_code, second.headers.get("Location"), second.data) == (
        first.status_code,
        first.headers.get("Location"),
        first.data,
    )
    assert first.status_code == 302
    assert db.session.scalar(select(func.count(Volunteer.id))) == 2


# --- Merging a duplicate ----------------------------------------------------------------------------------------------


def merge_data(kept: Volunteer, other: Volunteer, **changes: Any) -> dict[str, Any]:
    return {"kept_version": str(kept.version), "other_version": str(other.version), **changes}


def merge_url(kept: Volunteer, other: Volunteer) -> str:
    return f"/vrijwilligers/{kept.id}/samenvoegen/{other.id}"


@pytest.fixture
def pair(make: Any) -> tuple[Volunteer, Volunteer]:
    """A screened volunteer and a newer, unscreened sign-up of the same person (same e-mail, other phone)."""
    kept = make.volunteer(
        programmes=("buddy",),
        email="lotte@voorbeeld.nl",
        phone="06 11111111",
        first_name="Lotte",
        last_name="Bakker",
        interests=["wandelen", "koken"],
        availability=["tue-evening"],
        languages=["nl"],
        capacity=2,
    )
    other = make.volunteer(
        programmes=("cultuur", "buddy"),
        screened=False,
        email="Lotte@Voorbeeld.nl",
        phone="06 22222222",
        first_name="L.",
        last_name="Bakker-de Jong",
        interests=["lezen", "wandelen"],
        availability=["mon-morning", "tue-evening"],
        languages=["nl", "en"],
        capacity=1,
    )
    db.session.commit()
    return kept, other


def test_the_compare_page_shows_both_and_the_result(
    client: FlaskClient, coordinator: User, pair: tuple[Volunteer, Volunteer]
) -> None:
    kept, other = pair

    response = client.get(merge_url(kept, other))

    assert response.status_code == 200
    assert "06 11111111" in response.text
    assert "06 22222222" in response.text
    assert "Na samenvoegen" in response.text
    assert "Maatje (buddy), Cultuur op maat" in response.text
    assert f'name="kept_version" type="hidden" value="{kept.version}"' in response.text
    assert f'name="other_version" type="hidden" value="{other.version}"' in response.text
    assert f'href="/vrijwilligers/{other.id}/samenvoegen/{kept.id}"' in response.text


def test_the_compare_page_of_two_different_people_offers_no_merge(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    kept = make.volunteer(email="a@voorbeeld.nl", phone="06 11111111")
    other = make.volunteer(email="b@voorbeeld.nl", phone="06 22222222")
    db.session.commit()

    response = client.get(merge_url(kept, other))

    assert response.status_code == 200
    assert "Alleen mogelijk dubbele aanmeldingen kunnen worden samengevoegd." in response.text
    assert 'name="kept_version"' not in response.text


def test_merging_keeps_the_kept_volunteers_contact_details_and_screening(
    client: FlaskClient, coordinator: User, pair: tuple[Volunteer, Volunteer]
) -> None:
    kept, other = pair

    response = client.post(merge_url(kept, other), data=merge_data(kept, other))

    assert response.status_code == 302
    assert response.headers["Location"] == f"/vrijwilligers/{kept.id}"
    saved = reload(kept.id)
    assert (saved.first_name, saved.last_name) == ("Lotte", "Bakker")
    assert (saved.email, saved.phone) == ("lotte@voorbeeld.nl", "06 11111111")
    assert saved.intake_outcome is IntakeOutcome.GESCHIKT
    assert saved.vog_status is VogStatus.AFGEGEVEN
    assert saved.capacity == 2


def test_merging_takes_the_union_of_programmes_interests_availability_and_languages(
    client: FlaskClient, coordinator: User, pair: tuple[Volunteer, Volunteer]
) -> None:
    kept, other = pair

    client.post(merge_url(kept, other), data=merge_data(kept, other))

    saved = reload(kept.id)
    assert saved.programme_codes == ["buddy", "cultuur"]
    assert saved.interests == ["wandelen", "koken", "lezen"]
    assert saved.availability == ["mon-morning", "tue-evening"]
    assert saved.languages == ["nl", "en"]


def test_merging_deletes_the_duplicate_and_its_programmes(
    client: FlaskClient, coordinator: User, pair: tuple[Volunteer, Volunteer]
) -> None:
    kept, other = pair
    other_id = other.id

    client.post(merge_url(kept, other), data=merge_data(kept, other))

    assert reload(other_id) is None
    rows = db.session.scalar(
        select(func.count()).select_from(volunteer_programmes).where(volunteer_programmes.c.volunteer_id == other_id)
    )
    assert rows == 0


def test_merging_fills_in_the_screening_the_kept_volunteer_lacks(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    colleague = make.user(name="Collega")
    kept = make.volunteer(screened=False, email="zelfde@voorbeeld.nl")
    other = make.volunteer(
        email="zelfde@voorbeeld.nl",
        intake_notes="Rustig en betrokken.",
        intake_by_id=colleague.id,
        vog_checked_by_id=colleague.id,
        rescreening_since=today() - timedelta(days=2),
    )
    db.session.commit()

    client.post(merge_url(kept, other), data=merge_data(kept, other))

    saved = reload(kept.id)
    assert saved.intake_outcome is IntakeOutcome.GESCHIKT
    assert saved.intake_on == other.intake_on
    assert saved.intake_notes == "Rustig en betrokken."
    assert saved.intake_by_id == colleague.id
    assert saved.vog_status is VogStatus.AFGEGEVEN
    assert (saved.vog_requested_on, saved.vog_issued_on) == (other.vog_requested_on, other.vog_issued_on)
    assert saved.rescreening_since == today() - timedelta(days=2)


def test_merging_does_not_overwrite_the_kept_volunteers_own_screening(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    kept = make.volunteer(email="zelfde@voorbeeld.nl", intake_notes="Eigen gesprek.")
    other = make.volunteer(
        email="zelfde@voorbeeld.nl",
        intake_outcome=IntakeOutcome.TWIJFEL,
        intake_notes="Ander gesprek.",
        vog_status=VogStatus.AANGEVRAAGD,
        vog_issued_on=None,
    )
    db.session.commit()

    client.post(merge_url(kept, other), data=merge_data(kept, other))

    saved = reload(kept.id)
    assert saved.intake_outcome is IntakeOutcome.GESCHIKT
    assert saved.intake_notes == "Eigen gesprek."
    assert saved.vog_status is VogStatus.AFGEGEVEN


def test_merging_writes_an_audit_record_on_the_kept_volunteer(
    client: FlaskClient, coordinator: User, pair: tuple[Volunteer, Volunteer]
) -> None:
    kept, other = pair
    other_id = other.id

    client.post(merge_url(kept, other), data=merge_data(kept, other))

    [event] = audit_events("volunteer.merged")
    assert event.user_id == coordinator.id
    assert (event.subject_type, event.subject_id) == ("volunteer", kept.id)
    assert event.detail == {
        "removed_id": other_id,
        "taken_over": ["availability", "interests", "languages", "programmes"],
    }


def test_the_kept_volunteers_history_shows_the_merge(
    client: FlaskClient, coordinator: User, pair: tuple[Volunteer, Volunteer]
) -> None:
    kept, other = pair
    other_id = other.id

    response = client.post(merge_url(kept, other), data=merge_data(kept, other), follow_redirects=True)

    assert f"(nr. {other_id}) is samengevoegd met Lotte Bakker." in response.text
    history = response.text.split('id="geschiedenis"')[1]
    assert f"Dubbele aanmelding nr. {other_id} hiermee samengevoegd" in history


def test_an_ended_match_of_the_duplicate_keeps_that_pair_apart_after_merging(
    client: FlaskClient, make: Any, coordinator: User, pair: tuple[Volunteer, Volunteer]
) -> None:
    kept, other = pair
    resident = make.resident()
    ended = make.match(other, resident, coordinator, status=MatchStatus.BEEINDIGD)
    db.session.commit()
    db.session.refresh(other)

    response = client.post(merge_url(kept, other), data=merge_data(kept, other))

    assert response.status_code == 302
    assert (kept.id, resident.id) in convert.excluded_pairs(db.session)
    assert db.session.get(Match, ended.id).volunteer_id == kept.id


def test_an_open_proposal_of_the_duplicate_lapses_and_moves_over(
    client: FlaskClient, make: Any, coordinator: User, pair: tuple[Volunteer, Volunteer]
) -> None:
    kept, other = pair
    proposal = make.proposal(other, make.resident())
    db.session.commit()

    client.post(merge_url(kept, other), data=merge_data(kept, other))

    db.session.expire_all()
    moved = db.session.get(Proposal, proposal.id)
    assert (moved.volunteer_id, moved.status) == (kept.id, ProposalStatus.VERVALLEN)


def test_the_kept_volunteer_may_hold_a_match(
    client: FlaskClient, make: Any, coordinator: User, pair: tuple[Volunteer, Volunteer]
) -> None:
    kept, other = pair
    make.match(kept, make.resident(), coordinator)
    db.session.commit()
    db.session.refresh(kept)

    response = client.post(merge_url(kept, other), data=merge_data(kept, other))

    assert response.status_code == 302
    assert reload(kept.id).places_taken == 1


def assert_nothing_merged(kept_id: int, other_id: int, versions: tuple[int, int]) -> None:
    kept, other = reload(kept_id), reload(other_id)
    assert kept is not None
    assert other is not None
    assert (kept.version, other.version) == versions
    assert audit_events("volunteer.merged") == []


def test_a_duplicate_holding_a_match_is_not_merged(
    client: FlaskClient, make: Any, coordinator: User, pair: tuple[Volunteer, Volunteer]
) -> None:
    kept, other = pair
    make.match(other, make.resident(), coordinator)
    db.session.commit()
    db.session.refresh(other)
    versions = (kept.version, other.version)

    response = client.post(merge_url(kept, other), data=merge_data(kept, other))

    assert response.status_code == 409
    assert "heeft nog een lopende koppeling" in response.text
    assert "Voeg de twee andersom samen" in response.text
    assert "beëindig eerst die koppeling" in response.text
    assert_nothing_merged(kept.id, other.id, versions)


def test_two_different_people_are_not_merged(client: FlaskClient, make: Any, coordinator: User) -> None:
    kept = make.volunteer(email="a@voorbeeld.nl", phone="06 11111111")
    other = make.volunteer(email="b@voorbeeld.nl", phone="06 11111111", birth_date=date(1991, 2, 3))
    db.session.commit()

    response = client.post(merge_url(kept, other), data=merge_data(kept, other))

    assert response.status_code == 409
    assert "Alleen mogelijk dubbele aanmeldingen kunnen worden samengevoegd." in response.text
    assert_nothing_merged(kept.id, other.id, (1, 1))


def test_a_volunteer_is_not_merged_with_themselves(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer()
    db.session.commit()

    response = client.post(merge_url(volunteer, volunteer), data=merge_data(volunteer, volunteer))

    assert response.status_code == 409
    assert "Dit is dezelfde aanmelding." in response.text
    assert reload(volunteer.id) is not None
    assert audit_events("volunteer.merged") == []


@pytest.mark.parametrize("edited", ["kept", "other"])
def test_a_merge_after_someone_edited_either_volunteer_is_refused(
    client: FlaskClient, coordinator: User, pair: tuple[Volunteer, Volunteer], edited: str
) -> None:
    kept, other = pair
    stale = merge_data(kept, other)
    changed = kept if edited == "kept" else other
    client.post(f"/vrijwilligers/{changed.id}/bewerken", data=edit_data(changed, email=changed.email))
    versions = (2, 1) if edited == "kept" else (1, 2)

    response = client.post(merge_url(kept, other), data=stale)

    assert response.status_code == 409
    assert "Iemand anders heeft een van deze twee vrijwilligers intussen gewijzigd." in response.text
    assert f'name="kept_version" type="hidden" value="{versions[0]}"' in response.text
    assert f'name="other_version" type="hidden" value="{versions[1]}"' in response.text
    assert_nothing_merged(kept.id, other.id, versions)


def test_a_merge_without_the_versions_is_refused(
    client: FlaskClient, coordinator: User, pair: tuple[Volunteer, Volunteer]
) -> None:
    kept, other = pair

    response = client.post(merge_url(kept, other), data={"kept_version": "1"})

    assert response.status_code == 422
    assert_nothing_merged(kept.id, other.id, (1, 1))


@pytest.mark.parametrize("method", ["get", "post"])
def test_merging_with_an_unknown_volunteer_gives_404(
    client: FlaskClient, make: Any, coordinator: User, method: str
) -> None:
    volunteer = make.volunteer()
    db.session.commit()

    response = getattr(client, method)(f"/vrijwilligers/{volunteer.id}/samenvoegen/999999")

    assert response.status_code == 404
