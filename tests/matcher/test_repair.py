"""Re-optimising after a certificate round (matcher/repair.py) against solving the whole graph again.

Graphs are drawn directly (residents, volunteers with capacity 0 to 3, pairs with scores), with scores from a few
values so that ties and arcs of reduced cost 0 are common: that is where a search's bookkeeping can go wrong.
"""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import engine, repair
from matcher.solver import (
    Assignment,
    NotOptimal,
    certificate_potentials,
    potentials_certify,
    residual_distances,
    solve_assignment,
)
from tests.matcher.strategies import PROPERTY_SETTINGS, Instance, medium_instances, scarce_instances
from tests.matcher.test_properties import TOLERANCE, dense_optimum


class Graph:
    def __init__(
        self, n_res: int, capacity: np.ndarray, resident: np.ndarray, volunteer: np.ndarray, score: np.ndarray
    ):
        self.n_res, self.capacity, self.resident, self.volunteer, self.score = (
            n_res,
            capacity,
            resident,
            volunteer,
            score,
        )


@st.composite
def graphs_with_added_pairs(draw: st.DrawFn) -> tuple[Graph, int]:
    n_res = draw(st.integers(1, 25))
    n_vol = draw(st.integers(1, 12))
    capacity = np.array(draw(st.lists(st.integers(0, 3), min_size=n_vol, max_size=n_vol)), dtype=np.int64)
    pairs = draw(st.sets(st.tuples(st.integers(0, n_res - 1), st.integers(0, n_vol - 1)), min_size=1, max_size=80))
    pairs_list = sorted(pairs)
    order = draw(st.permutations(range(len(pairs_list))))
    coarse = draw(st.booleans())
    scores = [draw(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]) if coarse else st.floats(0.0, 1.0)) for _ in pairs_list]
    resident = np.array([pairs_list[i][0] for i in order], dtype=np.int64)
    volunteer = np.array([pairs_list[i][1] for i in order], dtype=np.int64)
    score = np.array([scores[i] for i in order])
    first_new = draw(st.integers(0, len(pairs_list)))
    return Graph(n_res, capacity, resident, volunteer, score), first_new


def _totals(assignment: Assignment, graph: Graph) -> tuple[int, float]:
    edges = assignment.matched_edge[assignment.matched_edge >= 0]
    return len(edges), float(graph.score[edges].sum())


def _assert_feasible(assignment: Assignment, graph: Graph) -> None:
    matched = np.flatnonzero(assignment.matched_edge >= 0)
    edges = assignment.matched_edge[matched]
    assert (graph.resident[edges] == matched).all()
    assert (np.bincount(graph.volunteer[edges], minlength=len(graph.capacity)) <= graph.capacity).all()


def _previous(graph: Graph, first_new: int) -> tuple[Assignment, np.ndarray]:
    old = slice(0, first_new)
    previous = solve_assignment(
        graph.n_res, graph.capacity, graph.resident[old], graph.volunteer[old], graph.score[old], solver="assignment"
    )
    distance = residual_distances(previous, graph.capacity, graph.resident[old], graph.volunteer[old], graph.score[old])
    return previous, certificate_potentials(distance, graph.n_res)


@settings(PROPERTY_SETTINGS, max_examples=300)
@given(graphs_with_added_pairs())
def test_re_optimising_gives_the_optimum_of_solving_every_pair_again(case: tuple[Graph, int]) -> None:
    graph, first_new = case
    previous, distance = _previous(graph, first_new)

    # Here every part is re-optimised, however much its searches look at.
    with patch.object(repair, "ARCS_PER_PAIR", 10**9), patch.object(repair, "MAX_PAIRS_ADDED_PER_PART", 10**9):
        outcome = repair.reoptimise(
            previous, distance, graph.capacity, graph.resident, graph.volunteer, graph.score, first_new
        )

    assert outcome is not None
    repaired, redo = outcome.assignment, outcome.redo_edges
    assert len(redo) == 0
    _assert_feasible(repaired, graph)
    # The potentials it leaves certify the result, as a shortest-path computation does (below).
    assert outcome.potential is not None
    assert potentials_certify(repaired, graph.capacity, graph.resident, graph.volunteer, graph.score, outcome.potential)
    fresh = solve_assignment(
        graph.n_res, graph.capacity, graph.resident, graph.volunteer, graph.score, solver="assignment"
    )
    matched, total = _totals(repaired, graph)
    assert matched == _totals(fresh, graph)[0]
    assert total == pytest.approx(_totals(fresh, graph)[1], abs=1e-9)
    # And the residual network of the result has no negative cycle: optimal on every pair, by the certificate's test.
    residual_distances(repaired, graph.capacity, graph.resident, graph.volunteer, graph.score)


@settings(PROPERTY_SETTINGS, max_examples=60)
@given(graphs_with_added_pairs())
def test_a_part_that_would_cost_more_than_a_solve_keeps_its_pairs_for_the_caller_to_solve(
    case: tuple[Graph, int],
) -> None:
    graph, first_new = case
    previous, distance = _previous(graph, first_new)

    with patch.object(repair, "ARCS_PER_PAIR", 0):
        outcome = repair.reoptimise(
            previous, distance, graph.capacity, graph.resident, graph.volunteer, graph.score, first_new
        )

    assert outcome is not None
    repaired, redo = outcome.assignment, outcome.redo_edges
    # Every search looks at an arc at least (its start volunteer has a pair, the added one), so each part with an
    # added pair that needed a search is given up; the given-up parts keep the previous pairs.
    assert set(redo.tolist()) <= set(range(first_new, len(graph.resident)))
    given_up_residents = np.unique(graph.resident[redo])
    assert (repaired.matched_edge[given_up_residents] == previous.matched_edge[given_up_residents]).all()
    again = solve_assignment(
        graph.n_res,
        graph.capacity,
        graph.resident,
        graph.volunteer,
        graph.score,
        repaired,
        redo,
        solver="assignment",
    )
    fresh = solve_assignment(
        graph.n_res, graph.capacity, graph.resident, graph.volunteer, graph.score, solver="assignment"
    )
    assert _totals(again, graph)[0] == _totals(fresh, graph)[0]
    assert _totals(again, graph)[1] == pytest.approx(_totals(fresh, graph)[1], abs=1e-9)


def test_distances_that_do_not_certify_the_assignment_are_refused() -> None:
    # Resident 1 holds volunteer 1 (0.1) though volunteer 0 (0.5) is free; resident 0 gets a pair to volunteer 1
    # added. Distances of all 0 do not certify that: the search meets resident 1's arc to volunteer 0 below 0.
    capacity = np.array([1, 1])
    resident, volunteer, score = np.array([1, 1, 0]), np.array([1, 0, 1]), np.array([0.1, 0.5, 0.9])
    previous = Assignment(np.array([-1, 0]), bonus=3.0)

    assert repair.reoptimise(previous, np.zeros(2 + 2 + 1), capacity, resident, volunteer, score, 2) is None


def _ignore_the_added_pairs(previous: Assignment, potential: np.ndarray, *_args: object) -> repair.Repair:
    return repair.Repair(previous, np.zeros(0, dtype=np.int64), potential)


@settings(PROPERTY_SETTINGS, max_examples=20)
@given(st.one_of(medium_instances(), scarce_instances(40, 80)))
def test_a_repair_the_certificate_refutes_is_solved_again_from_scratch(instance: Instance) -> None:
    matched, total = dense_optimum(instance)
    fresh_solves = []
    original_fresh = engine._Solve.fresh

    def counting_fresh(solve: engine._Solve) -> Assignment:
        fresh_solves.append(solve.solver)
        return original_fresh(solve)

    # A "repair" that ignores the pairs handed back leaves an improving cycle whenever one of them improves, and
    # hands back potentials that do not certify it: the check catches that, and a solve of the graph puts it right.
    with (
        patch.object(engine, "reoptimise", _ignore_the_added_pairs),
        patch.object(engine._Solve, "fresh", counting_fresh),
    ):
        result = engine.propose_matches(
            instance.volunteers, instance.residents, instance.rules, candidates_per_resident=1
        )

    assert result.stats.matched == matched
    assert result.stats.total_score == pytest.approx(total, abs=TOLERANCE)
    assert all(solver == "flow" for solver in fresh_solves)


def test_the_certificate_raises_on_an_assignment_that_is_not_optimal() -> None:
    # The safety net the engine relies on after a repair: a worse pair taken is a negative cycle.
    capacity = np.array([1, 1])
    resident, volunteer, score = np.array([0, 0]), np.array([0, 1]), np.array([0.2, 0.9])

    with pytest.raises(NotOptimal):
        residual_distances(Assignment(np.array([0]), bonus=2.0), capacity, resident, volunteer, score)
