"""Each score component at its boundaries, and how the weights combine them (the README's score table).

A run with all weight on one component makes the score that component, so each test can check both the
component a proposal reports and the score the engine optimised.
"""

from __future__ import annotations

from typing import Any

import pytest

from matcher import (
    MatchResult,
    MatchRules,
    Proposal,
    Reason,
    ReasonCode,
    Resident,
    Volunteer,
    Weights,
    propose_matches,
)
from tests.matcher import oracle

HOME = (52.0375, 4.3190)
NEARBY = (52.0365, 4.3250)  # 0.43 km from HOME
ACROSS_TOWN = (52.0480, 4.3100)  # 1.32 km from HOME
ONLY_DISTANCE = Weights(distance=1, interests=0, availability=0, waiting=0)
ONLY_INTERESTS = Weights(distance=0, interests=1, availability=0, waiting=0)
ONLY_AVAILABILITY = Weights(distance=0, interests=0, availability=1, waiting=0)
ONLY_WAITING = Weights(distance=0, interests=0, availability=0, waiting=1)
HALF_SHARED = ({"koken", "lezen"}, {"lezen", "muziek"})  # one of two interests shared: component 0.5


def volunteer(at: tuple[float, float] = NEARBY, **fields: Any) -> Volunteer:
    defaults: dict[str, Any] = {"availability": {"tue-morning"}, "programmes": {"buddy"}}
    return Volunteer(id="anna", lat=at[0], lon=at[1], **{**defaults, **fields})


def resident(at: tuple[float, float] = HOME, resident_id: str = "kees", **fields: Any) -> Resident:
    defaults: dict[str, Any] = {"programme": "buddy", "availability": {"tue-morning"}}
    return Resident(id=resident_id, lat=at[0], lon=at[1], **{**defaults, **fields})


def only_proposal(result: MatchResult) -> Proposal:
    assert len(result.proposals) == 1, f"expected one proposal; unmatched: {result.unmatched}"
    return result.proposals[0]


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return oracle.haversine(a[0], a[1], b[0], b[1])


# --- distance: 1 - d / D ------------------------------------------------------------------------


def test_distance_component_is_one_at_the_same_address() -> None:
    proposal = only_proposal(propose_matches([volunteer(at=HOME)], [resident()], MatchRules(weights=ONLY_DISTANCE)))

    assert proposal.components.distance == 1.0
    assert proposal.score == pytest.approx(1.0, abs=1e-12)


def test_distance_component_is_one_half_at_half_the_limit() -> None:
    rules = MatchRules(weights=ONLY_DISTANCE, max_distance_km=2 * distance_km(NEARBY, HOME))

    proposal = only_proposal(propose_matches([volunteer()], [resident()], rules))

    assert proposal.components.distance == pytest.approx(0.5, abs=1e-12)
    assert proposal.score == pytest.approx(0.5, abs=1e-9)


def test_distance_component_is_zero_at_the_limit_and_the_pair_stays_feasible() -> None:
    rules = MatchRules(weights=ONLY_DISTANCE, max_distance_km=distance_km(ACROSS_TOWN, HOME))

    proposal = only_proposal(propose_matches([volunteer(at=ACROSS_TOWN)], [resident()], rules))

    assert proposal.components.distance == 0.0


def test_pair_just_beyond_the_limit_is_blocked_by_distance() -> None:
    rules = MatchRules(weights=ONLY_DISTANCE, max_distance_km=distance_km(ACROSS_TOWN, HOME) - 1e-6)

    result = propose_matches([volunteer(at=ACROSS_TOWN)], [resident()], rules)

    assert result.unmatched[0].reasons == (Reason(ReasonCode.BLOCKED_BY_DISTANCE, 1),)


def test_same_address_scores_a_full_distance_component_also_among_other_residents() -> None:
    """Postcode centroids put neighbours on identical coordinates; the score must not depend on who else
    is in the run (here Ria across town, out of Anna's short reach)."""
    rules = MatchRules(weights=ONLY_DISTANCE)
    anna = volunteer(at=(52.0401, 4.3201), max_distance_km=0.1)
    kees = resident(at=(52.0401, 4.3201))
    ria = resident(at=(52.0300, 4.3200), resident_id="ria")

    proposal = only_proposal(propose_matches([anna], [kees, ria], rules))

    assert proposal.score == pytest.approx(1.0, abs=1e-9)


# --- interests and availability: shared / smaller set -------------------------------------------


@pytest.mark.parametrize(
    ("volunteer_interests", "resident_interests", "expected"),
    [
        pytest.param(set(), {"koken"}, 0.0, id="volunteer-none"),
        pytest.param({"koken"}, set(), 0.0, id="resident-none"),
        pytest.param(set(), set(), 0.0, id="both-none"),
        pytest.param({"koken"}, {"lezen"}, 0.0, id="nothing-shared"),
        pytest.param({"koken"}, {"koken", "lezen", "wandelen"}, 1.0, id="volunteers-inside-residents"),
        pytest.param({"koken", "lezen", "wandelen"}, {"lezen"}, 1.0, id="residents-inside-volunteers"),
        pytest.param({"koken", "lezen"}, {"lezen", "muziek", "wandelen"}, 0.5, id="one-of-two"),
    ],
)
def test_interests_component_is_shared_over_the_smaller_set(
    volunteer_interests: set[str], resident_interests: set[str], expected: float
) -> None:
    result = propose_matches(
        [volunteer(interests=volunteer_interests)],
        [resident(interests=resident_interests)],
        MatchRules(weights=ONLY_INTERESTS),
    )

    proposal = only_proposal(result)
    assert proposal.components.interests == expected
    assert proposal.score == pytest.approx(expected, abs=1e-12)


def test_interests_count_beyond_the_first_64_words_of_the_vocabulary() -> None:
    """With more than 64 interests in the run, a person's interests no longer fit one 64-bit word: Kees's
    three shared hobbies sort last (bits 97-99), and they count as much as Joop's first ones."""
    hobbies = {f"hobby-{i:03d}" for i in range(100)}
    anna = volunteer(interests=hobbies, capacity=2)
    joop = resident(resident_id="joop", interests=hobbies)
    kees = resident(interests={"hobby-097", "hobby-098", "hobby-099", "breien"})

    result = propose_matches([anna], [joop, kees], MatchRules(weights=ONLY_INTERESTS))

    assert {p.resident_id: p.score for p in result.proposals} == {"joop": 1.0, "kees": 0.75}


@pytest.mark.parametrize(
    ("volunteer_slots", "resident_slots", "expected"),
    [
        pytest.param(set(), {"tue-morning"}, 0.0, id="volunteer-none"),
        pytest.param({"tue-morning"}, set(), 0.0, id="resident-none"),
        pytest.param(set(), set(), 0.0, id="both-none"),
        pytest.param({"mon-morning"}, {"tue-morning"}, 0.0, id="nothing-shared"),
        pytest.param({"tue-morning"}, {"tue-morning", "wed-evening", "sat-morning"}, 1.0, id="volunteers-inside"),
        pytest.param({"tue-morning", "wed-evening", "sat-morning"}, {"sat-morning"}, 1.0, id="residents-inside"),
        pytest.param({"tue-morning", "thu-evening"}, {"thu-evening", "fri-morning", "sun-afternoon"}, 0.5, id="half"),
    ],
)
def test_availability_component_is_shared_over_the_smaller_set(
    volunteer_slots: set[str], resident_slots: set[str], expected: float
) -> None:
    rules = MatchRules(weights=ONLY_AVAILABILITY, min_common_slots=0)

    result = propose_matches([volunteer(availability=volunteer_slots)], [resident(availability=resident_slots)], rules)

    proposal = only_proposal(result)
    assert proposal.components.availability == expected
    assert proposal.score == pytest.approx(expected, abs=1e-12)


# --- waiting: min(days / horizon, 1) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("waiting_days", "expected"),
    [
        pytest.param(0, 0.0, id="just-referred"),
        pytest.param(90, 0.5, id="half-the-horizon"),
        pytest.param(180, 1.0, id="at-the-horizon"),
        pytest.param(181, 1.0, id="just-over-the-horizon"),
        pytest.param(1000, 1.0, id="far-over-the-horizon"),
    ],
)
def test_waiting_component_grows_to_one_at_the_horizon(waiting_days: int, expected: float) -> None:
    rules = MatchRules(weights=ONLY_WAITING, waiting_horizon_days=180)

    proposal = only_proposal(propose_matches([volunteer()], [resident(waiting_days=waiting_days)], rules))

    assert proposal.components.waiting == expected
    assert proposal.score == pytest.approx(expected, abs=1e-12)


# --- weights -----------------------------------------------------------------------------------


def rich_pair() -> tuple[Volunteer, Resident]:
    """A pair where every component lies strictly between 0 and 1."""
    anna = volunteer(interests={"koken", "lezen"}, availability={"tue-morning", "thu-evening"})
    kees = resident(interests={"lezen", "muziek"}, availability={"thu-evening", "sat-morning"}, waiting_days=45)
    return anna, kees


def test_score_is_the_weighted_mean_of_the_components() -> None:
    anna, kees = rich_pair()
    weights = Weights(distance=0.35, interests=0.30, availability=0.20, waiting=0.15)

    proposal = only_proposal(propose_matches([anna], [kees], MatchRules(weights=weights)))

    c = proposal.components
    assert 0 < min(c.distance, c.interests, c.availability, c.waiting) < 1
    assert proposal.score == pytest.approx(
        0.35 * c.distance + 0.30 * c.interests + 0.20 * c.availability + 0.15 * c.waiting, abs=1e-9
    )


def test_weights_are_normalised_so_scaling_them_changes_nothing() -> None:
    anna, kees = rich_pair()

    default = only_proposal(propose_matches([anna], [kees], MatchRules(weights=Weights())))
    scaled = only_proposal(propose_matches([anna], [kees], MatchRules(weights=Weights(7.0, 6.0, 4.0, 3.0))))

    assert scaled.score == pytest.approx(default.score, abs=1e-12)


@pytest.mark.parametrize("component", ["distance", "interests", "availability", "waiting"])
def test_zero_weights_are_allowed_and_a_single_weight_makes_the_score_its_component(component: str) -> None:
    anna, kees = rich_pair()
    weights = Weights(**{name: (2.5 if name == component else 0.0) for name in Weights.__dataclass_fields__})

    proposal = only_proposal(propose_matches([anna], [kees], MatchRules(weights=weights)))

    assert proposal.score == pytest.approx(getattr(proposal.components, component), abs=1e-9)


# --- min_score: the score must be at least the minimum --------------------------------------------


def test_pair_scoring_exactly_min_score_is_feasible() -> None:
    """Anna and Kees share one of their two interests: with all weight on interests they score 0.5."""
    rules = MatchRules(weights=ONLY_INTERESTS, min_score=0.5)

    result = propose_matches([volunteer(interests=HALF_SHARED[0])], [resident(interests=HALF_SHARED[1])], rules)

    assert only_proposal(result).score == 0.5


def test_pair_scoring_just_below_min_score_is_blocked_by_min_score() -> None:
    rules = MatchRules(weights=ONLY_INTERESTS, min_score=0.5000001)

    result = propose_matches([volunteer(interests=HALF_SHARED[0])], [resident(interests=HALF_SHARED[1])], rules)

    assert result.unmatched[0].reasons == (Reason(ReasonCode.BLOCKED_BY_MIN_SCORE, 1),)
