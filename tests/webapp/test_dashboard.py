"""The coordinator dashboard: the counts that matter on a Monday morning, each linking to its list."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from tests.webapp.factories import today
from webapp.extensions import db
from webapp.models import IntakeOutcome, MatchStatus, ProposalStatus, ResidentStatus, Role, User, VogStatus


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
    make.match(volunteer, make.resident(), coordinator, status=MatchStatus.BEEINDIGD)
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


# -- the coordinator's week: each list, with where to act ------------------------------------------------------


def _section(html: str, section_id: str) -> str:
    """The HTML of one work list on the week page."""
    start = html.index(f'id="{section_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def test_an_empty_week_says_there_is_nothing_in_each_list(client: FlaskClient, coordinator: User) -> None:
    html = dashboard(client)

    assert "Geen kennismakingen om te plannen." in html
    assert "Alle contactmomenten zijn op tijd." in html
    assert "Met alle verwezen bewoners is contact." in html


def test_the_week_lists_the_introductions_to_plan_and_the_outcomes_to_record(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    to_plan = make.match(
        make.volunteer(),
        make.resident(first_name="Plannen"),
        coordinator,
        status=MatchStatus.KENNISMAKING,
        planned=False,
    )
    to_record = make.match(
        make.volunteer(), make.resident(first_name="Vastleggen"), coordinator, status=MatchStatus.KENNISMAKING
    )
    db.session.commit()

    html = dashboard(client)

    assert f"/koppelingen/{to_plan.id}#kennismaking-plannen" in _section(html, "kennismaking-plannen")
    assert f"/koppelingen/{to_record.id}#uitkomst" in _section(html, "uitkomst-vastleggen")  # met today
    assert "Vastleggen" not in _section(html, "kennismaking-plannen")


def test_the_week_lists_check_ins_due_and_overdue_the_most_overdue_first(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    make.match(make.volunteer(), make.resident(first_name="Nieuw"), coordinator)  # started today: nothing due
    due = make.match(
        make.volunteer(), make.resident(first_name="Nu"), coordinator, started_on=today() - timedelta(days=40)
    )
    late = make.match(
        make.volunteer(), make.resident(first_name="Laat"), coordinator, started_on=today() - timedelta(days=80)
    )
    db.session.commit()

    section = _section(dashboard(client), "contactmomenten")

    assert section.index(f"/koppelingen/{late.id}#contactmoment") < section.index(
        f"/koppelingen/{due.id}#contactmoment"
    )
    assert "contactmoment te laat" in section
    assert "Nieuw" not in section


def test_the_week_lists_matches_near_their_maximum_for_an_ending_talk(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    old = make.match(make.volunteer(), make.resident(), coordinator, started_on=today() - timedelta(days=700))
    make.match(make.volunteer(), make.resident(), coordinator, started_on=today() - timedelta(days=300))
    db.session.commit()

    section = _section(dashboard(client), "eindgesprek")

    assert f"/koppelingen/{old.id}#beeindigen" in section
    assert section.count("/koppelingen/") == 1


def test_the_week_lists_referrals_nobody_contacted_yet_the_oldest_first(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    flatcoach = make.user(Role.REFERRER)
    newer = make.referral(flatcoach, first_name="Nieuwer")
    older = make.referral(flatcoach, first_name="Ouder")
    older.resident.created_at = older.resident.created_at - timedelta(days=9)
    make.referral(flatcoach, first_name="Gepland", intake_planned_on=today() + timedelta(days=2))
    make.referral(flatcoach, first_name="Gesproken", intake_on=today())
    db.session.commit()

    section = _section(dashboard(client), "nog-niet-gesproken")

    assert section.index("Ouder") < section.index("Nieuwer")
    assert "Gepland" not in section
    assert "Gesproken" not in section
    assert f"/bewoners/{newer.resident_id}#intake-kop" in section


def test_the_week_lists_planned_intake_talks_and_flags_a_passed_date(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    make.resident(first_name="Morgen", intake_on=None, intake_planned_on=today() + timedelta(days=1))
    make.resident(first_name="Gisteren", intake_on=None, intake_planned_on=today() - timedelta(days=1))
    make.volunteer(screened=False, first_name="Vrijwilliger", intake_planned_on=today() + timedelta(days=3))
    db.session.commit()

    section = _section(dashboard(client), "intakes-gepland")

    assert section.index("Gisteren") < section.index("Morgen") < section.index("Vrijwilliger")
    assert "datum voorbij: leg het gesprek vast" in section


def test_the_week_lists_vogs_that_expire_within_60_days(client: FlaskClient, make: Any, coordinator: User) -> None:
    three_years_ago = today().replace(year=today().year - 3)
    make.volunteer(first_name="Bijna", vog_issued_on=three_years_ago + timedelta(days=20))
    make.volunteer(first_name="Later", vog_issued_on=three_years_ago + timedelta(days=90))
    make.volunteer(first_name="Verlopen", vog_issued_on=three_years_ago - timedelta(days=5))
    db.session.commit()

    section = _section(dashboard(client), "vog-verloopt")

    assert "Bijna" in section
    assert "Later" not in section
    assert "Verlopen" not in section


def test_the_week_lists_volunteers_waiting_for_an_intake_talk_and_the_longest_waiting_residents(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    make.volunteer(screened=False, first_name="Aangemeld")
    make.resident(first_name="Lang", waiting_since=today() - timedelta(days=300))
    make.resident(first_name="Kort", waiting_since=today() - timedelta(days=3))
    db.session.commit()

    html = dashboard(client)

    assert "Aangemeld" in _section(html, "wachten-op-intake")
    longest = _section(html, "langst-wachtend")
    assert longest.index("Lang") < longest.index("Kort")
    assert "wacht 300 dagen" in longest


def test_the_match_figures_link_to_the_list_of_matches(client: FlaskClient, make: Any, coordinator: User) -> None:
    make.match(make.volunteer(), make.resident(), coordinator)
    make.match(make.volunteer(), make.resident(), coordinator, status=MatchStatus.KENNISMAKING)
    db.session.commit()

    html = dashboard(client)

    assert figure(html, "aantal-koppelingen") == 1
    assert figure(html, "aantal-kennismakingen") == 1
    assert 'href="/koppelingen/?status=actief"' in html
