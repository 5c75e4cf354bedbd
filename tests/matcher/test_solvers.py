"""The two exact solvers: OR-Tools' min-cost flow by default, scipy's sparse assignment should the flow fail.

The flow works on whole-number costs; its scale must keep OR-Tools' scaled costs within 64 bits, and a flow that
reports no optimum, or hands back an assignment the certificate refutes, must still end in the dense optimum.
"""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from matcher import MatcherInputError, propose_matches, solver
from tests.matcher.strategies import PROPERTY_SETTINGS, Instance, is_clear_of_boundaries, medium_instances
from tests.matcher.test_properties import TOLERANCE, dense_optimum


@given(st.integers(min_value=1, max_value=10**8))
def test_the_flow_scale_leaves_room_for_scaled_costs_and_potentials(n_nodes: int) -> None:
    bits = solver._flow_scale_bits(n_nodes)

    # A score is at most 1; OR-Tools multiplies each cost by the nodes + 1 and refuses one above
    # int64's limit / (2 (nodes + 1)); potentials grow with path lengths, which get 8 bits of their own.
    assert 2**bits * (n_nodes + 1) * 2**8 <= 2**61
    # ... and no coarser than that needs: 2^-40 per score, or one bit more would eat into the room.
    assert bits == 40 or 2 ** (bits + 1) * (n_nodes + 1) * 2**8 > 2**61


def _scipy_must_not_run(*_args: object) -> tuple[np.ndarray, np.ndarray]:
    raise AssertionError("scipy's solver ran")


@settings(PROPERTY_SETTINGS, max_examples=10)
@given(medium_instances())
def test_a_scale_too_fine_for_the_flow_is_retried_coarser_without_scipy(instance: Instance) -> None:
    assume(is_clear_of_boundaries(instance))
    matched, total = dense_optimum(instance)

    # 2^60 per score is past OR-Tools' limit for any graph; 8 bits coarser fits a graph of these sizes.
    with (
        patch.object(solver, "_flow_scale_bits", lambda _nodes: 60),
        patch.object(solver, "_solve_rows", _scipy_must_not_run),
    ):
        result = propose_matches(instance.volunteers, instance.residents, instance.rules)

    assert result.stats.matched == matched
    assert result.stats.total_score == pytest.approx(total, abs=TOLERANCE)


def _no_optimum(*_args: object) -> np.ndarray:
    raise solver.SolverFailed("status BAD_COST_RANGE")


@settings(PROPERTY_SETTINGS, max_examples=15)
@given(medium_instances())
def test_a_flow_without_an_optimum_falls_back_on_scipy(instance: Instance) -> None:
    assume(is_clear_of_boundaries(instance))
    matched, total = dense_optimum(instance)

    with patch.object(solver, "_solve_flow", _no_optimum):
        result = propose_matches(instance.volunteers, instance.residents, instance.rules, candidates_per_resident=1)

    assert result.stats.matched == matched
    assert result.stats.total_score == pytest.approx(total, abs=TOLERANCE)


@settings(PROPERTY_SETTINGS, max_examples=15)
@given(medium_instances())
def test_a_flow_the_certificate_refutes_falls_back_on_scipy(instance: Instance) -> None:
    assume(is_clear_of_boundaries(instance))
    matched, total = dense_optimum(instance)
    one_candidate_each = {"candidates_per_resident": 1, "candidates_per_volunteer": 0}
    honest = propose_matches(instance.volunteers, instance.residents, instance.rules, **one_candidate_each)
    # The certificate runs only when some feasible pair was left out of the candidates.
    assume(honest.stats.feasible_pairs > honest.stats.candidate_pairs)
    honest_flow = solver._solve_flow

    def one_pair_short(*args: np.ndarray) -> np.ndarray:
        # Leaving out one matched pair leaves an augmenting path, which the certificate must see.
        return honest_flow(*args)[1:]

    with patch.object(solver, "_solve_flow", one_pair_short):
        result = propose_matches(instance.volunteers, instance.residents, instance.rules, **one_candidate_each)

    assert result.stats.matched == matched
    assert result.stats.total_score == pytest.approx(total, abs=TOLERANCE)


def test_an_unknown_solver_is_refused() -> None:
    with pytest.raises(MatcherInputError, match=r"solver must be one of flow, assignment, got 'lapjv'"):
        propose_matches([], [], solver="lapjv")
