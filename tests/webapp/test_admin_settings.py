"""Matching settings per programme and the reason lists, managed by admins (/beheer/programmas, /beheer/redenen)."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from tests.webapp.factories import today
from tests.webapp.runs_helpers import run_engine
from webapp import convert
from webapp.enums import INTRODUCTION_CANCELLED, NO_CLICK_AT_INTRODUCTION
from webapp.extensions import db
from webapp.models import AuditEvent, EndReason, Programme, Proposal, ProposalStatus, RejectionReason, Role, User
from webapp.services import matches, settings
from webapp.services.errors import Conflict

# --- helpers ------------------------------------------------------------------------------------------------------


@pytest.fixture
def admin(make: Any, auth: Any) -> User:
    """An admin, committed and signed in on ``client``."""
    user = make.user(Role.ADMIN, name="Ada Beheer")
    db.session.commit()
    auth.login_as(user)
    return user


def shown_field(page: str) -> str:
    """The hidden field with the values the form showed, as the browser would send it back."""
    found = re.search(r'name="shown"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="shown"', page)
    assert found, "the form has no 'shown' field"
    return html.unescape(found.group(1) or found.group(2))


def programme_form(client: FlaskClient, code: str = "buddy", **changes: Any) -> dict[str, Any]:
    """What the edit page shows for a programme, with ``changes`` typed over it (None: the box left unticked)."""
    page = client.get(f"/beheer/programmas/{code}").get_data(as_text=True)
    programme = db.session.get(Programme, code)
    assert programme is not None
    data: dict[str, Any] = {
        "weight_distance": "35",
        "weight_interests": "30",
        "weight_availability": "20",
        "weight_waiting": "15",
        "max_distance_km": f"{programme.max_distance_km:g}",
        "min_common_slots": str(programme.min_common_slots),
        "requires_vog": "y" if programme.requires_vog else None,
        "active": "y" if programme.active else None,
        "volunteer_min_age": "" if programme.volunteer_min_age is None else str(programme.volunteer_min_age),
        "volunteer_max_age": "" if programme.volunteer_max_age is None else str(programme.volunteer_max_age),
        "resident_min_age": "" if programme.resident_min_age is None else str(programme.resident_min_age),
        "resident_max_age": "" if programme.resident_max_age is None else str(programme.resident_max_age),
        "shown": shown_field(page),
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def stored(model: type[Any], code: str) -> Any:
    db.session.expire_all()
    return db.session.get(model, code)


def audit_events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def rejection_form(client: FlaskClient, code: str | None = None, **changes: Any) -> dict[str, Any]:
    """The new-reason form filled in with a valid reason, or the edit form of ``code`` as shown; then ``changes``."""
    if code is None:
        data: dict[str, Any] = {
            "label": "De tijden passen even niet",
            "label_en": "Times do not fit for now",
            "keeps_apart": "dagen",
            "exclusion_days": "30",
            "sort_order": "8",
            "active": "y",
        }
    else:
        page = client.get(f"/beheer/redenen/afwijzen/{code}").get_data(as_text=True)
        reason = stored(RejectionReason, code)
        data = {
            "label": reason.label,
            "label_en": reason.label_en,
            "keeps_apart": "voorgoed" if reason.exclusion_days is None else "dagen",
            "exclusion_days": "" if reason.exclusion_days is None else str(reason.exclusion_days),
            "needs_note": "y" if reason.needs_note else None,
            "sort_order": str(reason.sort_order),
            "active": "y" if reason.active else None,
            "shown": shown_field(page),
        }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def end_form(client: FlaskClient, code: str | None = None, **changes: Any) -> dict[str, Any]:
    if code is None:
        data: dict[str, Any] = {"label": "Samen verder zonder Samen", "sort_order": "20", "active": "y"}
    else:
        page = client.get(f"/beheer/redenen/beeindigen/{code}").get_data(as_text=True)
        reason = stored(EndReason, code)
        data = {
            "label": reason.label,
            "label_en": reason.label_en,
            "needs_note": "y" if reason.needs_note else None,
            "rescreen_volunteer": "y" if reason.rescreen_volunteer else None,
            "closes_resident": "y" if reason.closes_resident else None,
            "sort_order": str(reason.sort_order),
            "active": "y" if reason.active else None,
        }
        if 'name="shown"' in page:
            data["shown"] = shown_field(page)
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


# --- the programme list and saving ---------------------------------------------------------------------------------


def test_the_programme_list_shows_each_programmes_settings(admin: User, client: FlaskClient) -> None:
    response = client.get("/beheer/programmas")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Jong ontmoet Oud" in page
    assert "vrijwilliger tot en met 30 jaar; bewoner 65 jaar of ouder" in page
    assert "afstand <strong>35%</strong>" in page
    assert "5,0 km" in page


def test_saving_stores_the_weights_as_fractions_and_returns_to_the_list(admin: User, client: FlaskClient) -> None:
    data = programme_form(
        client, weight_distance="40", weight_interests="25", weight_availability="25", weight_waiting="10"
    )

    response = client.post("/beheer/programmas/buddy", data=data)

    assert response.status_code == 302
    assert response.headers["Location"] == "/beheer/programmas"
    buddy = stored(Programme, "buddy")
    assert (buddy.weight_distance, buddy.weight_interests, buddy.weight_availability, buddy.weight_waiting) == (
        0.40,
        0.25,
        0.25,
        0.10,
    )
    assert "zijn opgeslagen" in client.get("/beheer/programmas").get_data(as_text=True)


def test_saving_stores_distance_slots_vog_activity_and_ages(admin: User, client: FlaskClient) -> None:
    data = programme_form(
        client,
        max_distance_km="2,5",
        min_common_slots="3",
        requires_vog=None,
        active=None,
        volunteer_min_age="18",
        resident_min_age="70",
        resident_max_age="99",
    )

    client.post("/beheer/programmas/buddy", data=data)

    buddy = stored(Programme, "buddy")
    assert (buddy.max_distance_km, buddy.min_common_slots, buddy.requires_vog, buddy.active) == (2.5, 3, False, False)
    assert (buddy.volunteer_min_age, buddy.volunteer_max_age, buddy.resident_min_age, buddy.resident_max_age) == (
        18,
        None,
        70,
        99,
    )


def test_emptied_age_fields_remove_the_age_rule(admin: User, client: FlaskClient) -> None:
    data = programme_form(client, "jong-ontmoet-oud", volunteer_max_age="", resident_min_age="")

    client.post("/beheer/programmas/jong-ontmoet-oud", data=data)

    programme = stored(Programme, "jong-ontmoet-oud")
    assert (programme.volunteer_max_age, programme.resident_min_age) == (None, None)


def test_a_change_is_audited_with_the_fields_and_their_old_and_new_values(admin: User, client: FlaskClient) -> None:
    client.post("/beheer/programmas/buddy", data=programme_form(client, max_distance_km="3", min_common_slots="2"))

    [event] = audit_events("programme.settings_changed")
    assert event.user_id == admin.id
    assert event.detail["programme"] == "buddy"
    assert sorted(event.fields) == ["max_distance_km", "min_common_slots"]
    assert event.detail["changes"]["max_distance_km"] == {"from": 5.0, "to": 3.0}


def test_saving_without_a_change_writes_nothing_to_the_audit_trail(admin: User, client: FlaskClient) -> None:
    response = client.post("/beheer/programmas/buddy", data=programme_form(client), follow_redirects=True)

    assert "Er was niets gewijzigd." in response.get_data(as_text=True)
    assert audit_events("programme.settings_changed") == []


# --- the programme form's refusals ---------------------------------------------------------------------------------


def test_weights_that_do_not_add_up_to_100_are_refused_with_the_sum(admin: User, client: FlaskClient) -> None:
    response = client.post("/beheer/programmas/buddy", data=programme_form(client, weight_distance="25"))

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "De vier gewichten moeten samen 100% zijn; nu is dat 90%." in page
    assert 'value="25"' in page
    assert stored(Programme, "buddy").weight_distance == 0.35


@pytest.mark.parametrize("weight", ["-5", "101"])
def test_a_weight_outside_0_to_100_is_refused(admin: User, client: FlaskClient, weight: str) -> None:
    response = client.post("/beheer/programmas/buddy", data=programme_form(client, weight_waiting=weight))

    assert response.status_code == 422
    assert "Vul een heel getal van 0 tot en met 100 in." in response.get_data(as_text=True)
    assert stored(Programme, "buddy").weight_waiting == 0.15


def test_a_weight_that_is_not_a_whole_number_is_refused(admin: User, client: FlaskClient) -> None:
    response = client.post("/beheer/programmas/buddy", data=programme_form(client, weight_waiting="15,5"))

    assert response.status_code == 422
    assert "Vul een heel getal in" in response.get_data(as_text=True)


@pytest.mark.parametrize("distance", ["0.4", "50.1", "0"])
def test_a_distance_limit_outside_half_a_km_to_50_km_is_refused(
    admin: User, client: FlaskClient, distance: str
) -> None:
    response = client.post("/beheer/programmas/buddy", data=programme_form(client, max_distance_km=distance))

    assert response.status_code == 422
    assert "Vul een afstand van 0,5 tot en met 50 km in." in response.get_data(as_text=True)
    assert stored(Programme, "buddy").max_distance_km == 5.0


def test_a_distance_limit_with_two_decimals_is_refused(admin: User, client: FlaskClient) -> None:
    response = client.post("/beheer/programmas/buddy", data=programme_form(client, max_distance_km="2,25"))

    assert response.status_code == 422
    assert "hoogstens één cijfer achter de komma" in response.get_data(as_text=True)
    assert stored(Programme, "buddy").max_distance_km == 5.0


def test_an_empty_distance_limit_is_refused(admin: User, client: FlaskClient) -> None:
    response = client.post("/beheer/programmas/buddy", data=programme_form(client, max_distance_km=""))

    assert response.status_code == 422
    assert "Vul de afstandsgrens in" in response.get_data(as_text=True)


@pytest.mark.parametrize("slots", ["-1", "22"])
def test_common_slots_outside_0_to_21_are_refused(admin: User, client: FlaskClient, slots: str) -> None:
    response = client.post("/beheer/programmas/buddy", data=programme_form(client, min_common_slots=slots))

    assert response.status_code == 422
    assert "Vul een aantal van 0 tot en met 21 in." in response.get_data(as_text=True)
    assert stored(Programme, "buddy").min_common_slots == 1


@pytest.mark.parametrize("age", ["-1", "121"])
def test_an_age_outside_0_to_120_is_refused(admin: User, client: FlaskClient, age: str) -> None:
    response = client.post("/beheer/programmas/buddy", data=programme_form(client, resident_max_age=age))

    assert response.status_code == 422
    assert "Vul een leeftijd van 0 tot en met 120 in" in response.get_data(as_text=True)
    assert stored(Programme, "buddy").resident_max_age is None


def test_a_minimum_age_above_the_maximum_age_is_refused(admin: User, client: FlaskClient) -> None:
    data = programme_form(client, "jong-ontmoet-oud", volunteer_min_age="40", volunteer_max_age="30")

    response = client.post("/beheer/programmas/jong-ontmoet-oud", data=data)

    assert response.status_code == 422
    assert "De minimumleeftijd (40) is hoger dan de maximumleeftijd (30)." in response.get_data(as_text=True)
    assert stored(Programme, "jong-ontmoet-oud").volunteer_min_age is None


def test_a_change_saved_meanwhile_is_refused_and_the_typed_input_kept(admin: User, client: FlaskClient) -> None:
    data = programme_form(client, max_distance_km="7.5")
    other_admin_saved = settings.settings_of(stored(Programme, "buddy"))
    settings.update_programme_settings(
        db.session,
        admin,
        "buddy",
        settings.ProgrammeSettings(**{**other_admin_saved.__dict__, "min_common_slots": 4}),
        settings.programme_snapshot(stored(Programme, "buddy")),
    )
    db.session.commit()

    response = client.post("/beheer/programmas/buddy", data=data)

    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Iemand anders heeft dit gewijzigd nadat u het formulier opende" in page
    assert 'value="7.5"' in page
    buddy = stored(Programme, "buddy")
    assert (buddy.max_distance_km, buddy.min_common_slots) == (5.0, 4)


def test_after_a_conflict_saving_the_same_form_again_stores_it(admin: User, client: FlaskClient) -> None:
    data = programme_form(client, max_distance_km="7.5")
    stored(Programme, "buddy").min_common_slots = 4
    db.session.commit()
    conflict = client.post("/beheer/programmas/buddy", data=data)

    response = client.post("/beheer/programmas/buddy", data={**data, "shown": shown_field(conflict.get_data(True))})

    assert response.status_code == 302
    assert stored(Programme, "buddy").max_distance_km == 7.5


def test_a_form_without_the_values_it_showed_is_refused(admin: User, client: FlaskClient) -> None:
    response = client.post("/beheer/programmas/buddy", data=programme_form(client, shown="niet te lezen"))

    assert response.status_code == 409
    assert stored(Programme, "buddy").max_distance_km == 5.0


def test_the_service_refuses_settings_the_form_should_have_caught(admin: User) -> None:
    buddy = stored(Programme, "buddy")
    wrong = settings.ProgrammeSettings(**{**settings.settings_of(buddy).__dict__, "weight_waiting_percent": 30})

    with pytest.raises(settings.FieldError) as refused:
        settings.update_programme_settings(db.session, admin, "buddy", wrong, settings.programme_snapshot(buddy))

    assert refused.value.field == "weights"


def test_an_unknown_programme_is_not_found(admin: User, client: FlaskClient) -> None:
    assert client.get("/beheer/programmas/schaken").status_code == 404


FILLED_FORMS = {
    "/beheer/programmas/buddy": lambda client: programme_form(client, max_distance_km="1"),
    "/beheer/redenen/afwijzen/nieuw": lambda client: rejection_form(client),
    "/beheer/redenen/afwijzen/tijden": lambda client: rejection_form(client, "tijden", active=None),
    "/beheer/redenen/beeindigen/nieuw": lambda client: end_form(client),
    "/beheer/redenen/beeindigen/verhuisd": lambda client: end_form(client, "verhuisd", active=None),
}


@pytest.mark.parametrize("path", list(FILLED_FORMS))
def test_a_coordinator_cannot_post_to_the_settings_pages(
    admin: User, coordinator: User, client: FlaskClient, auth: Any, path: str
) -> None:
    auth.login_as(admin)
    filled = FILLED_FORMS[path](client)  # a valid form, as an admin would send it
    auth.login_as(coordinator)

    response = client.post(path, data=filled)

    assert response.status_code == 403
    assert stored(Programme, "buddy").max_distance_km == 5.0
    assert stored(RejectionReason, "tijden").active
    assert stored(EndReason, "verhuisd").active
    assert db.session.get(RejectionReason, "de_tijden_passen_even_niet") is None
    assert db.session.get(EndReason, "samen_verder_zonder_samen") is None


# --- the settings reach the engine -----------------------------------------------------------------------------------


def test_saved_settings_reach_the_engine(admin: User, client: FlaskClient, app: Flask) -> None:
    client.post("/beheer/programmas/buddy", data=programme_form(client, max_distance_km="1"))

    rules = convert.load_run_input(db.session, app.config).rules

    assert rules.programme_rules["buddy"].max_distance_km == 1.0


def test_a_run_stores_the_settings_it_used(admin: User, client: FlaskClient, app: Flask) -> None:
    data = programme_form(
        client,
        max_distance_km="1",
        weight_distance="50",
        weight_interests="20",
        weight_availability="20",
        weight_waiting="10",
    )
    client.post("/beheer/programmas/buddy", data=data)

    run = run_engine(db.session, admin, None, app.config)

    used = run.rules["programmes"]["buddy"]
    assert used["max_distance_km"] == 1.0
    assert used["weights"] == {"distance": 0.5, "interests": 0.2, "availability": 0.2, "waiting": 0.1}


# --- the reason lists ----------------------------------------------------------------------------------------------


def test_the_reasons_page_lists_both_kinds_with_the_introduction_reasons_fixed(
    admin: User, client: FlaskClient
) -> None:
    response = client.get("/beheer/redenen")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Redenen om een voorstel af te wijzen" in page
    assert "Redenen om een koppeling te beëindigen" in page
    assert "De tijden passen nu niet" in page
    assert "90 dagen" in page
    assert page.count('<tr class="fixed">') == 2
    assert "gebruikt de kennismaking zelf" in page


def test_a_new_rejection_reason_gets_its_code_from_the_dutch_label(admin: User, client: FlaskClient) -> None:
    response = client.post("/beheer/redenen/afwijzen/nieuw", data=rejection_form(client))

    assert response.status_code == 302
    assert response.headers["Location"] == "/beheer/redenen"
    reason = stored(RejectionReason, "de_tijden_passen_even_niet")
    assert (reason.label, reason.label_en, reason.exclusion_days, reason.active) == (
        "De tijden passen even niet",
        "Times do not fit for now",
        30,
        True,
    )


def test_a_rejection_reason_for_good_stores_no_days(admin: User, client: FlaskClient) -> None:
    client.post(
        "/beheer/redenen/afwijzen/nieuw", data=rejection_form(client, keeps_apart="voorgoed", exclusion_days="30")
    )

    assert stored(RejectionReason, "de_tijden_passen_even_niet").exclusion_days is None


def test_a_code_is_lowercase_ascii_without_accents_or_signs() -> None:
    assert settings.reason_code_for("  Beëindigd: één keer té véél!  ") == "beeindigd_een_keer_te_veel"


@pytest.mark.parametrize("label", ["Anders", "ANDERS!", "Nieuw"])
def test_a_label_whose_code_is_taken_is_refused(admin: User, client: FlaskClient, label: str) -> None:
    count_before = len(settings.rejection_reasons(db.session))

    response = client.post("/beheer/redenen/afwijzen/nieuw", data=rejection_form(client, label=label))

    assert response.status_code == 422
    assert "en die is al in gebruik" in response.get_data(as_text=True)
    assert len(settings.rejection_reasons(db.session)) == count_before


@pytest.mark.parametrize("label", ["", "   "])
def test_a_reason_without_a_dutch_label_is_refused(admin: User, client: FlaskClient, label: str) -> None:
    response = client.post("/beheer/redenen/afwijzen/nieuw", data=rejection_form(client, label=label))

    assert response.status_code == 422
    assert "Vul de omschrijving in het Nederlands in." in response.get_data(as_text=True)


def test_a_label_longer_than_120_characters_is_refused(admin: User, client: FlaskClient) -> None:
    response = client.post("/beheer/redenen/afwijzen/nieuw", data=rejection_form(client, label="a" * 121))

    assert response.status_code == 422
    assert "Maximaal 120 tekens." in response.get_data(as_text=True)
    assert db.session.get(RejectionReason, "a" * 40) is None


@pytest.mark.parametrize("days", ["0", "3651"])
def test_days_outside_1_to_3650_are_refused(admin: User, client: FlaskClient, days: str) -> None:
    response = client.post(
        "/beheer/redenen/afwijzen/tijden", data=rejection_form(client, "tijden", exclusion_days=days)
    )

    assert response.status_code == 422
    assert "Vul een aantal dagen van 1 tot en met 3650 in." in response.get_data(as_text=True)
    assert stored(RejectionReason, "tijden").exclusion_days == 90


def test_a_number_of_days_without_the_number_is_refused(admin: User, client: FlaskClient) -> None:
    response = client.post("/beheer/redenen/afwijzen/tijden", data=rejection_form(client, "tijden", exclusion_days=""))

    assert response.status_code == 422
    assert "Vul het aantal dagen in" in response.get_data(as_text=True)


def test_changing_the_days_leaves_rejections_already_made_alone(admin: User, client: FlaskClient, make: Any) -> None:
    proposal = make.proposal(make.volunteer(), make.resident())
    matches.reject_proposal(db.session, proposal.id, admin, "tijden")
    db.session.commit()

    client.post("/beheer/redenen/afwijzen/tijden", data=rejection_form(client, "tijden", exclusion_days="10"))

    assert stored(RejectionReason, "tijden").exclusion_days == 10
    rejected = db.session.get(Proposal, proposal.id)
    assert rejected is not None
    assert rejected.status is ProposalStatus.AFGEWEZEN
    assert rejected.excluded_until == today() + timedelta(days=90)


def test_the_edit_form_says_that_rejections_made_keep_their_own_end_date(admin: User, client: FlaskClient) -> None:
    page = client.get("/beheer/redenen/afwijzen/tijden").get_data(as_text=True)

    assert "afwijzingen die al gedaan zijn, houden hun eigen einddatum" in page


def test_a_rejection_reason_changed_meanwhile_is_refused(admin: User, client: FlaskClient) -> None:
    data = rejection_form(client, "tijden", label="Tijden passen nu niet")
    stored(RejectionReason, "tijden").exclusion_days = 60
    db.session.commit()

    response = client.post("/beheer/redenen/afwijzen/tijden", data=data)

    assert response.status_code == 409
    assert 'value="Tijden passen nu niet"' in response.get_data(as_text=True)
    reason = stored(RejectionReason, "tijden")
    assert (reason.label, reason.exclusion_days) == ("De tijden passen nu niet", 60)


def test_changes_to_a_reason_are_audited(admin: User, client: FlaskClient) -> None:
    client.post("/beheer/redenen/afwijzen/tijden", data=rejection_form(client, "tijden", exclusion_days="60"))

    [event] = audit_events("rejection_reason.changed")
    assert event.detail["code"] == "tijden"
    assert event.detail["changes"] == {"exclusion_days": {"from": 90, "to": 60}}


def test_a_new_reason_is_audited(admin: User, client: FlaskClient) -> None:
    client.post("/beheer/redenen/beeindigen/nieuw", data=end_form(client))

    [event] = audit_events("end_reason.created")
    assert event.user_id == admin.id
    assert event.detail["code"] == "samen_verder_zonder_samen"


def test_a_deactivated_rejection_reason_is_no_longer_offered(admin: User, client: FlaskClient, make: Any) -> None:
    proposal = make.proposal(make.volunteer(), make.resident())
    db.session.commit()

    client.post(
        "/beheer/redenen/afwijzen/tijden", data=rejection_form(client, "tijden", active=None), follow_redirects=True
    )

    page = client.get(f"/koppelen/voorstellen/{proposal.id}/afwijzen").get_data(as_text=True)
    assert "De tijden passen nu niet" not in page
    assert "Ze passen niet bij elkaar" in page
    assert stored(RejectionReason, "tijden") is not None


def test_a_new_end_reason_is_stored_with_its_effects_and_offered_for_endings(admin: User, client: FlaskClient) -> None:
    data = end_form(client, label="Verhuisd naar een verpleeghuis", needs_note="y", closes_resident="y")

    client.post("/beheer/redenen/beeindigen/nieuw", data=data)

    reason = stored(EndReason, "verhuisd_naar_een_verpleeghuis")
    assert (reason.needs_note, reason.rescreen_volunteer, reason.closes_resident, reason.for_introduction) == (
        True,
        False,
        True,
        False,
    )
    assert reason in matches.ending_reasons(db.session)


def test_an_end_reason_whose_code_is_taken_is_refused(admin: User, client: FlaskClient) -> None:
    response = client.post("/beheer/redenen/beeindigen/nieuw", data=end_form(client, label="Verhuisd"))

    assert response.status_code == 422
    assert "de code 'verhuisd'" in html.unescape(response.get_data(as_text=True))


def test_a_deactivated_end_reason_is_no_longer_offered_for_an_ending(admin: User, client: FlaskClient) -> None:
    client.post("/beheer/redenen/beeindigen/verhuisd", data=end_form(client, "verhuisd", active=None))

    offered = {reason.code for reason in matches.ending_reasons(db.session)}
    assert "verhuisd" not in offered
    assert "doel_bereikt" in offered
    assert stored(EndReason, "verhuisd").active is False


def test_an_end_reason_can_be_made_to_send_the_volunteer_back_to_screening(admin: User, client: FlaskClient) -> None:
    client.post("/beheer/redenen/beeindigen/anders", data=end_form(client, "anders", rescreen_volunteer="y"))

    assert stored(EndReason, "anders").rescreen_volunteer is True


@pytest.mark.parametrize("code", [NO_CLICK_AT_INTRODUCTION, INTRODUCTION_CANCELLED])
def test_an_introduction_reason_cannot_be_deactivated(admin: User, client: FlaskClient, code: str) -> None:
    response = client.post(f"/beheer/redenen/beeindigen/{code}", data=end_form(client, code, active=None))

    assert response.status_code == 409
    assert "De kennismaking gebruikt deze reden zelf" in response.get_data(as_text=True)
    reason = stored(EndReason, code)
    assert (reason.active, reason.for_introduction) == (True, True)


def test_an_introduction_reason_is_shown_without_a_form(admin: User, client: FlaskClient) -> None:
    page = client.get(f"/beheer/redenen/beeindigen/{NO_CLICK_AT_INTRODUCTION}").get_data(as_text=True)

    assert "De kennismaking gebruikt deze reden zelf" in page
    assert 'name="active"' not in page


def test_the_service_never_makes_an_introduction_reason_selectable(admin: User) -> None:
    reason = stored(EndReason, INTRODUCTION_CANCELLED)
    data = settings.EndReasonInput(
        label="Geannuleerd", label_en="", needs_note=False, rescreen_volunteer=False, closes_resident=False,
        active=False, sort_order=1,
    )  # fmt: skip

    with pytest.raises(Conflict):
        settings.update_end_reason(db.session, admin, reason.code, data, settings.end_reason_snapshot(reason))

    assert INTRODUCTION_CANCELLED not in {r.code for r in matches.ending_reasons(db.session)}
    assert stored(EndReason, INTRODUCTION_CANCELLED).label == "Kennismaking geannuleerd"


def test_a_change_committed_between_reading_and_writing_is_refused(admin: User) -> None:
    buddy = stored(Programme, "buddy")
    shown = settings.programme_snapshot(buddy)
    with db.engine.begin() as other_admin:  # another request, on its own connection, saves first
        other_admin.execute(update(Programme).where(Programme.code == "buddy").values(min_common_slots=4))
    mine = settings.ProgrammeSettings(**{**settings.settings_of(buddy).__dict__, "max_distance_km": 9.0})

    with pytest.raises(Conflict):
        settings.update_programme_settings(db.session, admin, "buddy", mine, shown)

    db.session.rollback()
    buddy = stored(Programme, "buddy")
    assert (buddy.max_distance_km, buddy.min_common_slots) == (5.0, 4)
