"""Worked examples: small Rijswijk situations as a coordinator would tell them, with the expected pairs.

Places are rough spots in Rijswijk; the distances between them (haversine) are:

    Oud Rijswijk - Bogaard 0.43 km, - Steenvoorde 0.88 km, - Te Werve 1.64 km, - Rijswijk-Buiten 1.74 km
    Bogaard - Steenvoorde 0.74 km, - Te Werve 1.32 km, - Rijswijk-Buiten 2.07 km
    Te Werve - Rijswijk-Buiten 3.38 km
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from matcher import (
    AgeRule,
    MatchResult,
    MatchRules,
    ProgrammeRules,
    Reason,
    ReasonCode,
    Resident,
    Volunteer,
    Weights,
    propose_matches,
    rank_candidates,
)
from tests.matcher import oracle

OUD_RIJSWIJK = (52.0365, 4.3250)
BOGAARD = (52.0375, 4.3190)
STEENVOORDE = (52.0440, 4.3210)
TE_WERVE = (52.0480, 4.3100)
RIJSWIJK_BUITEN = (52.0230, 4.3380)


def volunteer(volunteer_id: str, at: tuple[float, float], **fields: Any) -> Volunteer:
    """A volunteer for 'buddy' on Tuesday mornings who speaks Dutch, unless told otherwise."""
    defaults: dict[str, Any] = {"availability": {"tue-morning"}, "programmes": {"buddy"}, "languages": {"nl"}}
    return Volunteer(id=volunteer_id, lat=at[0], lon=at[1], **{**defaults, **fields})


def resident(resident_id: str, at: tuple[float, float], **fields: Any) -> Resident:
    """A resident asking for 'buddy' on Tuesday mornings who speaks Dutch, unless told otherwise."""
    defaults: dict[str, Any] = {"programme": "buddy", "availability": {"tue-morning"}, "languages": {"nl"}}
    return Resident(id=resident_id, lat=at[0], lon=at[1], **{**defaults, **fields})


def pairs(result: MatchResult) -> set[tuple[object, object]]:
    return {(p.volunteer_id, p.resident_id) for p in result.proposals}


def reasons_of(result: MatchResult, resident_id: str) -> tuple[Reason, ...]:
    (unmatched,) = [u for u in result.unmatched if u.resident_id == resident_id]
    return unmatched.reasons


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance on a sphere of radius 6371.0088 km by the atan2 form (Vincenty's special case), not haversine."""
    phi1, phi2 = math.radians(a[0]), math.radians(b[0])
    dl = math.radians(b[1] - a[1])
    east = math.cos(phi2) * math.sin(dl)
    north = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dl)
    y = math.hypot(east, north)
    x = math.sin(phi1) * math.sin(phi2) + math.cos(phi1) * math.cos(phi2) * math.cos(dl)
    return 6371.0088 * math.atan2(y, x)


# --- Whom the engine proposes -----------------------------------------------------------------


def test_matching_both_residents_beats_the_single_best_pair() -> None:
    """Kees (Bogaard) and Anna (Oud Rijswijk) both love cooking and walking: the best pair on paper. But
    Ria in Rijswijk-Buiten can only be reached by Anna; Bert in Te Werve is 3.4 km from her. Taking the
    best pair first would leave Ria waiting, so the engine gives Anna to Ria and Bert to Kees."""
    anna = volunteer("anna", OUD_RIJSWIJK, interests={"koken", "wandelen"})
    bert = volunteer("bert", TE_WERVE, interests={"schaken"})
    kees = resident("kees", BOGAARD, interests={"koken", "wandelen"})
    ria = resident("ria", RIJSWIJK_BUITEN, interests={"lezen"})
    rules = MatchRules(max_distance_km=2.0)
    assert oracle.score(anna, kees, rules) > max(oracle.score(bert, kees, rules), oracle.score(anna, ria, rules))

    result = propose_matches([anna, bert], [kees, ria], rules)

    assert pairs(result) == {("anna", "ria"), ("bert", "kees")}
    assert result.unmatched == ()


def test_volunteer_with_capacity_two_takes_two_residents() -> None:
    """Anna has room for two residents; Kees and Joop both live nearby and both get Anna."""
    anna = volunteer("anna", OUD_RIJSWIJK, capacity=2)
    kees = resident("kees", BOGAARD)
    joop = resident("joop", STEENVOORDE)

    result = propose_matches([anna], [kees, joop])

    assert pairs(result) == {("anna", "kees"), ("anna", "joop")}


def test_volunteer_with_capacity_one_takes_one_of_two_residents() -> None:
    """With room for one, Anna goes to one of them and the other waits: Anna was assigned elsewhere."""
    anna = volunteer("anna", OUD_RIJSWIJK, capacity=1)
    kees = resident("kees", BOGAARD)
    joop = resident("joop", STEENVOORDE)

    result = propose_matches([anna], [kees, joop])

    assert pairs(result) == {("anna", "kees")}
    assert reasons_of(result, "joop") == (Reason(ReasonCode.ASSIGNED_ELSEWHERE, 1),)


def test_resident_preferring_a_female_buddy_is_not_given_the_only_male_volunteer() -> None:
    """Ria would like a woman as her buddy. The only volunteer nearby is Bert, so Ria waits: one
    volunteer was blocked by her gender preference."""
    bert = volunteer("bert", OUD_RIJSWIJK, gender="man")
    ria = resident("ria", BOGAARD, preferred_gender="vrouw")

    result = propose_matches([bert], [ria])

    assert result.proposals == ()
    assert reasons_of(result, "ria") == (Reason(ReasonCode.BLOCKED_BY_GENDER, 1),)


def test_excluded_pair_is_never_proposed() -> None:
    """Anna and Kees ended their match last year; the pair is excluded, so Kees waits although Anna is
    the only volunteer and lives around the corner."""
    anna = volunteer("anna", OUD_RIJSWIJK)
    kees = resident("kees", BOGAARD)
    rules = MatchRules(excluded_pairs=frozenset({("anna", "kees")}))

    result = propose_matches([anna], [kees], rules)

    assert result.proposals == ()
    assert reasons_of(result, "kees") == (Reason(ReasonCode.BLOCKED_BY_EXCLUDED, 1),)


def test_excluded_pair_gives_way_to_a_weaker_pair() -> None:
    """Same story, now Bert in Te Werve is available too: Kees gets Bert, though Anna would score higher."""
    anna = volunteer("anna", OUD_RIJSWIJK)
    bert = volunteer("bert", TE_WERVE)
    kees = resident("kees", BOGAARD)
    rules = MatchRules(excluded_pairs=frozenset({("anna", "kees")}))

    result = propose_matches([anna, bert], [kees], rules)

    assert pairs(result) == {("bert", "kees")}


JONG_ONTMOET_OUD = MatchRules(age_rules={"jong-ontmoet-oud": AgeRule(volunteer_max_age=30, resident_min_age=65)})


@pytest.mark.parametrize(
    ("volunteer_age", "resident_age", "matched"),
    [
        pytest.param(24, 82, True, id="student-and-pensioner"),
        pytest.param(30, 65, True, id="both-ages-exactly-at-the-bounds"),
        pytest.param(31, 82, False, id="volunteer-too-old"),
        pytest.param(24, 64, False, id="resident-too-young"),
        pytest.param(None, 82, False, id="volunteer-age-unknown"),
        pytest.param(24, None, False, id="resident-age-unknown"),
    ],
)
def test_jong_ontmoet_oud_pairs_volunteers_up_to_30_with_residents_from_65(
    volunteer_age: int | None, resident_age: int | None, matched: bool
) -> None:
    """'Jong ontmoet oud' pairs volunteers of at most 30 with residents of 65 or older; an unknown age
    cannot show that it fits, so it is blocked by the age rule."""
    sanne = volunteer("sanne", OUD_RIJSWIJK, programmes={"jong-ontmoet-oud"}, age=volunteer_age)
    kees = resident("kees", BOGAARD, programme="jong-ontmoet-oud", age=resident_age)

    result = propose_matches([sanne], [kees], JONG_ONTMOET_OUD)

    if matched:
        assert pairs(result) == {("sanne", "kees")}
    else:
        assert reasons_of(result, "kees") == (Reason(ReasonCode.BLOCKED_BY_AGE, 1),)


def test_age_rule_of_one_programme_does_not_bind_another() -> None:
    """Sanne's age is unknown; that blocks 'jong-ontmoet-oud' but not the ordinary buddy programme."""
    sanne = volunteer("sanne", OUD_RIJSWIJK, programmes={"buddy", "jong-ontmoet-oud"})
    kees = resident("kees", BOGAARD, programme="buddy")

    result = propose_matches([sanne], [kees], JONG_ONTMOET_OUD)

    assert pairs(result) == {("sanne", "kees")}


def test_volunteer_exactly_at_the_residents_travel_limit_is_proposed() -> None:
    """Kees goes no further than the distance to Anna's house, to the metre (the engine's own reported
    distance). 'At most' includes the limit itself, so Anna is proposed with a distance component of 0."""
    anna = volunteer("anna", OUD_RIJSWIJK)
    (ranked,) = rank_candidates(resident("kees", BOGAARD), [anna])
    kees = resident("kees", BOGAARD, max_distance_km=ranked.distance_km)

    result = propose_matches([anna], [kees])

    assert pairs(result) == {("anna", "kees")}
    assert result.proposals[0].components.distance == 0.0


def test_volunteer_a_millimetre_beyond_the_residents_travel_limit_is_blocked_by_distance() -> None:
    anna = volunteer("anna", OUD_RIJSWIJK)
    kees = resident("kees", BOGAARD, max_distance_km=oracle.haversine(*OUD_RIJSWIJK, *BOGAARD) - 1e-6)

    result = propose_matches([anna], [kees])

    assert reasons_of(result, "kees") == (Reason(ReasonCode.BLOCKED_BY_DISTANCE, 1),)


def test_long_waiting_resident_gets_the_only_volunteer() -> None:
    """Kees and Joop live in the same street and want the same things; Kees has waited 300 days, Joop 20.
    With only Anna available, the waiting component gives her to Kees, and Joop waits."""
    anna = volunteer("anna", OUD_RIJSWIJK)
    joop = resident("joop", BOGAARD, waiting_days=20)
    kees = resident("kees", BOGAARD, waiting_days=300)

    result = propose_matches([anna], [joop, kees])

    assert pairs(result) == {("anna", "kees")}
    assert result.proposals[0].components.waiting == 1.0
    assert reasons_of(result, "joop") == (Reason(ReasonCode.ASSIGNED_ELSEWHERE, 1),)


def test_neighbours_at_the_same_postcode_stay_a_perfect_distance_match_in_a_larger_run() -> None:
    """The web app places people on postcode centroids, so Anna and Kees (same postcode) share coordinates.
    Anna walks at most 100 metres. A run that only proposes same-postcode pairs (all weight on distance,
    min_score 1) proposes Anna for Kees. Ria, 1.1 km away and out of Anna's reach, joins the waiting
    list: that must not change anything for Kees."""
    anna = volunteer("anna", (52.0401, 4.3201), max_distance_km=0.1)
    kees = resident("kees", (52.0401, 4.3201))
    ria = resident("ria", (52.0300, 4.3200))
    rules = MatchRules(weights=Weights(distance=1, interests=0, availability=0, waiting=0), min_score=1.0)
    assert pairs(propose_matches([anna], [kees], rules)) == {("anna", "kees")}

    result = propose_matches([anna], [kees, ria], rules)

    assert pairs(result) == {("anna", "kees")}


# --- Programmes with their own rules ----------------------------------------------------------

ONLY_DISTANCE = Weights(distance=1, interests=0, availability=0, waiting=0)


def test_each_programme_keeps_its_own_travel_limit() -> None:
    """Buddies visit at home, within 1 km; wandelmaatjes go for walks and may live 4 km apart; the run's
    limit is 2 km. Anna (Oud Rijswijk, both programmes, room for three) gets Joop (buddy, Bogaard, 0.43 km)
    and Ria (wandelmaatje, Rijswijk-Buiten, 1.74 km, beyond the run's limit). Kees (buddy, Te Werve,
    1.64 km) waits, blocked by distance, although the run's 2 km would have reached him."""
    anna = volunteer("anna", OUD_RIJSWIJK, programmes={"buddy", "wandelmaatje"}, capacity=3)
    joop = resident("joop", BOGAARD)
    kees = resident("kees", TE_WERVE)
    ria = resident("ria", RIJSWIJK_BUITEN, programme="wandelmaatje")
    rules = MatchRules(
        max_distance_km=2.0,
        programme_rules={
            "buddy": ProgrammeRules(max_distance_km=1.0),
            "wandelmaatje": ProgrammeRules(max_distance_km=4.0),
        },
    )

    result = propose_matches([anna], [joop, kees, ria], rules)

    assert pairs(result) == {("anna", "joop"), ("anna", "ria")}
    assert {p.resident_id: p.max_distance_km for p in result.proposals} == {"joop": 1.0, "ria": 4.0}
    for p in result.proposals:
        assert p.components.distance == pytest.approx(1 - p.distance_km / p.max_distance_km, abs=1e-12)
    assert reasons_of(result, "kees") == (Reason(ReasonCode.BLOCKED_BY_DISTANCE, 1),)


def test_programme_weights_decide_who_gets_the_only_volunteer() -> None:
    """For wandelmaatjes only distance counts. Kees (buddy, Steenvoorde, 0.88 km) shares cooking with
    Anna; Ria (wandelmaatje, Bogaard, 0.43 km) shares nothing but lives closer. By the run's weights Kees
    would get Anna; with wandelmaatje's weights Ria scores higher (her score is her distance component)
    and gets her, and Kees waits: Anna went elsewhere."""
    anna = volunteer("anna", OUD_RIJSWIJK, programmes={"buddy", "wandelmaatje"}, interests={"koken"})
    kees = resident("kees", STEENVOORDE, interests={"koken"})
    ria = resident("ria", BOGAARD, programme="wandelmaatje")
    run_rules = MatchRules(max_distance_km=2.0)
    rules = MatchRules(max_distance_km=2.0, programme_rules={"wandelmaatje": ProgrammeRules(weights=ONLY_DISTANCE)})
    assert pairs(propose_matches([anna], [kees, ria], run_rules)) == {("anna", "kees")}

    result = propose_matches([anna], [kees, ria], rules)

    (proposal,) = result.proposals
    assert (proposal.volunteer_id, proposal.resident_id) == ("anna", "ria")
    assert proposal.score == pytest.approx(proposal.components.distance, abs=1e-12)
    assert proposal.score == pytest.approx(1 - oracle.haversine(*OUD_RIJSWIJK, *BOGAARD) / 2.0, abs=1e-12)
    assert reasons_of(result, "kees") == (Reason(ReasonCode.ASSIGNED_ELSEWHERE, 1),)


def test_programme_minimum_of_common_slots_binds_its_residents_only() -> None:
    """Wandelmaatjes want two part-days in common. Anna offers Tuesday and Saturday mornings. Kees (buddy)
    and Ria (wandelmaatje) share only Tuesday with her; Joop (wandelmaatje) shares both. Kees and Joop get
    Anna; Ria waits, blocked by availability."""
    both = {"tue-morning", "sat-morning"}
    anna = volunteer("anna", OUD_RIJSWIJK, programmes={"buddy", "wandelmaatje"}, availability=both, capacity=3)
    kees = resident("kees", BOGAARD)
    ria = resident("ria", BOGAARD, programme="wandelmaatje")
    joop = resident("joop", STEENVOORDE, programme="wandelmaatje", availability=both)
    rules = MatchRules(programme_rules={"wandelmaatje": ProgrammeRules(min_common_slots=2)})

    result = propose_matches([anna], [kees, ria, joop], rules)

    assert pairs(result) == {("anna", "kees"), ("anna", "joop")}
    assert reasons_of(result, "ria") == (Reason(ReasonCode.BLOCKED_BY_AVAILABILITY, 1),)


@pytest.mark.parametrize(
    ("rules_km", "programme_km", "volunteer_km", "resident_km", "expected_km"),
    [
        pytest.param(2.0, 3.0, None, None, 3.0, id="programme-above-the-run"),
        pytest.param(5.0, 1.0, None, None, 1.0, id="programme-below-the-run"),
        pytest.param(2.0, 3.0, 2.5, None, 2.5, id="volunteer-below-the-programme"),
        pytest.param(2.0, 3.0, None, 1.5, 1.5, id="resident-below-the-programme"),
        pytest.param(2.0, None, 4.0, None, 2.0, id="programme-without-a-limit-keeps-the-run"),
    ],
)
def test_proposal_limit_is_the_smallest_of_the_programmes_and_the_two_personal_ones(
    rules_km: float,
    programme_km: float | None,
    volunteer_km: float | None,
    resident_km: float | None,
    expected_km: float,
) -> None:
    anna = volunteer("anna", OUD_RIJSWIJK, max_distance_km=volunteer_km)
    kees = resident("kees", BOGAARD, max_distance_km=resident_km)
    rules = MatchRules(
        max_distance_km=rules_km,
        programme_rules={"buddy": ProgrammeRules(max_distance_km=programme_km, weights=ONLY_DISTANCE)},
    )

    (proposal,) = propose_matches([anna], [kees], rules).proposals

    assert proposal.max_distance_km == expected_km


def test_rank_candidates_follows_the_residents_programme() -> None:
    """Ria (wandelmaatje, Rijswijk-Buiten) may walk with someone up to 4 km away, though the run's limit is
    2 km: Anna (1.74 km) and Bert (Te Werve, 3.38 km) are both candidates, nearest first."""
    anna = volunteer("anna", OUD_RIJSWIJK, programmes={"wandelmaatje"})
    bert = volunteer("bert", TE_WERVE, programmes={"wandelmaatje"})
    ria = resident("ria", RIJSWIJK_BUITEN, programme="wandelmaatje")
    rules = MatchRules(max_distance_km=2.0, programme_rules={"wandelmaatje": ProgrammeRules(max_distance_km=4.0)})
    assert [c.volunteer_id for c in rank_candidates(ria, [bert, anna], MatchRules(max_distance_km=2.0))] == ["anna"]

    ranked = rank_candidates(ria, [bert, anna], rules)

    assert [(c.volunteer_id, c.max_distance_km) for c in ranked] == [("anna", 4.0), ("bert", 4.0)]


# --- The facts behind a proposal --------------------------------------------------------------


def test_proposal_distance_is_the_great_circle_distance() -> None:
    anna = volunteer("anna", OUD_RIJSWIJK)
    kees = resident("kees", STEENVOORDE)

    (proposal,) = propose_matches([anna], [kees]).proposals

    assert proposal.distance_km == pytest.approx(great_circle_km(OUD_RIJSWIJK, STEENVOORDE), rel=1e-9)
    assert proposal.distance_km == pytest.approx(0.8777, abs=1e-4)


def test_proposal_lists_shared_interests_sorted() -> None:
    anna = volunteer("anna", OUD_RIJSWIJK, interests={"wandelen", "tuinieren", "koken", "schaken"})
    kees = resident("kees", BOGAARD, interests={"wandelen", "koken", "tuinieren", "lezen"})

    (proposal,) = propose_matches([anna], [kees]).proposals

    assert proposal.shared_interests == ("koken", "tuinieren", "wandelen")


def test_proposal_lists_shared_slots_in_week_order() -> None:
    """Week order, not alphabetical: Monday morning, afternoon, evening, then Tuesday, Friday, Sunday."""
    both = {"sun-afternoon", "fri-evening", "tue-evening", "mon-evening", "mon-morning", "mon-afternoon"}
    anna = volunteer("anna", OUD_RIJSWIJK, availability=both | {"wed-morning"})
    kees = resident("kees", BOGAARD, availability=both | {"sat-evening"})

    (proposal,) = propose_matches([anna], [kees]).proposals

    assert proposal.shared_slots == (
        "mon-morning",
        "mon-afternoon",
        "mon-evening",
        "tue-evening",
        "fri-evening",
        "sun-afternoon",
    )


def test_proposal_lists_shared_languages_sorted() -> None:
    anna = volunteer("anna", OUD_RIJSWIJK, languages={"tr", "nl", "en"})
    kees = resident("kees", BOGAARD, languages={"nl", "ar", "tr"})

    (proposal,) = propose_matches([anna], [kees]).proposals

    assert proposal.shared_languages == ("nl", "tr")


@pytest.mark.parametrize(
    ("rules_km", "volunteer_km", "resident_km", "expected_km"),
    [
        pytest.param(5.0, 3.0, 2.5, 2.5, id="resident-smallest"),
        pytest.param(5.0, 1.5, 2.5, 1.5, id="volunteer-smallest"),
        pytest.param(2.0, 3.0, 4.0, 2.0, id="rules-smallest"),
        pytest.param(3.0, None, None, 3.0, id="only-rules"),
        pytest.param(3.0, None, 4.0, 3.0, id="personal-limit-above-the-rules"),
    ],
)
def test_proposal_limit_is_the_smallest_of_the_three(
    rules_km: float, volunteer_km: float | None, resident_km: float | None, expected_km: float
) -> None:
    anna = volunteer("anna", OUD_RIJSWIJK, max_distance_km=volunteer_km)
    kees = resident("kees", BOGAARD, max_distance_km=resident_km)

    (proposal,) = propose_matches([anna], [kees], MatchRules(max_distance_km=rules_km)).proposals

    assert proposal.max_distance_km == expected_km


def test_proposal_carries_the_residents_waiting_days() -> None:
    anna = volunteer("anna", OUD_RIJSWIJK)
    kees = resident("kees", BOGAARD, waiting_days=47)

    (proposal,) = propose_matches([anna], [kees]).proposals

    assert proposal.waiting_days == 47


# --- Choosing by hand: rank_candidates ---------------------------------------------------------


def test_rank_candidates_puts_the_best_first() -> None:
    """For Kees in Bogaard: Anna next door, then Sara in Steenvoorde, then Bert in Te Werve."""
    anna = volunteer("anna", OUD_RIJSWIJK)
    bert = volunteer("bert", TE_WERVE)
    sara = volunteer("sara", STEENVOORDE)
    kees = resident("kees", BOGAARD)

    ranked = rank_candidates(kees, [bert, sara, anna], k=3)

    assert [c.volunteer_id for c in ranked] == ["anna", "sara", "bert"]
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)


def test_rank_candidates_leaves_out_infeasible_volunteers() -> None:
    """Bert speaks no Dutch and Kees speaks nothing else; Wim is full; Rob is in another programme."""
    anna = volunteer("anna", TE_WERVE)
    bert = volunteer("bert", OUD_RIJSWIJK, languages={"en"})
    wim = volunteer("wim", OUD_RIJSWIJK, capacity=0)
    rob = volunteer("rob", OUD_RIJSWIJK, programmes={"wandelmaatje"})
    kees = resident("kees", BOGAARD)

    ranked = rank_candidates(kees, [bert, wim, rob, anna], k=5)

    assert [c.volunteer_id for c in ranked] == ["anna"]


def test_rank_candidates_returns_at_most_k() -> None:
    helpers = [volunteer(f"v{i}", OUD_RIJSWIJK) for i in range(4)]
    kees = resident("kees", BOGAARD)

    ranked = rank_candidates(kees, helpers, k=2)

    assert len(ranked) == 2


def test_rank_candidates_keeps_input_order_among_equals() -> None:
    """Three volunteers at the same address with the same profile score the same; they keep their order."""
    helpers = [volunteer(name, OUD_RIJSWIJK) for name in ("zoe", "bram", "mila")]
    kees = resident("kees", BOGAARD)

    ranked = rank_candidates(kees, helpers, k=3)

    assert [c.volunteer_id for c in ranked] == ["zoe", "bram", "mila"]


def test_rank_candidates_gives_nothing_without_volunteers() -> None:
    assert rank_candidates(resident("kees", BOGAARD), []) == ()


# --- Empty sides -----------------------------------------------------------------------------


def test_run_without_volunteers_leaves_every_resident_unmatched_with_no_volunteers() -> None:
    kees = resident("kees", BOGAARD)
    ria = resident("ria", RIJSWIJK_BUITEN)

    result = propose_matches([], [kees, ria])

    assert result.proposals == ()
    assert [(u.resident_id, u.reasons) for u in result.unmatched] == [
        ("kees", (Reason(ReasonCode.NO_VOLUNTEERS, 0),)),
        ("ria", (Reason(ReasonCode.NO_VOLUNTEERS, 0),)),
    ]


def test_run_without_residents_proposes_nothing() -> None:
    result = propose_matches([volunteer("anna", OUD_RIJSWIJK)], [])

    assert result.proposals == ()
    assert result.unmatched == ()
    assert result.stats.matched == 0
