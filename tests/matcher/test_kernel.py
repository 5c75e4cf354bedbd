"""The compiled candidate pass against numpy's reference, evaluate_block, over every feasible pair.

build_candidates keeps each resident's best pairs (and each volunteer's, where volunteers are scarce) from one
compiled loop; the certificate and the explanations judge pairs with evaluate_block. Both must agree on which
pairs are feasible and on their scores, and the bounds of what was left out must hold for every pair.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import MatchRules, Resident, Volunteer
from matcher.candidates import CandidateGraph, PairJudge, build_candidates, eligible_volunteers, residents_asking
from matcher.encoding import Population, encode, haversine_km
from matcher.kernel import RULE_ORDER, _insert
from matcher.model import EARTH_RADIUS_KM
from matcher.pairs import evaluate_block
from matcher.validation import validate_residents, validate_rules, validate_volunteers
from tests.matcher.strategies import PROPERTY_SETTINGS, Instance, instances, medium_instances, scarce_instances

#: Scores agree to rounding: the kernel takes libm's arcsine, numpy its own.
SCORE_AGREEMENT = 1e-12


def _population(volunteers: list[Volunteer], residents: list[Resident], rules: MatchRules) -> Population:
    return encode(validate_volunteers(volunteers), validate_residents(residents), validate_rules(rules))


def _reference_scores(pop: Population) -> np.ndarray:
    """Every (resident, volunteer) score from evaluate_block, -inf where infeasible."""
    scores = np.full((pop.n_residents, pop.n_volunteers), -np.inf)
    for programme in range(len(pop.programmes)):
        rows = residents_asking(pop, programme)
        rows = rows[pop.resident_age_ok[rows]]
        cols = eligible_volunteers(pop, programme)
        if len(rows) and len(cols):
            scores[np.ix_(rows, cols)] = evaluate_block(pop, programme, rows, cols).score
    return scores


def _check_against_reference(pop: Population, graph: CandidateGraph, per_resident: int, per_unit: int) -> None:
    reference = _reference_scores(pop)
    feasible = np.isfinite(reference)
    assert graph.feasible_count.tolist() == feasible.sum(axis=1).tolist()

    # Every kept pair is feasible, kept once, with the reference's score.
    assert len(set(zip(graph.resident.tolist(), graph.volunteer.tolist(), strict=True))) == graph.size
    assert feasible[graph.resident, graph.volunteer].all()
    np.testing.assert_allclose(graph.score, reference[graph.resident, graph.volunteer], rtol=0, atol=SCORE_AGREEMENT)

    kept = np.zeros_like(feasible)
    kept[graph.resident, graph.volunteer] = True
    for r in range(pop.n_residents):
        ranked = np.sort(reference[r][feasible[r]])[::-1]
        # Its best per_resident are kept (ties may keep either), and the bound is the best one after them.
        assert np.sort(reference[r][kept[r]])[::-1][:per_resident] == pytest.approx(
            ranked[:per_resident], abs=SCORE_AGREEMENT
        )
        expected_bound = ranked[per_resident] if len(ranked) > per_resident else -np.inf
        assert graph.resident_bound[r] == pytest.approx(expected_bound, abs=SCORE_AGREEMENT)
    for v in range(pop.n_volunteers):
        wanted = per_unit * max(int(pop.capacity[v]), 0)
        ranked = np.sort(reference[:, v][feasible[:, v]])[::-1]
        assert np.sort(reference[:, v][kept[:, v]])[::-1][:wanted] == pytest.approx(
            ranked[:wanted], abs=SCORE_AGREEMENT
        )

    # A pair left out scores no more than the bounds of its resident and of its volunteer (the certificate's
    # premise).
    left_out_rows, left_out_cols = np.nonzero(feasible & ~kept)
    bound = np.minimum(graph.resident_bound[left_out_rows], graph.volunteer_bound[left_out_cols])
    assert (reference[left_out_rows, left_out_cols] <= bound + SCORE_AGREEMENT).all()


@settings(PROPERTY_SETTINGS, max_examples=60)
@given(
    st.one_of(instances(), medium_instances(), scarce_instances(40, 80)),
    st.sampled_from([1, 3, 10]),
    st.sampled_from([0, 1, 2]),
    st.sampled_from([1, 2, 3]),
)
def test_kept_pairs_and_bounds_agree_with_evaluate_block(
    instance: Instance, per_resident: int, per_unit: int, threads: int
) -> None:
    pop = _population(list(instance.volunteers), list(instance.residents), instance.rules)
    graph = build_candidates(pop, per_resident, per_unit, threads=threads)
    _check_against_reference(pop, graph, per_resident, per_unit)


def _point_at(lat: float, lon: float, km: float, bearing: float) -> tuple[float, float]:
    """The point ``km`` from (lat, lon) along ``bearing`` (radians) on the sphere."""
    phi, lam, delta = math.radians(lat), math.radians(lon), km / EARTH_RADIUS_KM
    phi2 = math.asin(math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(bearing))
    lam2 = lam + math.atan2(
        math.sin(bearing) * math.sin(delta) * math.cos(phi), math.cos(delta) - math.sin(phi) * math.sin(phi2)
    )
    return math.degrees(phi2), math.degrees(lam2)


@pytest.mark.parametrize("limit_km", [0.5, 2.0, 5.0, 40.0])
def test_pairs_on_the_travel_limit_get_the_same_verdict(limit_km: float) -> None:
    """Volunteers within a few units in the last place of the limit, just inside and outside its chord margin, and
    some whose own limit is their distance to the resident to the last bit."""
    centre = (52.04, 4.32)
    residents = [Resident(id="r", lat=centre[0], lon=centre[1], programme="buddy", availability={"mon-morning"})]
    offsets = [0.0, 1e-15, -1e-15, 1e-12, -1e-12, 1e-10, -1e-10, 2e-9, -2e-9, 1e-7, -1e-7, 3e-7, -3e-7]
    volunteers = []
    for i, relative in enumerate(offsets * 3):
        lat, lon = _point_at(*centre, limit_km * (1.0 + relative), bearing=0.37 * i)
        own_limit = haversine_km(*centre, lat, lon) if i % 3 == 2 else None
        volunteers.append(
            Volunteer(
                id=i,
                lat=lat,
                lon=lon,
                availability={"mon-morning"},
                programmes={"buddy"},
                capacity=1,
                max_distance_km=own_limit,
            )
        )
    pop = _population(volunteers, residents, MatchRules(max_distance_km=limit_km))
    graph = build_candidates(pop, len(volunteers), 1, threads=1)
    _check_against_reference(pop, graph, len(volunteers), 1)
    assert 0 < graph.feasible_count[0] < len(volunteers)


def test_threads_keep_the_same_pairs_where_no_scores_tie() -> None:
    """Where no two pairs of a volunteer tie, which thread judged a block changes nothing that is kept."""
    rng = np.random.default_rng(11)
    volunteers = [
        Volunteer(
            id=i,
            lat=52.02 + 0.04 * rng.random(),
            lon=4.30 + 0.05 * rng.random(),
            availability={"mon-morning", "tue-evening"},
            programmes={"buddy"},
            capacity=int(rng.integers(1, 4)),
        )
        for i in range(60)
    ]
    residents = [
        Resident(
            id=i,
            lat=52.02 + 0.04 * rng.random(),
            lon=4.30 + 0.05 * rng.random(),
            programme="buddy",
            availability={"mon-morning"},
        )
        for i in range(1500)
    ]
    pop = _population(volunteers, residents, MatchRules())
    graphs = [build_candidates(pop, 3, 2, threads=threads) for threads in (1, 2, 4)]
    assert len({len(g.resident) for g in graphs}) == 1
    for graph in graphs[1:]:
        assert graph.resident.tolist() == graphs[0].resident.tolist()
        assert graph.volunteer.tolist() == graphs[0].volunteer.tolist()
        assert graph.score.tolist() == graphs[0].score.tolist()
        assert graph.volunteer_bound.tolist() == graphs[0].volunteer_bound.tolist()


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(
    st.lists(
        st.tuples(st.sampled_from([0.25, 0.5, 0.75]), st.integers(0, 30)),
        min_size=1,
        max_size=25,
        unique_by=lambda p: p[1],
    ),
    st.integers(1, 6),
    st.randoms(use_true_random=False),
)
def test_a_list_keeps_the_same_pairs_in_whichever_order_they_arrive(
    pairs: list[tuple[float, int]], width: int, rng: Any
) -> None:
    """Of equal scores the lower key is kept: a volunteer's residents arrive in the order the threads judge blocks."""

    def filled(order: list[tuple[float, int]]) -> tuple[list[float], list[int]]:
        scores, keys = np.full((1, width), -np.inf), np.full((1, width), -1, dtype=np.int64)
        for score, key in order:
            _insert(scores, keys, 0, score, key)
        return scores[0].tolist(), keys[0].tolist()

    shuffled = list(pairs)
    rng.shuffle(shuffled)
    best = sorted(pairs, key=lambda p: (-p[0], p[1]))[:width]
    expected = [s for s, _ in best] + [-np.inf] * (width - len(best)), [k for _, k in best] + [-1] * (width - len(best))
    assert filled(pairs) == filled(shuffled) == expected


def test_threads_keep_the_same_pairs_where_scores_tie() -> None:
    """Residents with the same place and wishes tie for a volunteer: which thread judged them changes nothing."""
    volunteers = [
        Volunteer(id=i, lat=52.04, lon=4.32, availability={"mon-morning"}, programmes={"buddy"}, capacity=2)
        for i in range(20)
    ]
    residents = [
        Resident(id=i, lat=52.02 + 0.01 * (i % 5), lon=4.31, programme="buddy", availability={"mon-morning"})
        for i in range(2000)
    ]
    pop = _population(volunteers, residents, MatchRules())
    graphs = [build_candidates(pop, 2, 3, threads=threads) for threads in (1, 2, 4, 2, 4)]
    for graph in graphs[1:]:
        assert graph.resident.tolist() == graphs[0].resident.tolist()
        assert graph.volunteer.tolist() == graphs[0].volunteer.tolist()
        assert graph.volunteer_bound.tolist() == graphs[0].volunteer_bound.tolist()


@settings(PROPERTY_SETTINGS, max_examples=60)
@given(st.one_of(instances(), medium_instances(), scarce_instances(40, 80)))
def test_reasons_counted_by_the_compiled_judge_are_evaluate_blocks(instance: Instance) -> None:
    """Per resident, volunteers counted by their first failed rule, every resident against every volunteer offering
    the programme (ages and capacity included)."""
    pop = _population(list(instance.volunteers), list(instance.residents), instance.rules)
    judge = PairJudge(pop)
    for programme in range(len(pop.programmes)):
        rows = residents_asking(pop, programme)
        cols = np.flatnonzero(pop.volunteer_offers[:, programme]).astype(np.int64)
        if len(rows) == 0 or len(cols) == 0:
            continue
        first_failed = evaluate_block(pop, programme, rows, cols, with_reasons=True, scored=False).first_failed
        assert first_failed is not None
        expected = np.stack([np.bincount(row, minlength=1 + len(RULE_ORDER)) for row in first_failed])
        assert judge.count_reasons(programme, rows, cols).tolist() == expected.tolist()
