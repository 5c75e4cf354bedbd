"""Bad input raises MatcherInputError (a ValueError) whose message names the id and the field."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from matcher import (
    AgeRule,
    MatcherInputError,
    MatchRules,
    ProgrammeRules,
    Resident,
    Volunteer,
    Weights,
    propose_matches,
    rank_candidates,
)


def anna(**fields: Any) -> Volunteer:
    defaults: dict[str, Any] = {"lat": 52.0365, "lon": 4.3250, "availability": {"tue-morning"}, "programmes": {"buddy"}}
    return Volunteer(id="anna", **{**defaults, **fields})


def kees(**fields: Any) -> Resident:
    defaults: dict[str, Any] = {"lat": 52.0375, "lon": 4.3190, "programme": "buddy", "availability": {"tue-morning"}}
    return Resident(id="kees", **{**defaults, **fields})


def test_matcher_input_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="'anna'"):
        propose_matches([anna(capacity=-1)], [kees()])


def test_valid_input_raises_nothing() -> None:
    result = propose_matches([anna()], [kees()])

    assert len(result.proposals) == 1


PERSON_FIELDS = [
    pytest.param({"lat": math.nan}, "lat", id="lat-nan"),
    pytest.param({"lat": math.inf}, "lat", id="lat-inf"),
    pytest.param({"lat": 90.5}, "lat", id="lat-beyond-the-pole"),
    pytest.param({"lat": "52.04"}, "lat", id="lat-as-text"),
    pytest.param({"lon": -math.inf}, "lon", id="lon-minus-inf"),
    pytest.param({"lon": math.nan}, "lon", id="lon-nan"),
    pytest.param({"lon": 180.5}, "lon", id="lon-out-of-range"),
    pytest.param({"availability": {"tuesday-morning"}}, "availability", id="unknown-slot"),
    pytest.param({"availability": {"tue-morning", "tue-night"}}, "availability", id="one-unknown-slot-among-good"),
    pytest.param({"availability": "tue-morning"}, "availability", id="availability-bare-string"),
    pytest.param({"max_distance_km": -1.0}, "max_distance_km", id="negative-travel-limit"),
    pytest.param({"max_distance_km": math.nan}, "max_distance_km", id="nan-travel-limit"),
    pytest.param({"interests": "koken"}, "interests", id="interests-bare-string"),
    pytest.param({"age": -3}, "age", id="negative-age"),
]


@pytest.mark.parametrize(("fields", "field"), PERSON_FIELDS)
def test_bad_volunteer_field_is_named_with_the_volunteers_id(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(MatcherInputError, match=r"volunteer 'anna'") as caught:
        propose_matches([anna(**fields)], [kees()])

    assert field in str(caught.value)


@pytest.mark.parametrize(("fields", "field"), PERSON_FIELDS)
def test_bad_resident_field_is_named_with_the_residents_id(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(MatcherInputError, match=r"resident 'kees'") as caught:
        propose_matches([anna()], [kees(**fields)])

    assert field in str(caught.value)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"capacity": -1}, "capacity", id="negative-capacity"),
        pytest.param({"capacity": True}, "capacity", id="bool-capacity"),
        pytest.param({"capacity": 1.5}, "capacity", id="fractional-capacity"),
        pytest.param({"programmes": "buddy"}, "programmes", id="programmes-bare-string"),
    ],
)
def test_bad_volunteer_only_field_is_named(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(MatcherInputError, match=r"volunteer 'anna'") as caught:
        propose_matches([anna(**fields)], [kees()])

    assert field in str(caught.value)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"waiting_days": -1}, "waiting_days", id="negative-waiting-days"),
        pytest.param({"waiting_days": 2.5}, "waiting_days", id="fractional-waiting-days"),
        pytest.param({"programme": ""}, "programme", id="empty-programme"),
        pytest.param({"preferred_gender": 1}, "preferred_gender", id="preferred-gender-not-text"),
    ],
)
def test_bad_resident_only_field_is_named(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(MatcherInputError, match=r"resident 'kees'") as caught:
        propose_matches([anna()], [kees(**fields)])

    assert field in str(caught.value)


def test_duplicate_volunteer_id_is_named() -> None:
    with pytest.raises(MatcherInputError, match=r"volunteer 'anna'.*\bid\b"):
        propose_matches([anna(), anna(lat=52.05)], [kees()])


def test_duplicate_resident_id_is_named() -> None:
    with pytest.raises(MatcherInputError, match=r"resident 'kees'.*\bid\b"):
        propose_matches([anna()], [kees(), kees(lat=52.05)])


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        pytest.param(MatchRules(weights=Weights(distance=-0.1)), "weights.distance", id="negative-distance-weight"),
        pytest.param(MatchRules(weights=Weights(waiting=-1.0)), "weights.waiting", id="negative-waiting-weight"),
        pytest.param(MatchRules(weights=Weights(interests=math.nan)), "weights.interests", id="nan-weight"),
        pytest.param(MatchRules(weights=Weights(0, 0, 0, 0)), "weights", id="all-zero-weights"),
        pytest.param(
            MatchRules(age_rules={"jong-ontmoet-oud": AgeRule(volunteer_min_age=40, volunteer_max_age=30)}),
            "age_rules['jong-ontmoet-oud'].volunteer_min_age",
            id="volunteer-age-bounds-crossed",
        ),
        pytest.param(
            MatchRules(age_rules={"jong-ontmoet-oud": AgeRule(resident_min_age=80, resident_max_age=65)}),
            "age_rules['jong-ontmoet-oud'].resident_min_age",
            id="resident-age-bounds-crossed",
        ),
        pytest.param(MatchRules(max_distance_km=-1.0), "max_distance_km", id="negative-distance-limit"),
        pytest.param(MatchRules(max_distance_km=0.0), "max_distance_km", id="zero-distance-limit"),
        pytest.param(MatchRules(max_distance_km=math.inf), "max_distance_km", id="infinite-distance-limit"),
        pytest.param(MatchRules(min_score=-0.1), "min_score", id="min-score-below-zero"),
        pytest.param(MatchRules(min_score=1.1), "min_score", id="min-score-above-one"),
        pytest.param(MatchRules(min_score=math.nan), "min_score", id="min-score-nan"),
        pytest.param(MatchRules(min_common_slots=-1), "min_common_slots", id="negative-min-common-slots"),
        pytest.param(MatchRules(waiting_horizon_days=0), "waiting_horizon_days", id="zero-waiting-horizon"),
    ],
)
def test_bad_rule_is_named(rules: MatchRules, field: str) -> None:
    with pytest.raises(MatcherInputError, match=r"^rules") as caught:
        propose_matches([anna()], [kees()], rules)

    assert field in str(caught.value)


def buddy_rules(**fields: Any) -> MatchRules:
    """Rules whose 'buddy' programme sets the given ProgrammeRules fields."""
    return MatchRules(programme_rules={"buddy": ProgrammeRules(**fields)})


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        pytest.param(
            MatchRules(programme_rules=[("buddy", ProgrammeRules())]),
            "programme_rules",
            id="programme-rules-not-a-mapping",
        ),
        pytest.param(
            MatchRules(programme_rules={"buddy": {"max_distance_km": 2.0}}),
            "programme_rules['buddy']",
            id="programme-rules-value-not-programme-rules",
        ),
        pytest.param(
            MatchRules(programme_rules={1: ProgrammeRules()}),
            "programme_rules[1]",
            id="programme-name-not-text",
        ),
        pytest.param(buddy_rules(weights=(1, 1, 1, 1)), "programme_rules['buddy'].weights", id="weights-not-weights"),
        pytest.param(
            buddy_rules(weights=Weights(distance=-0.1)),
            "programme_rules['buddy'].weights.distance",
            id="negative-programme-weight",
        ),
        pytest.param(
            buddy_rules(weights=Weights(interests=math.inf)),
            "programme_rules['buddy'].weights.interests",
            id="infinite-programme-weight",
        ),
        pytest.param(
            buddy_rules(weights=Weights(availability=math.nan)),
            "programme_rules['buddy'].weights.availability",
            id="nan-programme-weight",
        ),
        pytest.param(
            buddy_rules(weights=Weights(waiting=True)),
            "programme_rules['buddy'].weights.waiting",
            id="bool-programme-weight",
        ),
        pytest.param(
            buddy_rules(weights=Weights(0, 0, 0, 0)),
            "programme_rules['buddy'].weights must not all be zero",
            id="all-zero-programme-weights",
        ),
        pytest.param(
            buddy_rules(max_distance_km=0.0), "programme_rules['buddy'].max_distance_km", id="zero-programme-limit"
        ),
        pytest.param(
            buddy_rules(max_distance_km=-2.0),
            "programme_rules['buddy'].max_distance_km",
            id="negative-programme-limit",
        ),
        pytest.param(
            buddy_rules(max_distance_km=math.inf),
            "programme_rules['buddy'].max_distance_km",
            id="infinite-programme-limit",
        ),
        pytest.param(
            buddy_rules(max_distance_km=math.nan), "programme_rules['buddy'].max_distance_km", id="nan-programme-limit"
        ),
        pytest.param(
            buddy_rules(max_distance_km="3"), "programme_rules['buddy'].max_distance_km", id="programme-limit-as-text"
        ),
        pytest.param(
            buddy_rules(max_distance_km=True), "programme_rules['buddy'].max_distance_km", id="bool-programme-limit"
        ),
        pytest.param(
            buddy_rules(min_common_slots=-1),
            "programme_rules['buddy'].min_common_slots",
            id="negative-programme-min-common-slots",
        ),
        pytest.param(
            buddy_rules(min_common_slots=22),
            "programme_rules['buddy'].min_common_slots",
            id="programme-min-common-slots-above-21",
        ),
        pytest.param(
            buddy_rules(min_common_slots=1.5),
            "programme_rules['buddy'].min_common_slots",
            id="fractional-programme-min-common-slots",
        ),
        pytest.param(
            buddy_rules(min_common_slots=True),
            "programme_rules['buddy'].min_common_slots",
            id="bool-programme-min-common-slots",
        ),
        pytest.param(
            MatchRules(programme_rules={"taalmaatje": ProgrammeRules(max_distance_km=-1.0)}),
            "programme_rules['taalmaatje'].max_distance_km",
            id="bad-rules-of-a-programme-nobody-asks-for",
        ),
    ],
)
def test_bad_programme_rule_is_named_with_the_programme_and_the_field(rules: MatchRules, field: str) -> None:
    with pytest.raises(MatcherInputError) as caught:
        propose_matches([anna()], [kees()], rules)

    assert str(caught.value).startswith(f"rules: {field}")


def test_rules_of_a_programme_nobody_asks_for_are_fine() -> None:
    rules = MatchRules(programme_rules={"taalmaatje": ProgrammeRules(max_distance_km=1.0, min_common_slots=3)})

    result = propose_matches([anna()], [kees()], rules)

    assert len(result.proposals) == 1


def test_rank_candidates_checks_the_programme_rules() -> None:
    with pytest.raises(MatcherInputError, match=re.escape("rules: programme_rules['buddy'].min_common_slots")):
        rank_candidates(kees(), [anna()], buddy_rules(min_common_slots=-1))


@pytest.mark.parametrize("k", [0, -1, True, 2.5, "5"])
def test_bad_k_for_rank_candidates_is_named(k: Any) -> None:
    with pytest.raises(MatcherInputError, match=r"^k must"):
        rank_candidates(kees(), [anna()], k=k)


@pytest.mark.parametrize("k", [0, True])
def test_bad_candidates_per_resident_is_named(k: Any) -> None:
    with pytest.raises(MatcherInputError, match=r"^candidates_per_resident"):
        propose_matches([anna()], [kees()], candidates_per_resident=k)


def test_rank_candidates_checks_the_resident() -> None:
    with pytest.raises(MatcherInputError, match=r"resident 'kees'.*lat"):
        rank_candidates(kees(lat=math.nan), [anna()])


def test_rank_candidates_checks_the_volunteers() -> None:
    with pytest.raises(MatcherInputError, match=r"volunteer 'anna'.*availability"):
        rank_candidates(kees(), [anna(availability={"someday"})])


def test_rank_candidates_checks_the_rules() -> None:
    with pytest.raises(MatcherInputError, match=re.escape("rules: weights must not all be zero")):
        rank_candidates(kees(), [anna()], MatchRules(weights=Weights(0, 0, 0, 0)))


@pytest.mark.parametrize("progress", ["scoring", 3, [print]])
def test_a_progress_that_cannot_be_called_is_named(progress: Any) -> None:
    with pytest.raises(MatcherInputError, match=r"^progress"):
        propose_matches([anna()], [kees()], progress=progress)
