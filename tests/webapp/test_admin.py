"""Administration: staff accounts (temporary passwords, roles, deactivation) and partner organisations."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.webapp.conftest import AuthActions
from webapp.extensions import db
from webapp.models import AuditEvent, Organisation, OrganisationKind, Role, User
from webapp.services import accounts as account_service


@pytest.fixture
def admin(make: Any, auth: Any) -> User:
    user = make.user(Role.ADMIN, name="Ada Beheer")
    db.session.commit()
    auth.login(user.email)
    return user


def shown_password(html: str) -> str | None:
    match = re.search(r'<code class="secret" id="tijdelijk-wachtwoord">([^<]+)</code>', html)
    return match.group(1) if match else None


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))


# --- Access control -----------------------------------------------------------------------------------------------

ADMIN_PAGES = [
    ("get", "/beheer/accounts"),
    ("get", "/beheer/accounts/nieuw"),
    ("post", "/beheer/accounts/nieuw"),
    ("get", "/beheer/accounts/{user}"),
    ("post", "/beheer/accounts/{user}"),
    ("post", "/beheer/accounts/{user}/wachtwoord-opnieuw"),
    ("post", "/beheer/accounts/{user}/tweestaps-opnieuw"),
    ("get", "/beheer/organisaties"),
    ("get", "/beheer/organisaties/nieuw"),
    ("post", "/beheer/organisaties/nieuw"),
    ("get", "/beheer/organisaties/{organisation}"),
    ("post", "/beheer/organisaties/{organisation}"),
]


def _path(template: str, user: User) -> str:
    return template.format(user=user.id, organisation=user.organisation_id)


@pytest.mark.parametrize(("method", "path"), ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, make: Any, method: str, path: str) -> None:
    someone = make.user(Role.REFERRER)
    db.session.commit()

    response = getattr(client, method)(_path(path, someone))

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen")


@pytest.mark.parametrize("role", [Role.REFERRER, Role.COORDINATOR])
@pytest.mark.parametrize(("method", "path"), ADMIN_PAGES)
def test_only_admins_may_use_the_admin_pages(
    client: FlaskClient, auth: Any, make: Any, role: Role, method: str, path: str
) -> None:
    user = make.user(role)
    db.session.commit()
    auth.login(user.email)

    response = getattr(client, method)(_path(path, user))

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/beheer/accounts/999999"),
        ("post", "/beheer/accounts/999999"),
        ("post", "/beheer/accounts/999999/wachtwoord-opnieuw"),
        ("post", "/beheer/accounts/999999/tweestaps-opnieuw"),
        ("get", "/beheer/organisaties/999999"),
        ("post", "/beheer/organisaties/999999"),
    ],
)
def test_unknown_ids_give_404(client: FlaskClient, admin: User, method: str, path: str) -> None:
    assert getattr(client, method)(path).status_code == 404


def test_there_is_no_staff_self_registration(client: FlaskClient) -> None:
    assert client.get("/registreren").status_code == 404


# --- Accounts -----------------------------------------------------------------------------------------------------


def test_accounts_list_shows_role_organisation_active_and_last_login(
    client: FlaskClient, make: Any, admin: User
) -> None:
    organisation = make.organisation("Rijswijk Wonen", OrganisationKind.WONEN)
    make.user(
        Role.REFERRER,
        name="Fleur Flatcoach",
        organisation=organisation,
        last_login_at=datetime(2026, 3, 2, 8, 30),
    )
    make.user(Role.COORDINATOR, name="Oud Collega", active=False)
    db.session.commit()

    response = client.get("/beheer/accounts")

    assert response.status_code == 200
    row = response.text.split("Fleur Flatcoach")[1].split("</tr>")[0]
    assert "verwijzer (partnermedewerker)" in row
    assert "Rijswijk Wonen" in row
    assert "actief" in row
    assert "2 mrt 2026 09:30" in row
    old = response.text.split("Oud Collega")[1].split("</tr>")[0]
    assert "inactief" in old
    assert "nog nooit" in old


def new_account_data(organisation: Organisation, **changes: Any) -> dict[str, Any]:
    data = {
        "name": "Fleur Flatcoach",
        "email": "Fleur@RijswijkWonen.nl",
        "role": "referrer",
        "organisation_id": str(organisation.id),
    }
    data.update(changes)
    return data


def test_new_account_is_created_with_a_temporary_password(client: FlaskClient, make: Any, admin: User) -> None:
    organisation = make.organisation("Rijswijk Wonen", OrganisationKind.WONEN)
    db.session.commit()

    response = client.post("/beheer/accounts/nieuw", data=new_account_data(organisation))

    user = user_by_email("fleur@rijswijkwonen.nl")
    assert user is not None
    assert response.status_code == 200
    assert user.email == "fleur@rijswijkwonen.nl"
    assert user.role is Role.REFERRER
    assert user.organisation_id == organisation.id
    assert user.active
    assert user.must_change_password


def test_the_temporary_password_is_shown_on_the_answer_to_the_post_and_not_cached(
    client: FlaskClient, make: Any, admin: User
) -> None:
    organisation = make.organisation()
    db.session.commit()

    created = client.post("/beheer/accounts/nieuw", data=new_account_data(organisation))

    password = shown_password(created.text)
    assert password is not None
    assert len(password) >= 12
    assert "Location" not in created.headers
    assert created.headers["Cache-Control"] == "no-store"


def test_the_temporary_password_never_travels_in_the_session_cookie(
    app: Flask, client: FlaskClient, make: Any, admin: User
) -> None:
    organisation = make.organisation()
    db.session.commit()

    created = client.post("/beheer/accounts/nieuw", data=new_account_data(organisation))

    password = shown_password(created.text)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    stored = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    assert password is not None
    assert password not in json.dumps(stored)
    assert not any("password" in key for key in stored)


def test_the_old_page_that_read_the_password_from_the_session_is_gone(
    client: FlaskClient, make: Any, admin: User
) -> None:
    colleague = make.user(Role.COORDINATOR)
    db.session.commit()

    response = client.get(f"/beheer/accounts/{colleague.id}/tijdelijk-wachtwoord")

    assert response.status_code == 404


def test_the_new_colleague_signs_in_with_the_shown_password_and_must_choose_their_own(
    client: FlaskClient, make: Any, admin: User, auth: Any
) -> None:
    organisation = make.organisation()
    db.session.commit()
    created = client.post("/beheer/accounts/nieuw", data=new_account_data(organisation))
    password = shown_password(created.text)
    auth.logout()

    response = auth.login("fleur@rijswijkwonen.nl", password)

    assert response.status_code == 302
    assert response.headers["Location"] == "/wachtwoord"
    assert client.get("/verwijzingen/").headers["Location"] == "/wachtwoord"


def test_the_temporary_password_is_stored_only_as_a_hash(client: FlaskClient, make: Any, admin: User) -> None:
    organisation = make.organisation()
    db.session.commit()
    created = client.post("/beheer/accounts/nieuw", data=new_account_data(organisation))
    password = shown_password(created.text)

    user = user_by_email("fleur@rijswijkwonen.nl")
    events = db.session.scalars(select(AuditEvent)).all()
    assert user.password_hash.startswith("$argon2")
    assert password not in user.password_hash
    assert all(password not in str(event.detail) for event in events)


def test_new_account_writes_an_audit_record(client: FlaskClient, make: Any, admin: User) -> None:
    organisation = make.organisation()
    db.session.commit()

    client.post("/beheer/accounts/nieuw", data=new_account_data(organisation))

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.created"))
    assert event.user_id == admin.id
    assert event.detail == {"role": "referrer", "organisation_id": organisation.id}


@pytest.mark.parametrize("email", ["fleur@rijswijkwonen.nl", "FLEUR@rijswijkwonen.NL", " fleur@rijswijkwonen.nl "])
def test_an_email_address_can_have_only_one_account(client: FlaskClient, make: Any, admin: User, email: str) -> None:
    organisation = make.organisation()
    make.user(Role.REFERRER, email="fleur@rijswijkwonen.nl", organisation=organisation)
    db.session.commit()

    response = client.post("/beheer/accounts/nieuw", data=new_account_data(organisation, email=email))

    assert response.status_code == 422
    assert "Er is al een account met dit e-mailadres." in response.text
    assert db.session.scalar(select(func.count(User.id))) == 2


def test_a_taken_email_address_is_reported_together_with_other_mistakes(
    client: FlaskClient, make: Any, admin: User
) -> None:
    organisation = make.organisation()
    make.user(Role.REFERRER, email="fleur@rijswijkwonen.nl", organisation=organisation)
    db.session.commit()

    response = client.post("/beheer/accounts/nieuw", data=new_account_data(organisation, role=""))

    assert response.status_code == 422
    assert "Er is al een account met dit e-mailadres." in response.text
    assert "Kies een rol." in response.text


def test_a_duplicate_caught_by_the_database_gets_the_same_message(
    client: FlaskClient, make: Any, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    organisation = make.organisation()
    make.user(Role.REFERRER, email="fleur@rijswijkwonen.nl", organisation=organisation)
    db.session.commit()
    # Two admins at the same moment: the check before the insert sees nothing, the unique index does.
    monkeypatch.setattr(account_service, "email_taken", lambda *args, **kwargs: False)

    response = client.post("/beheer/accounts/nieuw", data=new_account_data(organisation))

    assert response.status_code == 422
    assert "Er is al een account met dit e-mailadres." in response.text


def test_the_unique_index_backs_the_check(make: Any) -> None:
    organisation = make.organisation()
    make.user(email="dubbel@example.org", organisation=organisation)

    with pytest.raises(IntegrityError):
        make.user(email="dubbel@example.org", organisation=organisation)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Vul de naam in."),
        ({"email": ""}, "Vul het e-mailadres in."),
        ({"email": "fleur-at-rijswijkwonen"}, "Vul een e-mailadres in zoals naam@voorbeeld.nl."),
        ({"role": ""}, "Kies een rol."),
        ({"role": "superuser"}, "Ongeldige keuze"),
        ({"organisation_id": ""}, "Kies een organisatie."),
        ({"organisation_id": "999999"}, "Ongeldige keuze"),
    ],
)
def test_invalid_new_account_is_refused_with_a_clear_message(
    client: FlaskClient, make: Any, admin: User, changes: dict[str, Any], message: str
) -> None:
    organisation = make.organisation()
    db.session.commit()

    response = client.post("/beheer/accounts/nieuw", data=new_account_data(organisation, **changes))

    assert response.status_code == 422
    assert message in response.text
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_invalid_new_account_keeps_what_was_typed(client: FlaskClient, make: Any, admin: User) -> None:
    organisation = make.organisation()
    db.session.commit()

    response = client.post("/beheer/accounts/nieuw", data=new_account_data(organisation, name=""))

    assert 'value="Fleur@RijswijkWonen.nl"' in response.text


def test_an_inactive_organisation_is_not_offered_for_new_accounts(client: FlaskClient, make: Any, admin: User) -> None:
    closed = make.organisation("Opgeheven Stichting")
    closed.active = False
    db.session.commit()

    page = client.get("/beheer/accounts/nieuw")
    response = client.post("/beheer/accounts/nieuw", data=new_account_data(closed))

    assert "Opgeheven Stichting" not in page.text
    assert response.status_code == 422
    assert user_by_email("fleur@rijswijkwonen.nl") is None


def test_account_role_organisation_and_active_can_be_changed(client: FlaskClient, make: Any, admin: User) -> None:
    organisation = make.organisation("Vidomes", OrganisationKind.WONEN)
    colleague = make.user(Role.REFERRER, name="Fleur Flatcoach")
    db.session.commit()

    response = client.post(
        f"/beheer/accounts/{colleague.id}",
        data={
            "name": "Fleur de Flatcoach",
            "role": "coordinator",
            "organisation_id": str(organisation.id),
            "access_reason": "Coördineert het buurtproject in de Bomenbuurt",
        },
    )

    assert response.status_code == 302
    saved = user_by_email(colleague.email)
    assert saved.name == "Fleur de Flatcoach"
    assert saved.role is Role.COORDINATOR
    assert saved.organisation_id == organisation.id
    assert not saved.active


def test_the_edit_form_shows_the_current_values(client: FlaskClient, make: Any, admin: User) -> None:
    colleague = make.user(Role.REFERRER, name="Fleur Flatcoach")
    db.session.commit()

    response = client.get(f"/beheer/accounts/{colleague.id}")

    assert 'value="Fleur Flatcoach"' in response.text
    assert '<option selected value="referrer">' in response.text
    assert 'checked id="active"' in response.text


def test_a_deactivated_account_can_no_longer_sign_in(client: FlaskClient, make: Any, admin: User, auth: Any) -> None:
    colleague = make.user(Role.COORDINATOR)
    db.session.commit()
    client.post(
        f"/beheer/accounts/{colleague.id}",
        data={"name": colleague.name, "role": "coordinator", "organisation_id": str(colleague.organisation_id)},
    )
    auth.logout()

    response = auth.login(colleague.email)

    assert response.status_code == 422
    assert "Deze combinatie van e-mailadres en wachtwoord kennen we niet." in response.text


def test_an_admin_cannot_deactivate_themselves(client: FlaskClient, admin: User) -> None:
    response = client.post(
        f"/beheer/accounts/{admin.id}",
        data={"name": admin.name, "role": "admin", "organisation_id": str(admin.organisation_id)},
    )

    assert response.status_code == 422
    assert "U kunt uw eigen account niet op inactief zetten." in response.text
    assert user_by_email(admin.email).active


def test_an_admin_cannot_demote_themselves(client: FlaskClient, admin: User) -> None:
    response = client.post(
        f"/beheer/accounts/{admin.id}",
        data={"name": admin.name, "role": "coordinator", "organisation_id": str(admin.organisation_id), "active": "y"},
    )

    assert response.status_code == 422
    assert "U kunt uw eigen rol niet wijzigen" in response.text
    assert user_by_email(admin.email).role is Role.ADMIN


def test_an_admin_may_rename_themselves(client: FlaskClient, admin: User) -> None:
    response = client.post(
        f"/beheer/accounts/{admin.id}",
        data={"name": "Ada B.", "role": "admin", "organisation_id": str(admin.organisation_id), "active": "y"},
    )

    assert response.status_code == 302
    assert user_by_email(admin.email).name == "Ada B."


def test_an_admin_may_deactivate_another_admin(client: FlaskClient, make: Any, admin: User) -> None:
    other = make.user(Role.ADMIN)
    db.session.commit()

    response = client.post(
        f"/beheer/accounts/{other.id}",
        data={"name": other.name, "role": "admin", "organisation_id": str(other.organisation_id)},
    )

    assert response.status_code == 302
    assert not user_by_email(other.email).active


def test_invalid_account_change_is_refused(client: FlaskClient, make: Any, admin: User) -> None:
    colleague = make.user(Role.REFERRER)
    db.session.commit()

    response = client.post(
        f"/beheer/accounts/{colleague.id}",
        data={"name": "", "role": "referrer", "organisation_id": str(colleague.organisation_id), "active": "y"},
    )

    assert response.status_code == 422
    assert "Vul de naam in." in response.text


def test_a_password_reset_shows_a_new_temporary_password_once(
    client: FlaskClient, make: Any, admin: User, auth: Any
) -> None:
    colleague = make.user(Role.COORDINATOR)
    db.session.commit()

    response = client.post(f"/beheer/accounts/{colleague.id}/wachtwoord-opnieuw")
    password = shown_password(response.text)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert password is not None
    assert user_by_email(colleague.email).must_change_password
    auth.logout()
    assert "kennen we niet" in auth.login(colleague.email).text
    assert auth.login(colleague.email, password).headers["Location"] == "/wachtwoord"


def test_an_admin_resets_their_own_password_through_the_normal_page(client: FlaskClient, admin: User) -> None:
    response = client.post(f"/beheer/accounts/{admin.id}/wachtwoord-opnieuw", follow_redirects=True)

    assert "Uw eigen wachtwoord wijzigt u via" in response.text
    assert not user_by_email(admin.email).must_change_password


def test_a_password_reset_writes_an_audit_record(client: FlaskClient, make: Any, admin: User) -> None:
    colleague = make.user(Role.COORDINATOR)
    db.session.commit()

    client.post(f"/beheer/accounts/{colleague.id}/wachtwoord-opnieuw")

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.password_reset"))
    assert event.subject_id == colleague.id
    assert event.detail == {}


def test_generated_passwords_are_long_and_differ() -> None:
    passwords = {account_service.generate_temporary_password() for _ in range(50)}

    assert len(passwords) == 50
    assert all(len(p) >= 20 for p in passwords)


# --- Organisations ------------------------------------------------------------------------------------------------


def test_organisations_are_listed_with_kind_and_active_accounts(client: FlaskClient, make: Any, admin: User) -> None:
    organisation = make.organisation("Vidomes", OrganisationKind.WONEN)
    make.user(Role.REFERRER, organisation=organisation)
    make.user(Role.REFERRER, organisation=organisation, active=False)
    db.session.commit()

    response = client.get("/beheer/organisaties")

    row = response.text.split("Vidomes")[1].split("</tr>")[0]
    assert "woningcorporatie" in row
    assert re.search(r'class="num">1<', row)


def test_a_new_organisation_is_added(client: FlaskClient, admin: User) -> None:
    response = client.post("/beheer/organisaties/nieuw", data={"name": " Bibliotheek Rijswijk ", "kind": "bibliotheek"})

    assert response.status_code == 302
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Bibliotheek Rijswijk"))
    assert organisation.kind is OrganisationKind.BIBLIOTHEEK
    assert organisation.active


@pytest.mark.parametrize("name", ["Vidomes", "VIDOMES", " vidomes "])
def test_organisation_names_are_unique(client: FlaskClient, make: Any, admin: User, name: str) -> None:
    make.organisation("Vidomes", OrganisationKind.WONEN)
    db.session.commit()

    response = client.post("/beheer/organisaties/nieuw", data={"name": name, "kind": "woningcorporatie"})

    assert response.status_code == 422
    assert "Er is al een organisatie met deze naam." in response.text


def test_a_duplicate_organisation_caught_by_the_database_gets_the_same_message(
    client: FlaskClient, make: Any, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    make.organisation("Vidomes", OrganisationKind.WONEN)
    db.session.commit()
    monkeypatch.setattr(account_service, "organisation_name_taken", lambda *args, **kwargs: False)

    response = client.post("/beheer/organisaties/nieuw", data={"name": "Vidomes", "kind": "woningcorporatie"})

    assert response.status_code == 422
    assert "Er is al een organisatie met deze naam." in response.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "kind": "zorg"}, "Vul de naam van de organisatie in."),
        ({"name": "x" * 121, "kind": "zorg"}, "Maximaal 120 tekens."),
        ({"name": "Florence", "kind": ""}, "Kies de soort."),
        ({"name": "Florence", "kind": "ziekenhuis"}, "Ongeldige keuze"),
    ],
)
def test_invalid_organisation_is_refused(client: FlaskClient, admin: User, data: dict[str, str], message: str) -> None:
    response = client.post("/beheer/organisaties/nieuw", data=data)

    assert response.status_code == 422
    assert message in response.text


def test_an_organisation_can_be_renamed_and_deactivated(client: FlaskClient, make: Any, admin: User) -> None:
    organisation = make.organisation("Florence", OrganisationKind.ZORG)
    db.session.commit()

    response = client.post(f"/beheer/organisaties/{organisation.id}", data={"name": "Florence Zorg", "kind": "zorg"})

    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Organisation, organisation.id)
    assert saved.name == "Florence Zorg"
    assert not saved.active


def test_an_organisation_may_keep_its_own_name(client: FlaskClient, make: Any, admin: User) -> None:
    organisation = make.organisation("Florence", OrganisationKind.ZORG)
    db.session.commit()

    response = client.post(
        f"/beheer/organisaties/{organisation.id}", data={"name": "Florence", "kind": "welzijn", "active": "y"}
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).kind is OrganisationKind.WELZIJN


def test_an_organisation_cannot_take_another_ones_name(client: FlaskClient, make: Any, admin: User) -> None:
    make.organisation("Vidomes", OrganisationKind.WONEN)
    organisation = make.organisation("Florence", OrganisationKind.ZORG)
    db.session.commit()

    response = client.post(
        f"/beheer/organisaties/{organisation.id}", data={"name": "vidomes", "kind": "zorg", "active": "y"}
    )

    assert response.status_code == 422
    assert "Er is al een organisatie met deze naam." in response.text


def test_the_organisation_form_shows_the_current_values(client: FlaskClient, make: Any, admin: User) -> None:
    organisation = make.organisation("Florence", OrganisationKind.ZORG)
    db.session.commit()

    response = client.get(f"/beheer/organisaties/{organisation.id}")

    assert 'value="Florence"' in response.text
    assert '<option selected value="zorg">' in response.text


# --- Sensitive roles outside the controlling organisation --------------------------------------------------------

REASON = "Coördineert het buurtproject in de Bomenbuurt"


def test_the_account_form_explains_when_a_reason_is_needed(client: FlaskClient, admin: User) -> None:
    response = client.get("/beheer/accounts/nieuw")

    assert 'name="access_reason"' in response.text
    assert "Alleen nodig voor een coördinator of beheerder van een andere organisatie dan Welzijn Rijswijk" in (
        response.text
    )
    assert "Welzijn Rijswijk (verwerkingsverantwoordelijke)" in response.text


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_a_sensitive_role_for_a_partner_needs_a_reason(client: FlaskClient, make: Any, admin: User, role: str) -> None:
    organisation = make.organisation("Rijswijk Wonen", OrganisationKind.WONEN)
    db.session.commit()

    response = client.post("/beheer/accounts/nieuw", data=new_account_data(organisation, role=role))

    assert response.status_code == 422
    assert "Let op: Rijswijk Wonen is niet Welzijn Rijswijk." in response.text
    assert user_by_email("fleur@rijswijkwonen.nl") is None


def test_a_reason_of_a_few_letters_is_not_enough(client: FlaskClient, make: Any, admin: User) -> None:
    organisation = make.organisation("Rijswijk Wonen", OrganisationKind.WONEN)
    db.session.commit()

    response = client.post(
        "/beheer/accounts/nieuw", data=new_account_data(organisation, role="coordinator", access_reason="ok")
    )

    assert response.status_code == 422
    assert user_by_email("fleur@rijswijkwonen.nl") is None


def test_with_a_reason_the_partners_coordinator_is_confirmed(client: FlaskClient, make: Any, admin: User) -> None:
    organisation = make.organisation("Rijswijk Wonen", OrganisationKind.WONEN)
    db.session.commit()

    response = client.post(
        "/beheer/accounts/nieuw", data=new_account_data(organisation, role="coordinator", access_reason=REASON)
    )

    user = user_by_email("fleur@rijswijkwonen.nl")
    assert response.status_code == 200
    assert user.sensitive_access_reason == REASON
    assert user.sensitive_access_confirmed_by_id == admin.id
    assert user.sensitive_access_confirmed_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == account_service.SENSITIVE_ACCESS_CONFIRMED))
    assert event.detail == {"role": "coordinator", "organisation_id": organisation.id}


def test_the_controllers_coordinators_need_no_reason(client: FlaskClient, make: Any, admin: User) -> None:
    response = client.post(
        "/beheer/accounts/nieuw", data=new_account_data(admin.organisation, role="coordinator", email="c@w.nl")
    )

    assert response.status_code == 200
    assert user_by_email("c@w.nl").sensitive_access_confirmed_at is None


def test_giving_a_referrer_a_sensitive_role_at_a_partner_needs_a_reason(
    client: FlaskClient, make: Any, admin: User
) -> None:
    colleague = make.user(Role.REFERRER, organisation=make.organisation("Vidomes", OrganisationKind.WONEN))
    db.session.commit()
    data = {"name": colleague.name, "role": "coordinator", "organisation_id": str(colleague.organisation_id)}

    refused = client.post(f"/beheer/accounts/{colleague.id}", data={**data, "active": "y"})

    assert refused.status_code == 422
    assert "is niet Welzijn Rijswijk" in refused.text
    assert user_by_email(colleague.email).role is Role.REFERRER


def test_moving_a_confirmed_account_to_another_partner_needs_a_new_reason(
    client: FlaskClient, make: Any, admin: User
) -> None:
    organisation = make.organisation("Rijswijk Wonen", OrganisationKind.WONEN)
    other = make.organisation("Vidomes", OrganisationKind.WONEN)
    db.session.commit()
    client.post("/beheer/accounts/nieuw", data=new_account_data(organisation, role="coordinator", access_reason=REASON))
    user = user_by_email("fleur@rijswijkwonen.nl")

    response = client.post(
        f"/beheer/accounts/{user.id}",
        data={"name": user.name, "role": "coordinator", "organisation_id": str(other.id), "active": "y"},
    )

    assert response.status_code == 422
    assert user_by_email(user.email).organisation_id == organisation.id


def test_an_edit_of_a_confirmed_account_keeps_its_confirmation(client: FlaskClient, make: Any, admin: User) -> None:
    organisation = make.organisation("Rijswijk Wonen", OrganisationKind.WONEN)
    db.session.commit()
    client.post("/beheer/accounts/nieuw", data=new_account_data(organisation, role="coordinator", access_reason=REASON))
    user = user_by_email("fleur@rijswijkwonen.nl")

    response = client.post(
        f"/beheer/accounts/{user.id}",
        data={"name": "Fleur F.", "role": "coordinator", "organisation_id": str(organisation.id), "active": "y"},
    )

    assert response.status_code == 302
    assert user_by_email(user.email).sensitive_access_reason == REASON


def test_the_edit_form_never_carries_the_stored_reason(client: FlaskClient, make: Any, admin: User) -> None:
    organisation = make.organisation("Rijswijk Wonen", OrganisationKind.WONEN)
    db.session.commit()
    client.post("/beheer/accounts/nieuw", data=new_account_data(organisation, role="coordinator", access_reason=REASON))
    user = user_by_email("fleur@rijswijkwonen.nl")

    response = client.get(f"/beheer/accounts/{user.id}")

    textarea = response.text.split('name="access_reason"')[1].split("</textarea>")[0]
    assert REASON not in textarea
    assert f"bevestigd door {admin.name}" in response.text


def test_making_a_confirmed_coordinator_a_referrer_removes_the_confirmation(
    client: FlaskClient, make: Any, admin: User
) -> None:
    organisation = make.organisation("Rijswijk Wonen", OrganisationKind.WONEN)
    db.session.commit()
    client.post("/beheer/accounts/nieuw", data=new_account_data(organisation, role="coordinator", access_reason=REASON))
    user = user_by_email("fleur@rijswijkwonen.nl")

    client.post(
        f"/beheer/accounts/{user.id}",
        data={"name": user.name, "role": "referrer", "organisation_id": str(organisation.id), "active": "y"},
    )

    saved = user_by_email(user.email)
    assert saved.sensitive_access_confirmed_at is None
    assert saved.sensitive_access_reason == ""


def test_an_unconfirmed_account_is_marked_in_the_list_and_on_its_page(
    client: FlaskClient, make: Any, admin: User
) -> None:
    colleague = make.user(
        Role.COORDINATOR, name="Piet Partner", organisation=make.organisation("Vidomes", OrganisationKind.WONEN)
    )
    db.session.commit()

    listing = client.get("/beheer/accounts").text
    page = client.get(f"/beheer/accounts/{colleague.id}").text

    assert "toegang niet bevestigd" in listing.split("Piet Partner")[1].split("</tr>")[0]
    assert "nog geen bevestigde toegang" in page


def test_deactivating_an_unconfirmed_account_needs_no_reason(client: FlaskClient, make: Any, admin: User) -> None:
    colleague = make.user(Role.COORDINATOR, organisation=make.organisation("Vidomes", OrganisationKind.WONEN))
    db.session.commit()

    response = client.post(
        f"/beheer/accounts/{colleague.id}",
        data={"name": colleague.name, "role": "coordinator", "organisation_id": str(colleague.organisation_id)},
    )

    assert response.status_code == 302
    assert not user_by_email(colleague.email).active


# --- Role and organisation changes are recorded -------------------------------------------------------------------


def test_a_role_change_is_recorded(client: FlaskClient, make: Any, admin: User) -> None:
    colleague = make.user(Role.COORDINATOR)
    db.session.commit()

    client.post(
        f"/beheer/accounts/{colleague.id}",
        data={
            "name": colleague.name,
            "role": "admin",
            "organisation_id": str(colleague.organisation_id),
            "active": "y",
        },
    )

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == account_service.ROLE_CHANGED))
    assert (event.user_id, event.subject_id) == (admin.id, colleague.id)
    assert event.detail == {"from": "coordinator", "to": "admin"}


def test_an_organisation_change_is_recorded(client: FlaskClient, make: Any, admin: User) -> None:
    colleague = make.user(Role.REFERRER)
    other = make.organisation("Vidomes", OrganisationKind.WONEN)
    db.session.commit()
    before = colleague.organisation_id

    client.post(
        f"/beheer/accounts/{colleague.id}",
        data={"name": colleague.name, "role": "referrer", "organisation_id": str(other.id), "active": "y"},
    )

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == account_service.ORGANISATION_CHANGED))
    assert event.subject_id == colleague.id
    assert event.detail == {"from": before, "to": other.id}


def test_an_admin_cannot_deactivate_their_own_organisation(client: FlaskClient, admin: User) -> None:
    organisation = admin.organisation

    response = client.post(
        f"/beheer/organisaties/{organisation.id}", data={"name": organisation.name, "kind": organisation.kind.value}
    )

    db.session.expire_all()
    assert response.status_code == 422
    assert "U kunt uw eigen organisatie niet op inactief zetten" in response.text
    assert db.session.get(Organisation, organisation.id).active


def test_deactivating_an_organisation_signs_its_staff_out(
    app: Flask, client: FlaskClient, make: Any, admin: User
) -> None:
    organisation = make.organisation("Florence", OrganisationKind.ZORG)
    colleague = make.user(Role.REFERRER, organisation=organisation)
    db.session.commit()
    colleague_browser = app.test_client()
    AuthActions(colleague_browser).login(colleague.email)

    client.post(f"/beheer/organisaties/{organisation.id}", data={"name": "Florence", "kind": "zorg"})

    assert colleague_browser.get("/verwijzingen/").headers["Location"].startswith("/inloggen")


def test_a_partners_admin_cannot_deactivate_the_controller(client: FlaskClient, make: Any, auth: Any) -> None:
    controller = make.controller()
    partner_admin = make.user(
        Role.ADMIN,
        organisation=make.organisation("Vidomes", OrganisationKind.WONEN),
        sensitive_access_reason="Beheert de accounts van de partners",
        sensitive_access_confirmed_at=datetime(2026, 1, 5, 9, 0),
    )
    db.session.commit()
    auth.login_as(partner_admin)

    response = client.post(f"/beheer/organisaties/{controller.id}", data={"name": controller.name, "kind": "welzijn"})

    db.session.expire_all()
    assert response.status_code == 422
    assert "is de verwerkingsverantwoordelijke en blijft actief" in response.text
    assert db.session.get(Organisation, controller.id).active


def test_the_reason_is_asked_together_with_other_mistakes(client: FlaskClient, make: Any, admin: User) -> None:
    organisation = make.organisation("Rijswijk Wonen", OrganisationKind.WONEN)
    db.session.commit()

    response = client.post(
        "/beheer/accounts/nieuw", data=new_account_data(organisation, role="coordinator", email="fleur-at-wonen")
    )

    assert response.status_code == 422
    assert "Vul een e-mailadres in zoals naam@voorbeeld.nl." in response.text
    assert "Let op: Rijswijk Wonen is niet Welzijn Rijswijk." in response.text
