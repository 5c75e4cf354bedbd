"""The match pages: /koppelingen/ (the list) and /koppelingen/<id> with a form for every step allowed now.

A step that is not allowed now answers 409 with a Dutch message and changes nothing; invalid input answers 422
and keeps what was typed; success redirects to the match page.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.webapp.factories import today
from webapp.enums import CheckInVerdict, MatchStatus, ResidentStatus
from webapp.extensions import db
from webapp.models import Match, User


def _reload(match: Match) -> Match:
    db.session.expire_all()
    stored = db.session.get(Match, match.id)
    assert stored is not None
    return stored


@pytest.fixture
def introduction(make: Any, coordinator: User) -> Match:
    """A pair in its introduction, nothing planned yet."""
    match = make.match(
        make.volunteer(first_name="Vera", last_name="Vrijwilliger"),
        make.resident(first_name="Bert", last_name="Bewoner"),
        coordinator,
        status=MatchStatus.KENNISMAKING,
        planned=False,
    )
    db.session.commit()
    return match


@pytest.fixture
def planned(make: Any, coordinator: User) -> Match:
    match = make.match(make.volunteer(), make.resident(), coordinator, status=MatchStatus.KENNISMAKING)
    db.session.commit()
    return match


@pytest.fixture
def active(make: Any, coordinator: User) -> Match:
    match = make.match(make.volunteer(), make.resident(), coordinator, started_on=today() - timedelta(days=10))
    db.session.commit()
    return match


def _plan_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "on": (today() + timedelta(days=3)).isoformat(),
        "at": "14:30",
        "place": "Huis van de Stad",
        "coordinator_joins": "y",
    }
    data.update(overrides)
    return data


def _check_in_post(**overrides: Any) -> dict[str, Any]:
    data = {"held_on": today().isoformat(), "with_whom": "beiden", "method": "telefoon", "verdict": "goed", "note": ""}
    data.update(overrides)
    return data


def _end_post(**overrides: Any) -> dict[str, Any]:
    data = {"reason": "doel_bereikt", "ended_on": today().isoformat(), "note": "", "resident": "wachtlijst"}
    data.update(overrides)
    return data


# -- the match page -----------------------------------------------------------------------------------------


def test_the_page_of_an_introduction_offers_to_plan_it_with_date_and_time_inputs(
    client: FlaskClient, introduction: Match
) -> None:
    response = client.get(f"/koppelingen/{introduction.id}")

    assert response.status_code == 200
    html = response.text
    assert "Bert Bewoner en Vera Vrijwilliger" in html
    assert f'action="/koppelingen/{introduction.id}/kennismaking"' in html
    assert re.search(r'<input[^>]*id="on"[^>]*type="date"|<input[^>]*type="date"[^>]*id="on"', html)
    assert re.search(r'<input[^>]*type="time"', html)
    assert 'name="csrf_token"' in html
    assert f'action="/koppelingen/{introduction.id}/uitkomst"' not in html  # no outcome before it is planned


def test_the_page_of_a_planned_introduction_offers_its_outcome_and_to_move_or_cancel_it(
    client: FlaskClient, planned: Match
) -> None:
    html = client.get(f"/koppelingen/{planned.id}").text

    assert f'action="/koppelingen/{planned.id}/uitkomst"' in html
    assert f'action="/koppelingen/{planned.id}/kennismaking/verzetten"' in html
    assert f'action="/koppelingen/{planned.id}/kennismaking/annuleren"' in html
    assert f'action="/koppelingen/{planned.id}/kennismaking"' not in html


def test_the_page_of_an_active_match_offers_a_check_in_and_the_ending(client: FlaskClient, active: Match) -> None:
    html = client.get(f"/koppelingen/{active.id}").text

    assert f'action="/koppelingen/{active.id}/contactmoment"' in html
    assert f'action="/koppelingen/{active.id}/beeindigen"' in html
    assert "Doel bereikt" in html  # the end reasons admins manage
    assert "Geen klik bij kennismaking" not in html.split("beeindigen")[-1]  # not offered for an ending


def test_the_page_of_an_ended_match_offers_nothing_and_shows_the_whole_timeline(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    match = make.match(make.volunteer(), make.resident(), coordinator, status=MatchStatus.BEEINDIGD)
    db.session.commit()

    html = client.get(f"/koppelingen/{match.id}").text

    assert "Volgende stap" not in html
    for step in ("Maatje zelf gekozen", "Kennismaking gepland", "Beiden zeiden ja", "Koppeling beëindigd"):
        assert step in html
    assert "Carla Coördinator" in html


def test_an_unknown_match_is_not_found(client: FlaskClient, coordinator: User) -> None:
    assert client.get("/koppelingen/999").status_code == 404
    assert client.post("/koppelingen/999/kennismaking", data=_plan_post()).status_code == 404


# -- each step: success, refusal, invalid input -------------------------------------------------------------


def test_planning_redirects_to_the_match_page(client: FlaskClient, introduction: Match) -> None:
    response = client.post(f"/koppelingen/{introduction.id}/kennismaking", data=_plan_post())

    assert response.status_code == 302
    assert response.headers["Location"] == f"/koppelingen/{introduction.id}"
    stored = _reload(introduction)
    assert (stored.introduction_on, stored.introduction_place) == (today() + timedelta(days=3), "Huis van de Stad")


def test_planning_twice_answers_409_and_changes_nothing(client: FlaskClient, planned: Match) -> None:
    before = _reload(planned).introduction_place

    response = client.post(f"/koppelingen/{planned.id}/kennismaking", data=_plan_post(place="Ergens anders"))

    assert response.status_code == 409
    assert "De kennismaking is al gepland." in response.text
    assert _reload(planned).introduction_place == before


def test_planning_without_a_place_answers_422_and_keeps_the_typed_date(
    client: FlaskClient, introduction: Match
) -> None:
    typed = (today() + timedelta(days=9)).isoformat()

    response = client.post(f"/koppelingen/{introduction.id}/kennismaking", data=_plan_post(on=typed, place=""))

    assert response.status_code == 422
    assert "Vul de plaats van de kennismaking in." in response.text
    assert f'value="{typed}"' in response.text
    assert _reload(introduction).introduction_on is None


def test_an_outcome_before_the_introduction_is_planned_answers_409(client: FlaskClient, introduction: Match) -> None:
    response = client.post(f"/koppelingen/{introduction.id}/uitkomst", data={"outcome": "ja"})

    assert response.status_code == 409
    assert "Plan eerst de kennismaking." in response.text
    assert _reload(introduction).status is MatchStatus.KENNISMAKING


def test_both_yes_makes_it_active(client: FlaskClient, planned: Match) -> None:
    response = client.post(
        f"/koppelingen/{planned.id}/uitkomst", data={"outcome": "ja", "started_on": today().isoformat()}
    )

    assert response.status_code == 302
    stored = _reload(planned)
    assert (stored.status, stored.started_on, stored.resident.status) == (
        MatchStatus.ACTIEF,
        today(),
        ResidentStatus.GEKOPPELD,
    )


def test_a_no_ends_it_and_the_resident_waits_again(client: FlaskClient, planned: Match) -> None:
    waiting_since = planned.resident.waiting_since

    response = client.post(f"/koppelingen/{planned.id}/uitkomst", data={"outcome": "nee"}, follow_redirects=True)

    assert "geen klik" in response.text
    stored = _reload(planned)
    assert (stored.status, stored.resident.status, stored.resident.waiting_since) == (
        MatchStatus.BEEINDIGD,
        ResidentStatus.WACHTEND,
        waiting_since,
    )


def test_an_outcome_without_a_choice_answers_422(client: FlaskClient, planned: Match) -> None:
    response = client.post(f"/koppelingen/{planned.id}/uitkomst", data={})

    assert response.status_code == 422
    assert "Kies de uitkomst van de kennismaking." in response.text


def test_a_start_date_in_the_future_answers_422_and_changes_nothing(client: FlaskClient, planned: Match) -> None:
    response = client.post(
        f"/koppelingen/{planned.id}/uitkomst",
        data={"outcome": "ja", "started_on": (today() + timedelta(days=2)).isoformat()},
    )

    assert response.status_code == 422
    assert "De startdatum kan niet in de toekomst liggen." in response.text
    assert _reload(planned).status is MatchStatus.KENNISMAKING


def test_cancelling_needs_a_reason_and_then_ends_the_introduction(client: FlaskClient, planned: Match) -> None:
    empty = client.post(f"/koppelingen/{planned.id}/kennismaking/annuleren", data={"note": " "})
    done = client.post(f"/koppelingen/{planned.id}/kennismaking/annuleren", data={"note": "Bewoner is ziek."})

    assert empty.status_code == 422
    assert done.status_code == 302
    assert (_reload(planned).status, _reload(planned).end_note) == (MatchStatus.BEEINDIGD, "Bewoner is ziek.")


def test_moving_the_introduction_needs_the_version_the_page_showed(client: FlaskClient, planned: Match) -> None:
    version = _reload(planned).version

    stale = client.post(
        f"/koppelingen/{planned.id}/kennismaking/verzetten", data=_plan_post(place="Eerst", version=str(version - 1))
    )
    fresh = client.post(
        f"/koppelingen/{planned.id}/kennismaking/verzetten", data=_plan_post(place="Bibliotheek", version=str(version))
    )

    assert stale.status_code == 409
    assert fresh.status_code == 302
    assert _reload(planned).introduction_place == "Bibliotheek"


def test_a_check_in_redirects_and_shows_on_the_page(client: FlaskClient, active: Match) -> None:
    response = client.post(
        f"/koppelingen/{active.id}/contactmoment",
        data=_check_in_post(verdict="zorgen", note="Bewoner is somber sinds de zomer."),
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert "Het contactmoment is vastgelegd." in response.text
    assert "Bewoner is somber sinds de zomer." in response.text
    assert [c.verdict for c in _reload(active).check_ins] == [CheckInVerdict.ZORGEN]


def test_a_check_in_during_the_introduction_answers_409(client: FlaskClient, planned: Match) -> None:
    response = client.post(f"/koppelingen/{planned.id}/contactmoment", data=_check_in_post())

    assert response.status_code == 409
    assert "Een contactmoment kan pas als de koppeling actief is." in response.text
    assert _reload(planned).check_ins == []


def test_a_check_in_with_missing_answers_answers_422_and_keeps_the_note(client: FlaskClient, active: Match) -> None:
    response = client.post(
        f"/koppelingen/{active.id}/contactmoment", data=_check_in_post(with_whom="", note="Wat ik typte")
    )

    assert response.status_code == 422
    assert "Kies met wie u sprak." in response.text
    assert "Wat ik typte" in response.text
    assert _reload(active).check_ins == []


def test_ending_redirects_and_a_second_ending_answers_409(client: FlaskClient, active: Match) -> None:
    first = client.post(f"/koppelingen/{active.id}/beeindigen", data=_end_post())
    second = client.post(f"/koppelingen/{active.id}/beeindigen", data=_end_post(reason="verhuisd"))

    assert first.status_code == 302
    assert second.status_code == 409
    assert "Deze koppeling is beëindigd" in second.text
    assert _reload(active).end_reason_code == "doel_bereikt"


def test_a_check_in_on_an_ended_match_answers_409(client: FlaskClient, active: Match) -> None:
    client.post(f"/koppelingen/{active.id}/beeindigen", data=_end_post())

    response = client.post(f"/koppelingen/{active.id}/contactmoment", data=_check_in_post())

    assert response.status_code == 409
    assert _reload(active).check_ins == []


def test_ending_with_other_needs_a_note_and_keeps_the_choices(client: FlaskClient, active: Match) -> None:
    response = client.post(f"/koppelingen/{active.id}/beeindigen", data=_end_post(reason="anders", note=""))

    assert response.status_code == 422
    assert "Licht de reden toe." in response.text
    assert re.search(r'<option selected value="anders">|<option value="anders" selected', response.text)
    assert _reload(active).status is MatchStatus.ACTIEF


def test_ending_an_introduction_answers_409(client: FlaskClient, planned: Match) -> None:
    response = client.post(f"/koppelingen/{planned.id}/beeindigen", data=_end_post())

    assert response.status_code == 409
    assert "nog in de kennismaking" in response.text


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_step_without_the_csrf_token_changes_nothing(
    client: FlaskClient, introduction: Match, app_config: dict[str, Any]
) -> None:
    response = client.post(f"/koppelingen/{introduction.id}/kennismaking", data=_plan_post())

    assert response.status_code == 400
    assert _reload(introduction).introduction_on is None


# -- the list -----------------------------------------------------------------------------------------------


def test_the_list_shows_running_matches_with_what_they_need_overdue_first(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    on_track = make.match(make.volunteer(), make.resident(first_name="Rustig"), coordinator)
    overdue = make.match(
        make.volunteer(), make.resident(first_name="Laat"), coordinator, started_on=today() - timedelta(days=90)
    )
    make.match(make.volunteer(), make.resident(first_name="Voorbij"), coordinator, status=MatchStatus.BEEINDIGD)
    db.session.commit()

    html = client.get("/koppelingen/").text

    assert html.index("Laat") < html.index("Rustig")
    assert "contactmoment te laat" in html
    assert "Voorbij" not in html  # ended matches only with the filter
    assert f"/koppelingen/{overdue.id}" in html
    assert f"/koppelingen/{on_track.id}" in html


def test_the_list_filters_on_ended_matches_and_searches_names(
    client: FlaskClient, make: Any, coordinator: User
) -> None:
    make.match(make.volunteer(), make.resident(first_name="Loopt"), coordinator)
    make.match(make.volunteer(), make.resident(first_name="Gestopt"), coordinator, status=MatchStatus.BEEINDIGD)
    db.session.commit()

    ended = client.get("/koppelingen/?status=beeindigd").text
    searched = client.get("/koppelingen/?status=alle&zoek=gestopt").text

    assert "Gestopt" in ended
    assert "Loopt" not in ended
    assert "Gestopt" in searched
    assert "Loopt" not in searched


def test_odd_list_parameters_are_ignored_not_an_error(client: FlaskClient, coordinator: User) -> None:
    response = client.get("/koppelingen/?status=x&programma=y&pagina=99999999999999999999&zoek=" + "a" * 300)

    assert response.status_code == 200
