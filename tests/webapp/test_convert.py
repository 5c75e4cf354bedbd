from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask

import matcher
from webapp import convert
from webapp.extensions import db
from webapp.models import Gender, IntakeOutcome, MatchStatus, ProposalStatus, ResidentStatus, VogStatus, utcnow
from webapp.postcodes import pc4_areas
from webapp.rules import age_on

TODAY = date.today()


def _input(app: Flask, programme: str | None = None) -> convert.EngineInput:
    return convert.load_run_input(db.session, app.config, programme, today=TODAY)


def _volunteer_ids(data: convert.EngineInput) -> set[Any]:
    return {v.id for v in data.volunteers}


def test_screened_volunteer_gets_coordinates_of_their_pc4_area(app: Flask, make: Any) -> None:
    volunteer = make.volunteer(pc4="2283", postcode="2283 AB")

    (converted,) = _input(app).volunteers

    assert converted.id == volunteer.id
    assert (converted.lat, converted.lon) == (pc4_areas()["2283"].lat, pc4_areas()["2283"].lon)


def test_volunteer_profile_is_carried_over(app: Flask, make: Any) -> None:
    make.volunteer(
        birth_date=date(1990, 6, 1),
        gender=Gender.VROUW,
        max_distance_km=3.0,
        languages=["nl", "en"],
        interests=["lezen"],
        availability=["mon-morning"],
    )

    (converted,) = _input(app).volunteers

    assert converted.age == age_on(date(1990, 6, 1), TODAY)
    assert converted.gender == "vrouw"
    assert converted.max_distance_km == 3.0
    assert converted.languages == {"nl", "en"}
    assert converted.interests == {"lezen"}
    assert converted.availability == {"mon-morning"}


def test_capacity_is_the_free_capacity(app: Flask, make: Any) -> None:
    make.volunteer(capacity=3, places_taken=1)

    (converted,) = _input(app).volunteers

    assert converted.capacity == 2


def test_volunteer_without_free_capacity_is_left_out(app: Flask, make: Any) -> None:
    make.volunteer(capacity=2, places_taken=2)

    assert _input(app).volunteers == ()


@pytest.mark.parametrize("outcome", [None, IntakeOutcome.TWIJFEL, IntakeOutcome.NIET_GESCHIKT])
def test_volunteer_not_screened_as_suitable_is_left_out(app: Flask, make: Any, outcome: Any) -> None:
    make.volunteer(intake_outcome=outcome)

    assert _input(app).volunteers == ()


def test_volunteer_who_stopped_is_left_out(app: Flask, make: Any) -> None:
    make.volunteer(stopped_at=utcnow())

    assert _input(app).volunteers == ()


def test_programmes_are_those_the_volunteer_is_eligible_for(app: Flask, make: Any) -> None:
    make.volunteer(programmes=("buddy", "bewegen"))

    (converted,) = _input(app).volunteers

    assert converted.programmes == {"buddy", "bewegen"}


def test_each_volunteer_keeps_their_own_programmes_in_the_programmes_order(app: Flask, make: Any) -> None:
    from webapp.models import Programme

    both = make.volunteer(programmes=("bewegen", "buddy"))
    one = make.volunteer(programmes=("bewegen",))
    make.volunteer(programmes=("buddy",), consents=())  # no consent: not loaded, nor are their programmes
    order = [p.code for p in db.session.scalars(db.select(Programme).order_by(Programme.sort_order))]

    loaded = {v.id: v.programme_codes for v in convert.candidate_volunteers(db.session)}

    assert loaded == {both.id: [c for c in order if c in ("bewegen", "buddy")], one.id: ["bewegen"]}
    assert {v.id: v.programme_codes for v in convert.candidate_volunteers(db.session, "buddy")} == {
        both.id: loaded[both.id]
    }


def test_expired_vog_keeps_only_programmes_without_vog(app: Flask, make: Any) -> None:
    make.volunteer(programmes=("buddy", "bewegen"), vog_issued_on=TODAY - timedelta(days=3 * 365 + 5))

    (converted,) = _input(app).volunteers

    assert converted.programmes == {"bewegen"}


def test_vog_is_valid_for_the_configured_years(app: Flask, make: Any) -> None:
    make.volunteer(programmes=("buddy",), vog_issued_on=TODAY.replace(year=TODAY.year - 3))

    (converted,) = _input(app).volunteers

    assert converted.programmes == {"buddy"}


def test_requested_vog_is_not_enough_for_a_vog_programme(app: Flask, make: Any) -> None:
    make.volunteer(programmes=("buddy", "cultuur"), vog_status=VogStatus.AANGEVRAAGD, vog_issued_on=None)

    (converted,) = _input(app).volunteers

    assert converted.programmes == {"cultuur"}


def test_inactive_programme_is_not_offered(app: Flask, make: Any) -> None:
    make.volunteer(programmes=("buddy", "cultuur"))
    make.programme("cultuur").active = False
    db.session.flush()

    (converted,) = _input(app).volunteers

    assert converted.programmes == {"buddy"}


def test_volunteer_eligible_for_no_programme_is_left_out(app: Flask, make: Any) -> None:
    make.volunteer(programmes=("buddy",), vog_status=VogStatus.AFGEWEZEN, vog_issued_on=None)

    assert _input(app).volunteers == ()


def test_only_waiting_residents_are_converted(app: Flask, make: Any) -> None:
    waiting = make.resident()
    make.match(make.volunteer(), make.resident())
    make.resident(status=ResidentStatus.AFGESLOTEN)

    assert [r.id for r in _input(app).residents] == [waiting.id]


def test_run_for_one_programme_takes_its_residents_and_volunteers_only(app: Flask, make: Any) -> None:
    make.resident(programme="buddy")
    bewegen = make.resident(programme="bewegen")
    make.volunteer(programmes=("buddy",))
    sporty = make.volunteer(programmes=("bewegen",))

    data = _input(app, "bewegen")

    assert [r.id for r in data.residents] == [bewegen.id]
    assert _volunteer_ids(data) == {sporty.id}


def test_resident_waiting_days_age_and_wishes(app: Flask, make: Any) -> None:
    make.resident(
        waiting_since=TODAY - timedelta(days=45),
        birth_date=date(1950, 1, 1),
        gender=Gender.MAN,
        preferred_gender=Gender.MAN,
        max_distance_km=2.0,
        pc4="2284",
    )

    (converted,) = _input(app).residents

    assert converted.waiting_days == 45
    assert converted.age == age_on(date(1950, 1, 1), TODAY)
    assert converted.gender == "man"
    assert converted.preferred_gender == "man"
    assert converted.max_distance_km == 2.0
    assert converted.programme == "buddy"
    assert (converted.lat, converted.lon) == (pc4_areas()["2284"].lat, pc4_areas()["2284"].lon)


def test_resident_without_birth_date_has_no_age(app: Flask, make: Any) -> None:
    make.resident(birth_date=None)

    (converted,) = _input(app).residents

    assert converted.age is None


def test_resident_with_unknown_pc4_is_reported_not_converted(app: Flask, make: Any) -> None:
    lost = make.resident(pc4="9999", postcode="9999 ZZ")

    data = _input(app)

    assert data.residents == ()
    assert data.residents_without_location == ((lost.id, 20),)


def test_the_waiting_horizon_comes_from_the_configuration(app: Flask) -> None:
    app.config.update(SAMEN_WAITING_HORIZON_DAYS=90)

    assert _input(app).rules.waiting_horizon_days == 90


def test_each_programme_brings_its_own_weights_distance_and_common_slots(app: Flask, make: Any) -> None:
    walking = make.programme("bewegen")
    walking.weight_distance, walking.weight_interests, walking.weight_availability, walking.weight_waiting = (
        0.5,
        0.5,
        0.0,
        0.0,
    )
    walking.max_distance_km, walking.min_common_slots = 8.0, 2
    db.session.flush()

    rules = _input(app).rules

    assert rules.programme_rules["bewegen"] == matcher.ProgrammeRules(
        weights=matcher.Weights(distance=0.5, interests=0.5, availability=0.0, waiting=0.0),
        max_distance_km=8.0,
        min_common_slots=2,
    )
    assert rules.programme_rules["buddy"] == matcher.ProgrammeRules(
        weights=matcher.Weights(), max_distance_km=5.0, min_common_slots=1
    )


def test_only_residents_with_whom_the_intake_talk_was_held_take_part(app: Flask, make: Any) -> None:
    spoken_to = make.resident()
    make.resident(intake_on=None)
    make.resident(intake_on=None, intake_planned_on=date.today())

    data = _input(app)

    assert [r.id for r in data.residents] == [spoken_to.id]
    assert data.residents_without_intake == 2


def test_age_rules_come_from_the_programmes_table(app: Flask, make: Any) -> None:
    for code in ("buddy", "digitaal", "bewegen"):
        assert make.programme(code).volunteer_max_age is None
    young_old = make.programme("jong-ontmoet-oud")
    young_old.volunteer_max_age, young_old.resident_min_age = 30, 65
    make.programme("cultuur").resident_min_age = 55
    db.session.flush()

    rules = _input(app).rules

    assert rules.age_rules == {
        "jong-ontmoet-oud": matcher.AgeRule(volunteer_max_age=30, resident_min_age=65),
        "cultuur": matcher.AgeRule(resident_min_age=55),
    }


def test_rejected_proposals_and_ended_matches_are_excluded_pairs(app: Flask, make: Any) -> None:
    coordinator = make.user()
    rejected_v, ended_v, open_v = make.volunteer(), make.volunteer(), make.volunteer()
    resident = make.resident()
    run = make.run(coordinator)
    make.proposal(rejected_v, resident, run=run, status=ProposalStatus.AFGEWEZEN)
    make.proposal(open_v, resident)
    make.match(ended_v, resident, coordinator, status=MatchStatus.BEEINDIGD)

    rules = _input(app).rules

    assert rules.excluded_pairs == {(rejected_v.id, resident.id), (ended_v.id, resident.id)}


def test_ids_passed_to_the_engine_are_database_ids(app: Flask, make: Any) -> None:
    volunteer = make.volunteer()
    resident = make.resident()

    result = matcher.propose_matches(_input(app).volunteers, _input(app).residents, _input(app).rules)

    assert [(p.volunteer_id, p.resident_id) for p in result.proposals] == [(volunteer.id, resident.id)]
