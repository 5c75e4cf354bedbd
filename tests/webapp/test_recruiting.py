"""Wie zoeken we? (/coordinatie/wie-zoeken-we): which new volunteers would help the residents nobody fits now.

The service works it out from a run's input and result; every matching run's worker does so and stores it with the
run, and the page shows the newest run's.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.conftest import AuthActions
from tests.webapp.factories import FAR_PC4
from tests.webapp.runs_helpers import run_engine
from webapp.enums import Gender
from webapp.extensions import db
from webapp.models import MatchRun, Role, RunStatus, User
from webapp.services import matching, recruiting
from webapp.services.recruiting import GapRow, Profile, ProfileGain, slot_choices

URL = "/coordinatie/wie-zoeken-we"
TURKISH_TUESDAY = {"pc4": "2284", "postcode": "2284 AB", "languages": ["tr"], "availability": ["tue-afternoon"]}


@pytest.fixture
def three_waiting_in_2284(make: Any) -> None:
    """The worked example: three residents in 2284 want a buddy on Tuesday afternoon and speak Turkish only; the one
    Turkish-speaking volunteer lives in Noordwijk. A Dutch-speaking pair in 2282 is matched as usual."""
    for _ in range(3):
        make.resident(**TURKISH_TUESDAY)
    make.volunteer(pc4=FAR_PC4, postcode=f"{FAR_PC4} AA", languages=["tr"], availability=["tue-afternoon"])
    make.volunteer()
    make.resident()
    db.session.commit()


def born_years_ago(age: int) -> date:
    """A birth date of someone who is ``age`` today."""
    return date(date.today().year - age - 1, 1, 1)


def gaps(app: Flask, programme: str | None = None) -> recruiting.RecruitingGaps:
    with app.test_request_context():
        return recruiting.recruiting_gaps(db.session, app.config, programme)


def row(html: str, element_id: str) -> list[str]:
    """The cells of the table row with this id, as text."""
    match = re.search(rf'<tr id="{element_id}">(.*?)</tr>', html, re.S)
    assert match, element_id
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match[1], re.S)]


# -- the service ---------------------------------------------------------------------------------------


@pytest.mark.usefixtures("three_waiting_in_2284")
def test_one_new_volunteer_in_2284_matches_one_and_unblocks_three(app: Flask) -> None:
    found = gaps(app)

    wanted = ProfileGain(Profile("buddy", "2284", ("tue-afternoon",), "tr", None), 1, 3, 3)
    assert (found.residents, found.waiting, found.without_feasible, found.beyond_recruiting) == (4, 3, 3, 0)
    assert found.best_profiles == (wanted,)
    assert found.areas == (GapRow("2284", 3, wanted),)
    assert found.slots == (GapRow("tue-afternoon", 3, wanted),)
    assert found.languages == (GapRow("tr", 3, wanted),)
    assert found.programmes == (GapRow("buddy", 3, wanted),)
    assert found.typical_distance_km == 5.0


@pytest.mark.usefixtures("three_waiting_in_2284")
def test_a_programme_without_such_residents_needs_nobody(app: Flask) -> None:
    found = gaps(app, "bewegen")

    assert (found.waiting, found.without_feasible, found.best_profiles, found.areas) == (0, 0, (), ())


def test_an_area_with_more_residents_ranks_first(app: Flask, make: Any) -> None:
    """Two Turkish speakers in 2284 and one Arabic speaker in 2289: one volunteer in 2284 unblocks two."""
    make.resident(**TURKISH_TUESDAY)
    make.resident(**TURKISH_TUESDAY)
    make.resident(pc4="2289", postcode="2289 AB", languages=["ar"], availability=["fri-morning"])
    db.session.commit()

    found = gaps(app)

    assert [(r.key, r.without_feasible, r.best.matched_gain, r.best.unblocked) for r in found.areas] == [
        ("2284", 2, 1, 2),
        ("2289", 1, 1, 1),
    ]
    assert [r.key for r in found.languages] == ["tr", "ar"]
    assert found.typical_distance_km is None  # no volunteers: the programme's limit


def test_the_profile_meets_the_programmes_age_rule_and_the_residents_wish(app: Flask, make: Any) -> None:
    """Jong ontmoet Oud asks for a volunteer of at most 30 (the demo's rule); the resident asks for a woman."""
    programme = make.programme("jong-ontmoet-oud")
    programme.volunteer_max_age, programme.resident_min_age = 30, 65
    make.resident(
        programme="jong-ontmoet-oud", preferred_gender=Gender.VROUW, birth_date=born_years_ago(75), **TURKISH_TUESDAY
    )
    db.session.commit()

    found = gaps(app)

    assert [(g.profile.gender, g.matched_gain, g.unblocked) for g in found.best_profiles] == [("vrouw", 1, 1)]


def test_a_resident_no_new_volunteer_can_help_is_counted_apart(app: Flask, make: Any) -> None:
    """Jong ontmoet Oud is for residents of 65 and older: for a resident of 40 no volunteer fits, new or not."""
    make.programme("jong-ontmoet-oud").resident_min_age = 65
    make.resident(programme="jong-ontmoet-oud", birth_date=born_years_ago(40), **TURKISH_TUESDAY)
    db.session.commit()

    found = gaps(app)

    assert (found.without_feasible, found.beyond_recruiting, found.best_profiles) == (1, 1, ())


def test_a_programme_that_asks_for_two_common_part_days_gets_profiles_with_two(app: Flask, make: Any) -> None:
    make.programme("buddy").min_common_slots = 2
    make.resident(pc4="2284", postcode="2284 AB", languages=["tr"], availability=["tue-afternoon", "thu-morning"])
    db.session.commit()

    found = gaps(app)

    assert [g.profile.slots for g in found.best_profiles] == [("tue-afternoon", "thu-morning")]
    assert {r.key for r in found.slots} == {"tue-afternoon", "thu-morning"}


def test_slot_choices_follow_the_week_and_wrap_round_it() -> None:
    assert slot_choices({"sun-evening", "mon-morning"}, 1) == [("mon-morning",), ("sun-evening",)]
    assert slot_choices({"sun-evening", "mon-morning", "wed-afternoon"}, 2) == [
        ("mon-morning", "wed-afternoon"),
        ("wed-afternoon", "sun-evening"),
        ("sun-evening", "mon-morning"),
    ]
    assert slot_choices({"mon-morning"}, 2) == []
    assert slot_choices({"mon-morning"}, 0) == [("mon-morning",)]


# -- the page ------------------------------------------------------------------------------------------


def finished_run(app: Flask, programme: str | None = None) -> MatchRun:
    """A matching run started by the coordinator and run by a worker, as the page's data comes about."""
    with app.test_request_context():
        coordinator = db.session.scalars(db.select(User).where(User.role == Role.COORDINATOR)).first()
        assert coordinator is not None
        run = run_engine(db.session, coordinator, programme, app.config)
        db.session.commit()
        return run


@pytest.fixture
def page(app: Flask, as_coordinator: FlaskClient, three_waiting_in_2284: None) -> str:
    finished_run(app)
    response = as_coordinator.get(URL)
    assert response.status_code == 200
    return response.text


def test_the_page_names_the_volunteer_to_look_for(page: str) -> None:
    assert "<h1>Wie zoeken we?" in page
    assert row(page, "profiel-1") == [
        "Een vrijwilliger in 2284 Rijswijk die op dinsdagmiddag kan en Turks spreekt, voor Maatje (buddy)",
        "1",
        "3",
    ]
    assert 'id="profiel-2"' not in page
    assert row(page, "gebieden-2284") == ["2284 Rijswijk", "3", "3"]
    assert row(page, "dagdelen-tue-afternoon") == ["dinsdagmiddag", "3", "3"]
    assert row(page, "talen-tr") == ["Turks", "3", "3"]
    assert row(page, "programmas-buddy") == ["Maatje (buddy)", "3", "3"]
    assert re.search(r'id="aantal-zonder-passende">3<', page)
    assert re.search(r'id="aantal-wachtend">3<', page)


def test_the_page_shows_no_names(page: str) -> None:
    assert "Kees" not in page
    assert "Jansen" not in page


def test_the_page_prints_on_a4_without_inline_styles(as_coordinator: FlaskClient, page: str) -> None:
    css = as_coordinator.get("/static/css/recruiting.css").text

    assert "css/recruiting.css" in page
    assert "style=" not in page
    assert "<style" not in page
    assert "@media print" in css
    assert "size: A4" in css
    assert ".no-print" in css
    assert 'class="filters no-print"' in page


def test_one_programme(app: Flask, as_coordinator: FlaskClient, three_waiting_in_2284: None) -> None:
    finished_run(app, "bewegen")
    html = as_coordinator.get(URL, query_string={"programma": "bewegen"}).text

    assert '<span class="recruiting-programme">Bewegen tegen eenzaamheid</span>' in html
    assert 'id="niemand-nodig"' in html
    assert '<option value="bewegen" selected>' in html


@pytest.mark.parametrize(
    "query",
    [
        {"programma": "bestaat-niet"},
        {"programma": "\x00"},
        {"programma": "x" * 5000},
        {"programma": ["buddy", "bewegen"]},
        {"pagina": "-1", "programma": ""},
    ],
    ids=["unknown", "control-character", "long", "twice", "other-parameters"],
)
def test_odd_query_parameters_show_every_programme(
    app: Flask, as_coordinator: FlaskClient, three_waiting_in_2284: None, query: dict[str, Any]
) -> None:
    finished_run(app)
    finished_run(app, "buddy")  # a parameter given twice: the first one counts
    response = as_coordinator.get(URL, query_string=query)

    assert response.status_code == 200
    assert "Maatje (buddy)</th>" in response.text


def test_with_nobody_waiting_the_page_says_so(app: Flask, as_coordinator: FlaskClient) -> None:
    finished_run(app)
    html = as_coordinator.get(URL).text

    assert 'id="niemand-nodig"' in html
    assert "Voor iedere wachtende bewoner is er minstens één passende vrijwilliger." in html


def test_the_run_stores_what_the_service_works_out(app: Flask, three_waiting_in_2284: None) -> None:
    run = finished_run(app)

    assert run.recruiting is not None
    stored = recruiting.latest_report(db.session, None)
    assert stored.run is not None
    assert stored.run.id == run.id
    assert stored.gaps is not None
    live = gaps(app)
    assert replace(stored.gaps, computed_at=live.computed_at, seconds=live.seconds) == live


def test_the_newest_run_of_the_scope_counts(app: Flask, as_coordinator: FlaskClient, make: Any) -> None:
    for _ in range(3):
        make.resident(**TURKISH_TUESDAY)
    db.session.commit()
    finished_run(app)
    assert row(as_coordinator.get(URL).text, "gebieden-2284") == ["2284 Rijswijk", "3", "3"]

    make.resident(**TURKISH_TUESDAY)
    db.session.commit()
    newer = finished_run(app)
    finished_run(app, "buddy")  # another scope: not this page's

    html = as_coordinator.get(URL).text
    assert row(html, "gebieden-2284") == ["2284 Rijswijk", "4", "4"]
    assert f"koppelronde {newer.id} haar liet" in html


def test_before_any_run_the_page_says_where_it_comes_from(as_coordinator: FlaskClient, make: Any) -> None:
    make.resident(**TURKISH_TUESDAY)
    db.session.commit()

    html = as_coordinator.get(URL).text

    assert 'id="nog-niet-berekend"' in html
    assert "Er is nog geen koppelronde geweest voor deze bewoners." in html
    assert 'href="/koppelen/"' in html
    assert 'id="profiel-1"' not in html


def test_a_programme_without_a_run_of_its_own_points_to_the_whole_list(
    app: Flask, as_coordinator: FlaskClient, three_waiting_in_2284: None
) -> None:
    finished_run(app)

    html = as_coordinator.get(URL, query_string={"programma": "buddy"}).text

    assert "Er is nog geen koppelronde alleen voor dit programma geweest." in html
    assert f'href="{URL}"' in html
    assert 'id="profiel-1"' not in html


def test_while_a_run_is_going_the_page_says_so(
    app: Flask, as_coordinator: FlaskClient, coordinator: User, three_waiting_in_2284: None
) -> None:
    finished_run(app)
    with app.test_request_context():
        queued = matching.queue_run(db.session, coordinator, None, app.config)
        db.session.commit()

    html = as_coordinator.get(URL).text

    assert 'id="ronde-bezig"' in html
    assert f'href="/koppelen/runs/{queued.id}"' in html
    assert 'id="profiel-1"' in html  # the previous run's advice stands meanwhile


@pytest.mark.parametrize(
    ("stored", "says"),
    [(None, "is Wie zoeken we? nog niet berekend"), ({"error": "onverwachte fout"}, "kon Wie zoeken we? niet")],
    ids=["run-before-it-was-stored", "failed"],
)
def test_a_run_without_advice_says_why(
    app: Flask, as_coordinator: FlaskClient, three_waiting_in_2284: None, stored: Any, says: str
) -> None:
    run = finished_run(app)
    db.session.execute(db.update(MatchRun).where(MatchRun.id == run.id).values(recruiting=stored))
    db.session.commit()

    html = as_coordinator.get(URL).text

    assert says in html
    assert 'id="profiel-1"' not in html


def test_a_run_whose_advice_fails_keeps_its_proposals(
    app: Flask, monkeypatch: pytest.MonkeyPatch, three_waiting_in_2284: None
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("kapot")

    monkeypatch.setattr(recruiting, "gaps_after_run", broken)

    run = finished_run(app)

    assert run.status is RunStatus.KLAAR
    assert run.recruiting == {"error": "onverwachte fout"}
    assert run.stats["proposals"] == 1


def test_the_week_page_links_to_it(as_coordinator: FlaskClient) -> None:
    assert f'href="{URL}"' in as_coordinator.get("/coordinatie").text


def test_the_run_page_links_to_it_for_its_programme(
    app: Flask, as_coordinator: FlaskClient, coordinator: User, three_waiting_in_2284: None
) -> None:

    with app.test_request_context():
        run = run_engine(db.session, coordinator, "buddy", app.config)
        db.session.commit()

    html = as_coordinator.get(f"/koppelen/runs/{run.id}").text

    assert f'href="{URL}?programma=buddy"' in html


# -- who may see it ------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen")


@pytest.mark.parametrize("role", [Role.REFERRER, Role.VIEWER])
def test_referrers_and_viewers_are_refused(client: FlaskClient, auth: AuthActions, make: Any, role: Role) -> None:
    user = make.user(role)
    db.session.commit()
    auth.login_as(user)

    assert client.get(URL).status_code == 403


def test_admins_may_see_it(client: FlaskClient, auth: AuthActions, make: Any) -> None:
    user = make.user(Role.ADMIN)
    db.session.commit()
    auth.login_as(user)

    assert client.get(URL).status_code == 200
