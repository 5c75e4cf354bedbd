"""Properties of every run, checked on Hypothesis-generated instances (strategies in ``strategies.py``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import maximum_bipartite_matching

from matcher import ProgrammeRules, propose_matches, rank_candidates
from tests.matcher import oracle
from tests.matcher.strategies import (
    PROPERTY_SETTINGS,
    UNUSED_PROGRAMME,
    Instance,
    feasible_pairs,
    instances,
    is_clear_of_boundaries,
    medium_instances,
    one_programme_rules,
    programme_rules_repeating,
)

TOLERANCE = 1e-9
SMALL = instances(residents=(0, 12), volunteers=(0, 10))


def capacity_columns(instance: Instance) -> dict[int, list[int]]:
    """Volunteer index -> its columns, one column per unit of capacity, numbered from 0 in volunteer order."""
    columns: dict[int, list[int]] = {}
    for j, v in enumerate(instance.volunteers):
        start = sum(len(c) for c in columns.values())
        columns[j] = list(range(start, start + v.capacity))
    return columns


def dense_optimum(instance: Instance) -> tuple[int, float]:
    """(matched, total score) of the cardinality-first optimum, by a dense assignment with a bonus per match."""
    columns = capacity_columns(instance)
    volunteer_of_column = [j for j, cols in columns.items() for _ in cols]
    bonus = len(instance.residents) + 1.0
    value = np.zeros((len(instance.residents), len(volunteer_of_column)))
    score = {}
    for i, j, s in feasible_pairs(instance):
        score[i, j] = s
        value[i, columns[j]] = bonus + s
    rows, cols = linear_sum_assignment(value, maximize=True)
    chosen = [(i, volunteer_of_column[c]) for i, c in zip(rows, cols, strict=True)]
    scores = [score[pair] for pair in chosen if pair in score]
    return len(scores), sum(scores)


def rescored_total(instance: Instance, result_pairs: list[tuple[str, str]]) -> float:
    """The total of the given (volunteer id, resident id) pairs by the README's formula."""
    volunteers = {v.id: v for v in instance.volunteers}
    residents = {r.id: r for r in instance.residents}
    return sum(oracle.score(volunteers[v], residents[r], instance.rules) for v, r in result_pairs)


@settings(PROPERTY_SETTINGS, max_examples=150)
@given(SMALL)
def test_every_proposal_is_feasible(instance: Instance) -> None:
    assume(is_clear_of_boundaries(instance))
    volunteers = {v.id: v for v in instance.volunteers}
    residents = {r.id: r for r in instance.residents}

    result = propose_matches(instance.volunteers, instance.residents, instance.rules)

    for p in result.proposals:
        assert oracle.first_failed_rule(volunteers[p.volunteer_id], residents[p.resident_id], instance.rules) is None


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(SMALL)
def test_no_resident_is_proposed_twice(instance: Instance) -> None:
    result = propose_matches(instance.volunteers, instance.residents, instance.rules)

    counts = Counter(p.resident_id for p in result.proposals)
    assert all(n == 1 for n in counts.values())


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(SMALL)
def test_no_volunteer_takes_more_residents_than_capacity(instance: Instance) -> None:
    capacity = {v.id: v.capacity for v in instance.volunteers}

    result = propose_matches(instance.volunteers, instance.residents, instance.rules)

    for volunteer_id, taken in Counter(p.volunteer_id for p in result.proposals).items():
        assert taken <= capacity[volunteer_id]


@settings(PROPERTY_SETTINGS, max_examples=60)
@given(SMALL)
def test_the_same_input_gives_an_equal_result(instance: Instance) -> None:
    first = propose_matches(instance.volunteers, instance.residents, instance.rules)
    second = propose_matches(instance.volunteers, instance.residents, instance.rules)

    assert first == second


@settings(PROPERTY_SETTINGS, max_examples=150)
@given(SMALL)
def test_matches_as_many_residents_as_a_maximum_bipartite_matching(instance: Instance) -> None:
    assume(is_clear_of_boundaries(instance))
    columns = capacity_columns(instance)
    edges = [(i, c) for i, j, _ in feasible_pairs(instance) for c in columns[j]]
    rows = np.array([i for i, _ in edges], dtype=np.int64)
    cols = np.array([c for _, c in edges], dtype=np.int64)
    n_columns = sum(len(c) for c in columns.values())
    graph = sp.csr_array((np.ones(len(edges)), (rows, cols)), shape=(len(instance.residents), n_columns))
    maximum = int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())

    result = propose_matches(instance.volunteers, instance.residents, instance.rules)

    assert result.stats.matched == len(result.proposals) == maximum


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(SMALL)
def test_every_resident_is_proposed_or_unmatched_with_reasons(instance: Instance) -> None:
    result = propose_matches(instance.volunteers, instance.residents, instance.rules)

    proposed = [p.resident_id for p in result.proposals]
    unmatched = [u.resident_id for u in result.unmatched]
    assert sorted(proposed + unmatched) == sorted(r.id for r in instance.residents)
    assert all(u.reasons for u in result.unmatched)


@settings(PROPERTY_SETTINGS, max_examples=60)
@given(SMALL)
def test_proposals_and_unmatched_follow_the_residents_input_order(instance: Instance) -> None:
    position = {r.id: i for i, r in enumerate(instance.residents)}

    result = propose_matches(instance.volunteers, instance.residents, instance.rules)

    proposed = [position[p.resident_id] for p in result.proposals]
    unmatched = [position[u.resident_id] for u in result.unmatched]
    assert proposed == sorted(proposed)
    assert unmatched == sorted(unmatched)


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(SMALL)
def test_score_is_the_weighted_mean_of_its_components(instance: Instance) -> None:
    residents = {r.id: r for r in instance.residents}

    result = propose_matches(instance.volunteers, instance.residents, instance.rules)

    for p in result.proposals:
        w = oracle.weights(residents[p.resident_id], instance.rules)  # the weights of the resident's programme
        total_weight = w.distance + w.interests + w.availability + w.waiting
        c = p.components
        weighted = w.distance * c.distance + w.interests * c.interests + w.availability * c.availability
        assert p.score == pytest.approx((weighted + w.waiting * c.waiting) / total_weight, abs=TOLERANCE)


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(SMALL, st.data())
def test_programme_rules_that_repeat_the_run_rules_change_nothing(instance: Instance, data: st.DataObject) -> None:
    """Programme rules whose fields are all None or equal to the run's give the very same result."""
    run_rules = replace(instance.rules, programme_rules={})
    repeating = replace(run_rules, programme_rules=data.draw(programme_rules_repeating(run_rules)))
    volunteers, residents = instance.volunteers, instance.residents

    for k in (10, 1):
        expected = propose_matches(volunteers, residents, run_rules, candidates_per_resident=k)
        assert propose_matches(volunteers, residents, repeating, candidates_per_resident=k) == expected
    for r in residents[:3]:
        assert rank_candidates(r, volunteers, repeating, k=3) == rank_candidates(r, volunteers, run_rules, k=3)


@settings(PROPERTY_SETTINGS, max_examples=60)
@given(SMALL, one_programme_rules())
def test_rules_of_a_programme_nobody_asks_for_change_nothing(instance: Instance, unused: ProgrammeRules) -> None:
    assert UNUSED_PROGRAMME not in {r.programme for r in instance.residents}
    with_unused = replace(instance.rules, programme_rules={**instance.rules.programme_rules, UNUSED_PROGRAMME: unused})

    result = propose_matches(instance.volunteers, instance.residents, with_unused)

    assert result == propose_matches(instance.volunteers, instance.residents, instance.rules)


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(SMALL)
def test_stats_agree_with_the_proposals(instance: Instance) -> None:
    result = propose_matches(instance.volunteers, instance.residents, instance.rules)

    assert result.stats.matched == len(result.proposals)
    assert result.stats.total_score == pytest.approx(sum(p.score for p in result.proposals), abs=TOLERANCE)
    assert result.stats.feasible_pairs == len(feasible_pairs(instance))


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(SMALL, st.integers(1, 4))
def test_rank_candidates_lists_the_k_best_feasible_volunteers(instance: Instance, k: int) -> None:
    assume(instance.residents and is_clear_of_boundaries(instance))
    resident = instance.residents[0]
    feasible = {
        v.id: oracle.score(v, resident, instance.rules)
        for v in instance.volunteers
        if oracle.first_failed_rule(v, resident, instance.rules) is None
    }

    ranked = rank_candidates(resident, instance.volunteers, instance.rules, k=k)

    assert {c.volunteer_id for c in ranked} <= feasible.keys()
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)
    assert [c.score for c in ranked] == pytest.approx(sorted(feasible.values(), reverse=True)[:k], abs=TOLERANCE)


@pytest.mark.parametrize("k", [1, 3])
@settings(PROPERTY_SETTINGS, max_examples=80)
@given(SMALL)
def test_candidates_per_resident_changes_neither_count_nor_total(k: int, instance: Instance) -> None:
    assume(is_clear_of_boundaries(instance))

    default = propose_matches(instance.volunteers, instance.residents, instance.rules)
    tuned = propose_matches(instance.volunteers, instance.residents, instance.rules, candidates_per_resident=k)

    assert tuned.stats.matched == default.stats.matched
    assert tuned.stats.total_score == pytest.approx(default.stats.total_score, abs=TOLERANCE)


@pytest.mark.slow
@settings(PROPERTY_SETTINGS, max_examples=25)
@given(medium_instances(30, 60))
def test_medium_runs_reach_the_dense_optimum(instance: Instance) -> None:
    assume(is_clear_of_boundaries(instance))
    matched, total = dense_optimum(instance)

    result = propose_matches(instance.volunteers, instance.residents, instance.rules)

    assert result.stats.matched == matched
    pairs = [(p.volunteer_id, p.resident_id) for p in result.proposals]
    assert rescored_total(instance, pairs) == pytest.approx(total, abs=TOLERANCE)


@pytest.mark.slow
@settings(PROPERTY_SETTINGS, max_examples=25)
@given(medium_instances(30, 60))
def test_medium_runs_report_the_optimal_total(instance: Instance) -> None:
    assume(is_clear_of_boundaries(instance))
    _, total = dense_optimum(instance)

    result = propose_matches(instance.volunteers, instance.residents, instance.rules)

    assert result.stats.total_score == pytest.approx(total, abs=TOLERANCE)


@pytest.mark.slow
@settings(PROPERTY_SETTINGS, max_examples=15)
@given(medium_instances(30, 60))
def test_medium_runs_with_one_candidate_per_resident_reach_the_dense_optimum(instance: Instance) -> None:
    assume(is_clear_of_boundaries(instance))
    matched, total = dense_optimum(instance)

    result = propose_matches(instance.volunteers, instance.residents, instance.rules, candidates_per_resident=1)

    assert result.stats.matched == matched
    pairs = [(p.volunteer_id, p.resident_id) for p in result.proposals]
    assert rescored_total(instance, pairs) == pytest.approx(total, abs=TOLERANCE)
