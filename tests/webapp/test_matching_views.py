"""The matching pages: runs, a run's proposals and waiting residents, decisions, candidates."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from tests.webapp.factories import FAR_PC4
from webapp.extensions import db
from webapp.models import (
    Match,
    MatchRun,
    Proposal,
    ProposalStatus,
    Resident,
    ResidentStatus,
    Role,
    RunWaitingResident,
    Volunteer,
)


def _proposal(make: Any, user: Any, **fields: Any) -> Proposal:
    volunteer = fields.pop("volunteer", None) or make.volunteer(first_name="Vera", last_name="Vrijwilliger")
    resident = fields.pop("resident", None) or make.resident(first_name="Bert", last_name="Bewoner")
    proposal = make.proposal(volunteer, resident, **fields)
    db.session.commit()
    return proposal


def _waiting(make: Any, user: Any, reasons: list[dict[str, Any]], **resident: Any) -> MatchRun:
    run = make.run(user)
    db.session.add(RunWaitingResident(run_id=run.id, resident_id=make.resident(**resident).id, reasons=reasons))
    db.session.commit()
    return run


# -- access -------------------------------------------------------------------------------------------

URLS = [
    ("get", "/koppelen/"),
    ("post", "/koppelen/runs"),
    ("get", "/koppelen/runs/1"),
    ("post", "/koppelen/voorstellen/1/goedkeuren"),
    ("get", "/koppelen/voorstellen/1/afwijzen"),
    ("post", "/koppelen/voorstellen/1/afwijzen"),
    ("get", "/koppelen/bewoners/1/kandidaten"),
    ("post", "/koppelen/bewoners/1/kiezen"),
]


@pytest.mark.parametrize(("method", "url"), URLS)
def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, method: str, url: str) -> None:
    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response.location.startswith("/inloggen")


@pytest.mark.parametrize(("method", "url"), URLS)
def test_referrers_may_not_match(client: FlaskClient, make: Any, auth: Any, method: str, url: str) -> None:
    make.user(Role.REFERRER, email="flatcoach@example.org")
    db.session.commit()
    auth.login("flatcoach@example.org")

    response = getattr(client, method)(url)

    assert response.status_code == 403


def test_admins_may_match(client: FlaskClient, make: Any, auth: Any) -> None:
    make.user(Role.ADMIN, email="admin@example.org")
    db.session.commit()
    auth.login("admin@example.org")

    assert client.get("/koppelen/").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/koppelen/runs/999",
        "/koppelen/voorstellen/999/afwijzen",
        "/koppelen/bewoners/999/kandidaten",
    ],
)
def test_unknown_ids_are_not_found(client: FlaskClient, coordinator: Any, url: str) -> None:
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/koppelen/voorstellen/999/goedkeuren", "/koppelen/bewoners/999/kiezen"])
def test_posting_to_unknown_ids_is_not_found(client: FlaskClient, coordinator: Any, url: str) -> None:
    assert client.post(url, data={"volunteer_id": "1"}).status_code == 404


# -- runs ---------------------------------------------------------------------------------------------


def test_runs_page_offers_a_run_for_all_or_one_programme(client: FlaskClient, coordinator: Any) -> None:
    response = client.get("/koppelen/")

    assert response.status_code == 200
    assert "Koppelronde starten" in response.text
    assert "Alle programma&#39;s" in response.text
    assert "Jong ontmoet Oud" in response.text


def test_runs_page_lists_earlier_runs_with_who_and_figures(client: FlaskClient, coordinator: Any, make: Any) -> None:
    run = make.run(coordinator)
    run.stats = {"volunteers": 12, "residents": 34, "proposals": 9, "waiting": 25}
    db.session.commit()

    response = client.get("/koppelen/")

    assert f"Ronde {run.id}" in response.text
    assert "Carla Coördinator" in response.text
    assert all(f'<td class="num">{n}</td>' in response.text for n in (12, 34, 9, 25))


def test_starting_a_run_shows_its_proposals(client: FlaskClient, coordinator: Any, make: Any) -> None:
    make.volunteer(first_name="Vera")
    make.resident(first_name="Bert")
    db.session.commit()

    response = client.post("/koppelen/runs", data={"programme": ""}, follow_redirects=True)

    assert response.status_code == 200
    assert '<span class="figure">1</span> voorstel' in response.text
    assert '<span class="figure">0</span> bewoners zonder voorstel' in response.text
    assert "Vera" in response.text
    assert "Bert" in response.text
    run = db.session.scalar(select(MatchRun))
    assert (run.started_by_id, run.programme_code) == (coordinator.id, None)


def test_starting_a_run_for_one_programme(client: FlaskClient, coordinator: Any) -> None:
    response = client.post("/koppelen/runs", data={"programme": "bewegen"})

    assert response.status_code == 302
    assert db.session.scalar(select(MatchRun.programme_code)) == "bewegen"


def test_starting_a_run_for_an_unknown_programme_is_refused(client: FlaskClient, coordinator: Any) -> None:
    response = client.post("/koppelen/runs", data={"programme": "breien"})

    assert response.status_code == 422
    assert "Kies een programma uit de lijst." in response.text
    assert db.session.scalar(select(MatchRun)) is None


def test_a_failed_run_is_reported(client: FlaskClient, coordinator: Any, make: Any, app: Flask) -> None:
    make.resident()
    db.session.commit()
    app.config["SAMEN_WAITING_HORIZON_DAYS"] = 0

    response = client.post("/koppelen/runs", data={"programme": ""}, follow_redirects=True)

    assert "Deze ronde is mislukt. De gegevens zijn onjuist. Geef deze melding door aan de beheerder." in response.text
    assert "waiting_horizon_days" in response.text


# -- a run's page -------------------------------------------------------------------------------------


def test_run_page_explains_each_proposal_in_dutch(client: FlaskClient, coordinator: Any, make: Any) -> None:
    proposal = _proposal(make, coordinator, score=0.823)

    response = client.get(f"/koppelen/runs/{proposal.run_id}")

    text = response.text
    assert "Vera Vrijwilliger" in text
    assert "Bert Bewoner" in text
    assert "82%" in text
    assert "1,2 km van elkaar" in text
    assert "samen: wandelen, koken" in text
    assert "beiden kunnen dinsdagavond en zaterdagochtend" in text
    assert "spreken allebei Nederlands" in text
    assert "wacht al 45 dagen" in text


def test_run_page_shows_best_proposals_first(client: FlaskClient, coordinator: Any, make: Any) -> None:
    run = make.run(coordinator)
    make.proposal(make.volunteer(first_name="Laag"), make.resident(), run=run, score=0.3)
    make.proposal(make.volunteer(first_name="Hoog"), make.resident(), run=run, score=0.9)
    db.session.commit()

    text = client.get(f"/koppelen/runs/{run.id}").text

    assert text.index("Hoog") < text.index("Laag")


def test_open_proposal_offers_approve_reject_and_choose(client: FlaskClient, coordinator: Any, make: Any) -> None:
    proposal = _proposal(make, coordinator)

    text = client.get(f"/koppelen/runs/{proposal.run_id}").text

    assert f'action="/koppelen/voorstellen/{proposal.id}/goedkeuren"' in text
    assert f"/koppelen/voorstellen/{proposal.id}/afwijzen" in text
    assert f"/koppelen/bewoners/{proposal.resident_id}/kandidaten" in text
    assert "Kies zelf een ander maatje" in text


def test_decided_proposal_shows_its_status_without_buttons(client: FlaskClient, coordinator: Any, make: Any) -> None:
    proposal = _proposal(
        make,
        coordinator,
        status=ProposalStatus.AFGEWEZEN,
        rejection_reason_code="afstand",
        decided_by_id=coordinator.id,
    )

    text = client.get(f"/koppelen/runs/{proposal.run_id}").text

    assert "afgewezen" in text
    assert "Te ver weg van elkaar" in text
    assert "goedkeuren" not in text


def test_open_proposal_for_a_full_volunteer_says_so_instead_of_approve(
    client: FlaskClient, coordinator: Any, make: Any
) -> None:
    proposal = _proposal(make, coordinator, volunteer=make.volunteer(capacity=1, places_taken=1))

    text = client.get(f"/koppelen/runs/{proposal.run_id}").text

    assert "Deze vrijwilliger heeft geen plek meer." in text
    assert "goedkeuren" not in text


@pytest.mark.parametrize(
    ("reasons", "expected"),
    [
        ([{"code": "blocked_by_distance", "volunteers": 3}], "3 vrijwilligers wonen te ver weg"),
        (
            [{"code": "blocked_by_distance", "volunteers": 1}, {"code": "blocked_by_gender", "volunteers": 2}],
            "1 vrijwilliger woont te ver weg",
        ),
        (
            [{"code": "blocked_by_availability", "volunteers": 2}, {"code": "blocked_by_distance", "volunteers": 1}],
            "2 vrijwilligers kunnen niet op dezelfde momenten",
        ),
        ([{"code": "blocked_by_language", "volunteers": 5}], "geen vrijwilliger spreekt dezelfde taal"),
        (
            [{"code": "assigned_elsewhere", "volunteers": 4}],
            "alle 4 geschikte vrijwilligers zijn al aan anderen voorgesteld",
        ),
        ([{"code": "no_volunteers", "volunteers": 0}], "er zijn nog geen vrijwilligers"),
        ([{"code": "no_location", "volunteers": 0}], "de postcode van de bewoner staat niet in onze postcodetabel"),
    ],
)
def test_run_page_explains_why_residents_wait(
    client: FlaskClient, coordinator: Any, make: Any, reasons: list[dict[str, Any]], expected: str
) -> None:
    run = _waiting(make, coordinator, reasons, first_name="Wim", last_name="Wachter")

    text = client.get(f"/koppelen/runs/{run.id}").text

    assert "Wim Wachter" in text
    assert expected in text


def test_run_page_filters_proposals_by_status(client: FlaskClient, coordinator: Any, make: Any) -> None:
    run = make.run(coordinator)
    make.proposal(make.volunteer(first_name="Openbaar"), make.resident(), run=run)
    make.proposal(make.volunteer(first_name="Afgewezen"), make.resident(), run=run, status=ProposalStatus.AFGEWEZEN)
    db.session.commit()

    text = client.get(f"/koppelen/runs/{run.id}?status=open").text

    assert "Openbaar" in text
    assert "Afgewezen de Vries" not in text


def test_run_page_is_paginated(client: FlaskClient, coordinator: Any, make: Any, app: Flask) -> None:
    app.config["SAMEN_PAGE_SIZE"] = 2
    run = make.run(coordinator)
    for n in range(5):
        make.proposal(make.volunteer(first_name=f"Nummer{n}"), make.resident(), run=run, score=0.9 - n / 10)
    db.session.commit()

    first = client.get(f"/koppelen/runs/{run.id}").text
    last = client.get(f"/koppelen/runs/{run.id}?pagina=3").text

    assert "Nummer0" in first
    assert "Nummer4" not in first
    assert "Pagina 1 van 3" in first
    assert "Nummer4" in last
    assert "Nummer0" not in last


def test_waiting_residents_have_their_own_pages(client: FlaskClient, coordinator: Any, make: Any, app: Flask) -> None:
    app.config["SAMEN_PAGE_SIZE"] = 2
    run = make.run(coordinator)
    for n in range(3):
        resident = make.resident(first_name=f"Wachter{n}")
        db.session.add(RunWaitingResident(run_id=run.id, resident_id=resident.id, reasons=[]))
    db.session.commit()

    second = client.get(f"/koppelen/runs/{run.id}?wachtend_pagina=2").text

    assert "Wachter2" in second
    assert "Wachter0" not in second


def test_run_page_query_count_does_not_grow_with_proposals(client: FlaskClient, coordinator: Any, make: Any) -> None:
    def queries_for(n: int) -> int:
        run = make.run(coordinator)
        for _ in range(n):
            make.proposal(make.volunteer(), make.resident(), run=run)
            resident = make.resident()
            db.session.add(RunWaitingResident(run_id=run.id, resident_id=resident.id, reasons=[]))
        db.session.commit()
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(f"/koppelen/runs/{run.id}").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    assert queries_for(2) == queries_for(20)


# -- approve ------------------------------------------------------------------------------------------


def test_approving_creates_the_match_and_says_so(client: FlaskClient, coordinator: Any, make: Any) -> None:
    proposal = _proposal(make, coordinator)

    response = client.post(f"/koppelen/voorstellen/{proposal.id}/goedkeuren", follow_redirects=True)

    assert "Goedgekeurd: Vera Vrijwilliger en Bert Bewoner maken kennis." in response.text
    assert make.holding_matches(resident_id=proposal.resident_id) == 1
    assert db.session.get(Resident, proposal.resident_id).status is ResidentStatus.KENNISMAKING
    assert "Naar de koppeling" in response.text
    assert db.session.get(Volunteer, proposal.volunteer_id).places_taken == 1


def test_approving_returns_to_the_page_it_came_from(client: FlaskClient, coordinator: Any, make: Any) -> None:
    proposal = _proposal(make, coordinator)
    here = f"/koppelen/runs/{proposal.run_id}?status=open"

    response = client.post(f"/koppelen/voorstellen/{proposal.id}/goedkeuren", data={"next": here})

    assert response.location == here


def test_approving_never_redirects_off_site(client: FlaskClient, coordinator: Any, make: Any) -> None:
    proposal = _proposal(make, coordinator)

    response = client.post(f"/koppelen/voorstellen/{proposal.id}/goedkeuren", data={"next": "https://example.com/"})

    assert response.location.startswith(f"/koppelen/runs/{proposal.run_id}")


def test_approving_twice_gives_a_clear_message(client: FlaskClient, coordinator: Any, make: Any) -> None:
    proposal = _proposal(make, coordinator)
    client.post(f"/koppelen/voorstellen/{proposal.id}/goedkeuren")

    response = client.post(f"/koppelen/voorstellen/{proposal.id}/goedkeuren", follow_redirects=True)

    assert "Over dit voorstel is al besloten: het is goedgekeurd." in response.text
    assert make.holding_matches(resident_id=proposal.resident_id) == 1


def test_approving_for_a_full_volunteer_gives_a_clear_message(client: FlaskClient, coordinator: Any, make: Any) -> None:
    volunteer = make.volunteer(capacity=1)
    first = _proposal(make, coordinator, volunteer=volunteer)
    second = _proposal(make, coordinator, volunteer=volunteer, resident=make.resident())
    client.post(f"/koppelen/voorstellen/{first.id}/goedkeuren")

    response = client.post(f"/koppelen/voorstellen/{second.id}/goedkeuren", follow_redirects=True)

    assert "Deze vrijwilliger heeft geen plek meer." in response.text
    assert db.session.get(Proposal, second.id).status is ProposalStatus.OPEN


def test_approve_is_post_only(client: FlaskClient, coordinator: Any, make: Any) -> None:
    proposal = _proposal(make, coordinator)

    assert client.get(f"/koppelen/voorstellen/{proposal.id}/goedkeuren").status_code == 405


# -- reject -------------------------------------------------------------------------------------------


def test_reject_form_shows_the_pair_and_the_reasons(client: FlaskClient, coordinator: Any, make: Any) -> None:
    proposal = _proposal(make, coordinator)

    response = client.get(f"/koppelen/voorstellen/{proposal.id}/afwijzen")

    assert response.status_code == 200
    assert "Vera Vrijwilliger" in response.text
    assert "Reden van afwijzen" in response.text
    assert "De bewoner wil dit niet" in response.text


def test_rejecting_stores_the_reason_and_returns_to_the_run(client: FlaskClient, coordinator: Any, make: Any) -> None:
    proposal = _proposal(make, coordinator)

    response = client.post(
        f"/koppelen/voorstellen/{proposal.id}/afwijzen", data={"reason": "wens_vrijwilliger", "note": ""}
    )

    assert response.status_code == 302
    assert response.location.startswith(f"/koppelen/runs/{proposal.run_id}")
    db.session.expire_all()
    stored = db.session.get(Proposal, proposal.id)
    assert (stored.status, stored.rejection_reason_code) == (ProposalStatus.AFGEWEZEN, "wens_vrijwilliger")


def test_rejecting_says_the_pair_will_not_come_back(client: FlaskClient, coordinator: Any, make: Any) -> None:
    proposal = _proposal(make, coordinator)

    response = client.post(
        f"/koppelen/voorstellen/{proposal.id}/afwijzen", data={"reason": "past_niet"}, follow_redirects=True
    )

    assert "Dit paar wordt niet opnieuw voorgesteld." in response.text


def test_rejecting_without_a_reason_is_refused(client: FlaskClient, coordinator: Any, make: Any) -> None:
    proposal = _proposal(make, coordinator)

    response = client.post(f"/koppelen/voorstellen/{proposal.id}/afwijzen", data={"note": "Geen klik"})

    assert response.status_code == 422
    assert "Kies een reden." in response.text
    assert "Geen klik" in response.text
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.OPEN


def test_rejecting_with_other_needs_a_note(client: FlaskClient, coordinator: Any, make: Any) -> None:
    proposal = _proposal(make, coordinator)

    response = client.post(f"/koppelen/voorstellen/{proposal.id}/afwijzen", data={"reason": "anders", "note": " "})

    assert response.status_code == 422
    assert "Licht de gekozen reden toe." in response.text


def test_rejecting_a_decided_proposal_gives_a_clear_message(client: FlaskClient, coordinator: Any, make: Any) -> None:
    proposal = _proposal(make, coordinator)
    client.post(f"/koppelen/voorstellen/{proposal.id}/goedkeuren")

    response = client.post(
        f"/koppelen/voorstellen/{proposal.id}/afwijzen", data={"reason": "past_niet"}, follow_redirects=True
    )

    assert "Over dit voorstel is al besloten" in response.text


# -- candidates and choosing --------------------------------------------------------------------------


def test_candidates_page_lists_feasible_volunteers_with_reasons(
    client: FlaskClient, coordinator: Any, make: Any
) -> None:
    make.volunteer(first_name="Dichtbij")
    make.volunteer(first_name="Veraf", pc4=FAR_PC4, postcode="2201 AA")
    resident = make.resident(first_name="Bert")
    db.session.commit()

    response = client.get(f"/koppelen/bewoners/{resident.id}/kandidaten")

    assert response.status_code == 200
    assert "Dichtbij" in response.text
    assert "Veraf" not in response.text
    assert "samen: koken" in response.text
    assert "Kies dit maatje" in response.text


def test_candidates_page_explains_when_nobody_fits(client: FlaskClient, coordinator: Any, make: Any) -> None:
    make.volunteer(pc4=FAR_PC4, postcode="2201 AA")
    resident = make.resident()
    db.session.commit()

    response = client.get(f"/koppelen/bewoners/{resident.id}/kandidaten")

    assert "Er is nu geen geschikte vrijwilliger" in response.text
    assert "de enige vrijwilliger woont te ver weg" in response.text


def test_candidates_page_for_a_matched_resident_says_so(client: FlaskClient, coordinator: Any, make: Any) -> None:
    resident = make.match(make.volunteer(), make.resident()).resident
    db.session.commit()

    response = client.get(f"/koppelen/bewoners/{resident.id}/kandidaten")

    assert response.status_code == 200
    assert "Deze bewoner heeft al een maatje." in response.text
    assert "Kies dit maatje" not in response.text


def test_choosing_a_volunteer_creates_the_match(client: FlaskClient, coordinator: Any, make: Any) -> None:
    volunteer = make.volunteer(first_name="Vera", last_name="Vrijwilliger")
    resident = make.resident(first_name="Bert", last_name="Bewoner")
    run = make.run(coordinator)
    db.session.commit()

    response = client.post(
        f"/koppelen/bewoners/{resident.id}/kiezen",
        data={"volunteer_id": str(volunteer.id), "run_id": str(run.id), "next": f"/koppelen/runs/{run.id}"},
    )

    (match,) = db.session.scalars(select(Match)).all()
    assert response.location == f"/koppelingen/{match.id}"  # on to plan the introduction
    assert (match.volunteer_id, match.resident_id, match.run_id) == (volunteer.id, resident.id, run.id)
    follow = client.get(response.location)
    assert "Gekozen: Vera Vrijwilliger en Bert Bewoner maken kennis." in follow.text


def test_a_pair_chosen_by_hand_shows_on_its_run_page(client: FlaskClient, coordinator: Any, make: Any) -> None:
    resident = make.resident(first_name="Bert", last_name="Bewoner")
    run = make.run(coordinator)
    db.session.commit()
    client.post(
        f"/koppelen/bewoners/{resident.id}/kiezen",
        data={"volunteer_id": str(make.volunteer(first_name="Vera").id), "run_id": str(run.id)},
    )

    page = client.get(f"/koppelen/runs/{run.id}").text

    assert "Zelf gekozen in deze ronde" in page
    assert "Bert Bewoner en Vera" in page


def test_a_run_page_sorts_waiting_residents_by_their_waiting_time(
    client: FlaskClient, coordinator: Any, make: Any
) -> None:
    run = make.run(coordinator)
    for name, days in (("Kort", 3), ("Lang", 300), ("Midden", 40)):
        db.session.add(
            RunWaitingResident(
                run_id=run.id, resident_id=make.resident(first_name=name).id, reasons=[], waiting_days=days
            )
        )
    db.session.commit()

    page = client.get(f"/koppelen/runs/{run.id}").text

    assert page.index("Lang") < page.index("Midden") < page.index("Kort")
    assert "wachtte 300 dagen" in page


def test_a_rejection_can_be_undone_from_the_residents_page(client: FlaskClient, coordinator: Any, make: Any) -> None:
    proposal = _proposal(make, coordinator, status=ProposalStatus.AFGEWEZEN, rejection_reason_code="past_niet")

    empty = client.post(f"/koppelen/voorstellen/{proposal.id}/afwijzing-intrekken", data={"note": ""})
    done = client.post(
        f"/koppelen/voorstellen/{proposal.id}/afwijzing-intrekken",
        data={"note": "Toch proberen"},
        follow_redirects=True,
    )

    assert empty.status_code == 422
    assert "Vul in waarom de afwijzing wordt ingetrokken." in empty.text
    assert db.session.get(Proposal, proposal.id).rejection_undo_note == "Toch proberen"
    assert "De afwijzing is ingetrokken." in done.text
    assert "Afwijzing ingetrokken op" in done.text


def test_undoing_twice_answers_409(client: FlaskClient, coordinator: Any, make: Any) -> None:
    proposal = _proposal(make, coordinator, status=ProposalStatus.AFGEWEZEN, rejection_reason_code="past_niet")
    url = f"/koppelen/voorstellen/{proposal.id}/afwijzing-intrekken"
    client.post(url, data={"note": "Eerste keer"})

    response = client.post(url, data={"note": "Tweede keer"})

    assert response.status_code == 409
    assert "al ingetrokken" in response.text
    assert db.session.get(Proposal, proposal.id).rejection_undo_note == "Eerste keer"


def test_a_timed_rejection_says_until_when(client: FlaskClient, coordinator: Any, make: Any) -> None:
    proposal = _proposal(make, coordinator)

    response = client.post(
        f"/koppelen/voorstellen/{proposal.id}/afwijzen", data={"reason": "tijden"}, follow_redirects=True
    )

    assert "Dit paar wordt tot en met" in response.text
    assert db.session.get(Proposal, proposal.id).excluded_until is not None


def test_choosing_an_infeasible_volunteer_gives_the_reason(client: FlaskClient, coordinator: Any, make: Any) -> None:
    volunteer = make.volunteer(pc4=FAR_PC4, postcode="2201 AA")
    resident = make.resident()
    db.session.commit()

    response = client.post(
        f"/koppelen/bewoners/{resident.id}/kiezen", data={"volunteer_id": str(volunteer.id)}, follow_redirects=True
    )

    assert "Deze vrijwilliger woont te ver weg." in response.text
    assert make.holding_matches(resident_id=resident.id) == 0


def test_choosing_without_a_volunteer_is_refused(client: FlaskClient, coordinator: Any, make: Any) -> None:
    resident = make.resident()
    db.session.commit()

    response = client.post(f"/koppelen/bewoners/{resident.id}/kiezen", data={})

    assert response.status_code == 422
    assert "Kies een vrijwilliger." in response.text


def test_choosing_an_unknown_volunteer_is_refused(client: FlaskClient, coordinator: Any, make: Any) -> None:
    resident = make.resident()
    db.session.commit()

    response = client.post(
        f"/koppelen/bewoners/{resident.id}/kiezen", data={"volunteer_id": "999"}, follow_redirects=True
    )

    assert "Deze vrijwilliger bestaat niet." in response.text


# -- CSRF ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_approve_without_csrf_token_changes_nothing(client: FlaskClient, make: Any, app_config: dict[str, Any]) -> None:
    user = make.user(Role.COORDINATOR)
    proposal = _proposal(make, user)
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True

    response = client.post(f"/koppelen/voorstellen/{proposal.id}/goedkeuren")

    assert response.status_code == 400
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.OPEN


def test_runs_list_is_paginated(client: FlaskClient, make: Any, coordinator: Any, app: Flask) -> None:
    app.config["SAMEN_PAGE_SIZE"] = 2
    for _ in range(3):
        make.run(coordinator)
    db.session.commit()

    second = client.get("/koppelen/?pagina=2")

    assert second.status_code == 200
    assert "Pagina 2 van 2" in second.text
