"""Staff sign-in, sign-out, safe redirects, choosing one's own password, what sign-in records, and who may see
residents' data (the controlling organisation's staff, or staff an admin confirmed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from tests.webapp.conftest import AuthActions
from tests.webapp.factories import PASSWORD, Factories
from webapp.extensions import db
from webapp.models import AuditEvent, Organisation, OrganisationKind, Role, User
from webapp.services import accounts


def test_coordinator_signs_in_and_lands_on_the_dashboard(
    client: FlaskClient, auth: AuthActions, make: Factories
) -> None:
    user = make.user(Role.COORDINATOR)
    make.session.commit()

    response = auth.login(user.email)

    assert response.status_code == 302
    assert response.headers["Location"] == "/coordinatie"


def test_referrer_lands_on_their_referrals(client: FlaskClient, auth: AuthActions, make: Factories) -> None:
    user = make.user(Role.REFERRER)
    make.session.commit()

    response = auth.login(user.email)

    assert response.headers["Location"] == "/verwijzingen/"


def test_email_is_matched_without_regard_to_case(client: FlaskClient, auth: AuthActions, make: Factories) -> None:
    make.user(Role.COORDINATOR, email="carla@example.org")
    make.session.commit()

    response = auth.login("  Carla@Example.ORG ")

    assert response.status_code == 302


@pytest.mark.parametrize("email", ["carla@example.org", "nobody@example.org"])
def test_wrong_password_or_unknown_address_gives_the_same_message(
    client: FlaskClient, auth: AuthActions, make: Factories, email: str
) -> None:
    make.user(Role.COORDINATOR, email="carla@example.org")
    make.session.commit()

    response = auth.login(email, "wrong password here")

    assert response.status_code == 422
    assert "Deze combinatie van e-mailadres en wachtwoord kennen we niet." in response.text


def test_inactive_account_cannot_sign_in(client: FlaskClient, auth: AuthActions, make: Factories) -> None:
    user = make.user(Role.COORDINATOR, active=False)
    make.session.commit()

    response = auth.login(user.email)

    assert response.status_code == 422


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]
)
def test_next_never_leaves_the_site(client: FlaskClient, make: Factories, target: str) -> None:
    user = make.user(Role.COORDINATOR)
    make.session.commit()

    response = client.post(f"/inloggen?next={target}", data={"email": user.email, "password": PASSWORD})

    assert response.headers["Location"] == "/coordinatie"


def test_next_returns_to_the_page_that_asked_for_sign_in(client: FlaskClient, make: Factories) -> None:
    user = make.user(Role.COORDINATOR)
    make.session.commit()

    response = client.post("/inloggen?next=/wachtlijst", data={"email": user.email, "password": PASSWORD})

    assert response.headers["Location"] == "/wachtlijst"


def test_temporary_password_must_be_replaced_before_anything_else(
    client: FlaskClient, auth: AuthActions, make: Factories
) -> None:
    user = make.user(Role.COORDINATOR, must_change_password=True)
    make.session.commit()
    auth.login(user.email)

    response = client.get("/coordinatie")

    assert response.status_code == 302
    assert response.headers["Location"] == "/wachtwoord"


def test_choosing_a_new_password_lets_the_user_in(client: FlaskClient, auth: AuthActions, make: Factories) -> None:
    user = make.user(Role.COORDINATOR, must_change_password=True)
    make.session.commit()
    auth.login(user.email)

    response = client.post(
        "/wachtwoord",
        data={"current": PASSWORD, "new": "een lange nieuwe zin", "repeat": "een lange nieuwe zin"},
    )

    assert response.headers["Location"] == "/coordinatie"
    assert client.get("/coordinatie").status_code == 200


@pytest.mark.parametrize(
    ("new", "repeat", "message"),
    [
        ("kort", "kort", "Kies minstens 12 tekens."),
        ("een lange nieuwe zin", "een andere zin hier", "De twee wachtwoorden zijn niet gelijk."),
        (PASSWORD, PASSWORD, "Kies een ander wachtwoord dan het huidige."),
    ],
)
def test_new_password_is_checked(
    client: FlaskClient, auth: AuthActions, make: Factories, new: str, repeat: str, message: str
) -> None:
    user = make.user(Role.COORDINATOR, must_change_password=True)
    make.session.commit()
    auth.login(user.email)

    response = client.post("/wachtwoord", data={"current": PASSWORD, "new": new, "repeat": repeat})

    assert response.status_code == 422
    assert message in response.text


def test_sign_out_ends_the_session(client: FlaskClient, auth: AuthActions, make: Factories) -> None:
    user = make.user(Role.COORDINATOR)
    make.session.commit()
    auth.login(user.email)

    auth.logout()

    assert client.get("/coordinatie").status_code == 302


# -- what sign-in records ------------------------------------------------------------------------------------------


def audit_events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_a_sign_in_is_recorded(client: FlaskClient, auth: AuthActions, make: Factories) -> None:
    user = make.user(Role.COORDINATOR)
    make.session.commit()

    auth.login(user.email)

    [event] = audit_events(accounts.LOGIN)
    assert (event.user_id, event.subject_type, event.subject_id) == (user.id, "user", user.id)
    assert event.detail == {"method": "password"}


@pytest.mark.parametrize(
    ("email", "password", "reason"),
    [
        ("carla@example.org", "wrong password here", "password"),
        ("nobody@example.org", "wrong password here", "unknown_account"),
    ],
)
def test_a_failed_sign_in_is_recorded_without_what_was_typed(
    client: FlaskClient, auth: AuthActions, make: Factories, email: str, password: str, reason: str
) -> None:
    user = make.user(Role.COORDINATOR, email="carla@example.org")
    make.session.commit()

    auth.login(email, password)

    [event] = audit_events(accounts.LOGIN_FAILED)
    assert event.user_id is None
    assert event.subject_id == (user.id if reason == "password" else None)
    assert event.detail == {"reason": reason}
    assert password not in str(event.detail)
    assert email not in str(event.detail)


def test_a_sign_out_is_recorded(client: FlaskClient, auth: AuthActions, make: Factories) -> None:
    user = make.user(Role.COORDINATOR)
    make.session.commit()
    auth.login(user.email)

    auth.logout()

    [event] = audit_events(accounts.LOGOUT)
    assert (event.user_id, event.subject_id) == (user.id, user.id)


def test_a_password_change_is_recorded_with_its_time(client: FlaskClient, auth: AuthActions, make: Factories) -> None:
    user = make.user(Role.COORDINATOR)
    make.session.commit()
    auth.login(user.email)
    new = "een lange nieuwe zin"

    client.post("/wachtwoord", data={"current": PASSWORD, "new": new, "repeat": new})

    [event] = audit_events(accounts.PASSWORD_CHANGED)
    db.session.expire_all()
    assert event.subject_id == user.id
    assert new not in str(event.detail)
    assert db.session.get(User, user.id).password_changed_at is not None


def test_a_wrong_current_password_changes_nothing(client: FlaskClient, auth: AuthActions, make: Factories) -> None:
    user = make.user(Role.COORDINATOR)
    make.session.commit()
    auth.login(user.email)
    old_hash = user.password_hash

    response = client.post(
        "/wachtwoord",
        data={"current": "niet mijn wachtwoord", "new": "een lange nieuwe zin", "repeat": "een lange nieuwe zin"},
    )

    db.session.expire_all()
    assert response.status_code == 422
    assert "Dit is niet uw huidige wachtwoord." in response.text
    assert db.session.get(User, user.id).password_hash == old_hash
    assert client.get("/coordinatie").status_code == 200


def test_a_hash_with_old_parameters_is_upgraded_at_sign_in(
    client: FlaskClient, auth: AuthActions, make: Factories
) -> None:
    from argon2 import PasswordHasher

    user = make.user(Role.COORDINATOR)
    old = PasswordHasher(time_cost=1, memory_cost=32, parallelism=1).hash(PASSWORD)
    user.password_hash = old
    make.session.commit()

    auth.login(user.email)

    db.session.expire_all()
    stored = db.session.get(User, user.id).password_hash
    assert stored != old
    assert PasswordHasher().verify(stored, PASSWORD)


# -- organisations ---------------------------------------------------------------------------------------------


def test_staff_of_a_deactivated_organisation_are_refused_with_a_clear_message(
    client: FlaskClient, auth: AuthActions, make: Factories
) -> None:
    organisation = make.organisation("Opgeheven Stichting", OrganisationKind.ZORG, active=False)
    user = make.user(Role.REFERRER, organisation=organisation)
    make.session.commit()

    response = auth.login(user.email)

    assert response.status_code == 422
    assert "Uw organisatie is niet meer actief; neem contact op met Welzijn Rijswijk." in response.text
    assert client.get("/verwijzingen/").status_code == 302
    [event] = audit_events(accounts.LOGIN_FAILED)
    assert event.detail == {"reason": "organisation_inactive"}


def test_a_wrong_password_at_a_deactivated_organisation_reveals_nothing(
    client: FlaskClient, auth: AuthActions, make: Factories
) -> None:
    organisation = make.organisation("Opgeheven Stichting", OrganisationKind.ZORG, active=False)
    user = make.user(Role.REFERRER, organisation=organisation)
    make.session.commit()

    response = auth.login(user.email, "wrong password here")

    assert "Deze combinatie van e-mailadres en wachtwoord kennen we niet." in response.text
    assert "niet meer actief" not in response.text


# -- sensitive roles outside the controlling organisation ------------------------------------------------------


def partner_account(make: Factories, role: Role, **fields: Any) -> User:
    organisation = make.organisation("Rijswijk Wonen", OrganisationKind.WONEN)
    user = make.user(role, organisation=organisation, **fields)
    make.session.commit()
    return user


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_a_partners_coordinator_or_admin_without_confirmation_gets_a_page_that_says_why(
    client: FlaskClient, auth: AuthActions, make: Factories, role: Role
) -> None:
    user = partner_account(make, role)
    auth.login(user.email)

    response = client.get("/coordinatie")

    assert response.status_code == 403
    assert "Geen toegang tot de gegevens van bewoners" in response.text
    assert "Rijswijk Wonen" in response.text
    assert "Welzijn Rijswijk" in response.text
    assert "nog niet gebeurd" in response.text


def test_a_partners_coordinator_whose_access_was_confirmed_may_coordinate(
    client: FlaskClient, auth: AuthActions, make: Factories
) -> None:
    admin = make.user(Role.ADMIN)
    user = partner_account(
        make,
        Role.COORDINATOR,
        sensitive_access_reason="Coördineert het buurtproject",
        sensitive_access_confirmed_by_id=admin.id,
        sensitive_access_confirmed_at=datetime(2026, 1, 5, 9, 0),
    )
    auth.login(user.email)

    assert client.get("/coordinatie").status_code == 200


def test_the_controllers_coordinators_need_no_confirmation(as_coordinator: FlaskClient, coordinator: User) -> None:
    assert coordinator.organisation.is_controller
    assert as_coordinator.get("/coordinatie").status_code == 200


def test_a_partners_referrer_is_not_a_sensitive_role(client: FlaskClient, auth: AuthActions, make: Factories) -> None:
    user = partner_account(make, Role.REFERRER)
    auth.login(user.email)

    assert client.get("/verwijzingen/").status_code == 200


def test_an_unconfirmed_partner_account_may_still_change_its_password(
    client: FlaskClient, auth: AuthActions, make: Factories
) -> None:
    user = partner_account(make, Role.COORDINATOR)
    auth.login(user.email)

    assert client.get("/wachtwoord").status_code == 200


def test_create_admin_makes_welzijn_rijswijk_the_controller(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["samen", "create-admin", "--email", "beheer@welzijn.example", "--name", "Bea"],
        input="een lang wachtwoord\neen lang wachtwoord\n",
    )

    assert result.exit_code == 0, result.output
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Welzijn Rijswijk"))
    assert organisation.is_controller


def test_create_admin_leaves_an_existing_controller_alone(runner: FlaskCliRunner, make: Factories) -> None:
    controller = make.controller()
    make.session.commit()

    runner.invoke(
        args=["samen", "create-admin", "--email", "b@gemeente.example", "--name", "Bea", "--organisation", "Gemeente"],
        input="een lang wachtwoord\neen lang wachtwoord\n",
    )

    gemeente = db.session.scalar(select(Organisation).where(Organisation.name == "Gemeente"))
    assert not gemeente.is_controller
    assert db.session.get(Organisation, controller.id).is_controller
