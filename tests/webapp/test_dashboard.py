"""The coordinator dashboard: the counts that matter on a Monday morning, each linking to its list."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from tests.webapp.factories import today
from webapp.extensions import db
from webapp.models import IntakeOutcome, ProposalStatus, ResidentStatus, User, VogStatus


def figure(html: str, element_id: str) -> int:
    match = re.search(rf'id="{element_id}"[^>]*>(?:<a [^>]*>)?\s*(\d+)', html)
    assert match, element_id
    return int(match.group(1))


def dashboard(client: FlaskClient) -> str:
    response = client.get("/coordinatie")
    assert response.status_code == 200
    return response.text


def test_an_empty_dashboard_shows_zeros(client: FlaskClient, coordinator: User) -> None:
    html = dashboard(client)

    for element_id in (
        "aantal-nieuw",
        "aantal-vog-aangevraagd",
        "aantal-vrije-plek",
        "aantal-wachtend",
        "aantal-voorstellen",
        "aantal-koppelingen",
    ):
        assert figure(html, element_id) == 0
    assert 'id="langste-wachttijd"' not in html


def test_counts_new_signups_awaiting_intake(client: FlaskClient, make: Any, coordinator: User) -> None:
    make.volunteer(screened=False)
    make.volunteer(screened=False)
    make.volunteer(screened=False, stopped_at=datetime(2026, 1, 2, 9, 0))
    make.volunteer()
    db.session.commit()

    assert figure(dashboard(client), "aantal-nieuw") == 2


def test_counts_vog_requested_but_not_issued(client: FlaskClient, make: Any, coordinator: User) -> None:
    make.volunteer(vog_status=VogStatus.AANGEVRAAGD, vog_requested_on=today() - timedelta(days=60), vog_issued_on=None)
    make.volunteer(vog_status=VogStatus.AANGEVRAAGD, vog_issued_on=None, stopped_at=datetime(2026, 1, 2, 9, 0))
    make.volunteer(vog_status=VogStatus.AFGEWEZEN, vog_issued_on=None)
    make.volunteer()
    db.session.commit()

    html = dashboard(client)

    assert figure(html, "aantal-vog-aangevraagd") == 1
    assert "oudste aanvraag: 60 dagen geleden" in html


def test_counts_suitable_volunteers_with_a_free_place_per_programme(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    make.volunteer(programmes=("buddy", "bewegen"))
    make.volunteer(programmes=("buddy",), capacity=2, places_taken=1)
    make.volunteer(programmes=("buddy",), capacity=1, places_taken=1)  # full
    make.volunteer(programmes=("buddy",), intake_outcome=IntakeOutcome.TWIJFEL)
    make.volunteer(programmes=("buddy",), stopped_at=datetime(2026, 1, 2, 9, 0))
    make.volunteer(programmes=("bewegen",), screened=False)
    db.session.commit()

    html = dashboard(client)

    assert figure(html, "aantal-vrije-plek") == 2
    assert figure(html, "vrij-buddy") == 2
    assert figure(html, "vrij-bewegen") == 1
    assert figure(html, "vrij-cultuur") == 0


def test_ready_to_match_needs_a_valid_vog_only_where_the_programme_asks_for_one(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    make.volunteer(programmes=("buddy", "bewegen"), vog_issued_on=today() - timedelta(days=4 * 366))
    make.volunteer(programmes=("buddy",))
    db.session.commit()

    html = dashboard(client)

    assert figure(html, "vrij-buddy") == 2
    assert figure(html, "klaar-buddy") == 1
    assert figure(html, "klaar-bewegen") == 1


def test_counts_waiting_residents_and_the_longest_wait(client: FlaskClient, make: Any, coordinator: User) -> None:
    make.resident(waiting_since=today() - timedelta(days=12))
    make.resident(programme="bewegen", waiting_since=today() - timedelta(days=45))
    make.resident(status=ResidentStatus.AFGESLOTEN, waiting_since=today() - timedelta(days=400))
    db.session.commit()

    html = dashboard(client)

    assert figure(html, "aantal-wachtend") == 2
    assert "langste wachttijd: 45 dagen" in html
    assert figure(html, "wachtend-buddy") == 1
    assert figure(html, "wachtend-bewegen") == 1


def test_counts_open_proposals_only(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer()
    for status in (ProposalStatus.OPEN, ProposalStatus.OPEN, ProposalStatus.AFGEWEZEN, ProposalStatus.VERVALLEN):
        make.proposal(volunteer, make.resident(), status=status)
    db.session.commit()

    assert figure(dashboard(client), "aantal-voorstellen") == 2


def test_counts_active_matches_only(client: FlaskClient, make: Any, coordinator: User) -> None:
    volunteer = make.volunteer(capacity=3)
    make.match(volunteer, make.resident(), coordinator)
    make.match(volunteer, make.resident(), coordinator)
    make.match(volunteer, make.resident(), coordinator, ended=True)
    db.session.commit()

    assert figure(dashboard(client), "aantal-koppelingen") == 2


def test_dashboard_links_to_the_filtered_lists(client: FlaskClient, coordinator: User) -> None:
    html = dashboard(client)

    assert 'href="/vrijwilligers?status=nieuw"' in html
    assert 'href="/vrijwilligers?vog=aangevraagd"' in html
    assert 'href="/vrijwilligers?status=geschikt&amp;plek=y"' in html
    assert 'href="/vrijwilligers?status=geschikt&amp;programma=buddy&amp;plek=y"' in html
    assert 'href="/wachtlijst"' in html
    assert 'href="/koppelen/"' in html


def test_the_linked_list_shows_as_many_volunteers_as_the_dashboard_counts(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    make.volunteer(programmes=("buddy",))
    make.volunteer(programmes=("buddy",), capacity=2, places_taken=1)
    make.volunteer(programmes=("buddy",), capacity=1, places_taken=1)
    make.volunteer(programmes=("cultuur",))
    db.session.commit()

    count = figure(dashboard(client), "vrij-buddy")
    listed = client.get("/vrijwilligers?status=geschikt&programma=buddy&plek=y")

    assert count == 2
    assert "2 vrijwilligers gevonden" in listed.text
