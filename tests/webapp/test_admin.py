"""Administration: staff accounts (temporary passwords, roles, deactivation) and partner organisations."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

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
    ("get", "/beheer/accounts/{user}/tijdelijk-wachtwoord"),
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
        ("get", "/beheer/accounts/999999/tijdelijk-wachtwoord"),
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
    assert response.status_code == 302
    assert response.headers["Location"] == f"/beheer/accounts/{user.id}/tijdelijk-wachtwoord"
    assert user.email == "fleur@rijswijkwonen.nl"
    assert user.role is Role.REFERRER
    assert user.organisation_id == organisation.id
    assert user.active
    assert user.must_change_password


def test_the_temporary_password_is_shown_once_and_never_in_a_url(client: FlaskClient, make: Any, admin: User) -> None:
    organisation = make.organisation()
    db.session.commit()

    created = client.post("/beheer/accounts/nieuw", data=new_account_data(organisation))
    first = client.get(created.headers["Location"])
    second = client.get(created.headers["Location"])

    password = shown_password(first.text)
    assert password is not None
    assert len(password) >= 12
    assert password not in created.headers["Location"]
    assert first.headers["Cache-Control"] == "no-store"
    assert shown_password(second.text) is None
    assert "Het tijdelijke wachtwoord is al getoond" in second.text


def test_the_new_colleague_signs_in_with_the_shown_password_and_must_choose_their_own(
    client: FlaskClient, make: Any, admin: User, auth: Any
) -> None:
    organisation = make.organisation()
    db.session.commit()
    created = client.post("/beheer/accounts/nieuw", data=new_account_data(organisation))
    password = shown_password(client.get(created.headers["Location"]).text)
    auth.logout()

    response = auth.login("fleur@rijswijkwonen.nl", password)

    assert response.status_code == 302
    assert response.headers["Location"] == "/wachtwoord"
    assert client.get("/verwijzingen/").headers["Location"] == "/wachtwoord"


def test_the_temporary_password_is_stored_only_as_a_hash(client: FlaskClient, make: Any, admin: User) -> None:
    organisation = make.organisation()
    db.session.commit()
    created = client.post("/beheer/accounts/nieuw", data=new_account_data(organisation))
    password = shown_password(client.get(created.headers["Location"]).text)

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
        data={"name": "Fleur de Flatcoach", "role": "coordinator", "organisation_id": str(organisation.id)},
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
    password = shown_password(client.get(response.headers["Location"]).text)

    assert response.status_code == 302
    assert password is not None
    assert shown_password(client.get(response.headers["Location"]).text) is None
    assert user_by_email(colleague.email).must_change_password
    auth.logout()
    assert "kennen we niet" in auth.login(colleague.email).text
    assert auth.login(colleague.email, password).headers["Location"] == "/wachtwoord"


def test_a_password_shown_for_one_account_is_not_shown_for_another(client: FlaskClient, make: Any, admin: User) -> None:
    colleague = make.user(Role.COORDINATOR)
    other = make.user(Role.COORDINATOR)
    db.session.commit()

    client.post(f"/beheer/accounts/{colleague.id}/wachtwoord-opnieuw")
    response = client.get(f"/beheer/accounts/{other.id}/tijdelijk-wachtwoord")

    assert shown_password(response.text) is None


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
