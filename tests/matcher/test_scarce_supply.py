"""Scarce supply: more residents than units of capacity, capacity above 1, one large component.

The solver then works from the capacity side and volunteers bring their own candidate lists; the
result must stay the dense optimum, and must not depend on the side the solver works from.
"""

from __future__ import annotations

from unittest.mock import patch

import pytest
from hypothesis import assume, given, settings

from matcher import engine, propose_matches
from tests.matcher.strategies import PROPERTY_SETTINGS, Instance, is_clear_of_boundaries, scarce_instances
from tests.matcher.test_properties import TOLERANCE, dense_optimum, rescored_total

SCARCE = scarce_instances(40, 80)


def _units(instance: Instance) -> int:
    return sum(v.capacity for v in instance.volunteers)


@settings(PROPERTY_SETTINGS, max_examples=20)
@given(SCARCE)
def test_scarce_runs_reach_the_dense_optimum(instance: Instance) -> None:
    assume(is_clear_of_boundaries(instance) and _units(instance) < len(instance.residents))
    matched, total = dense_optimum(instance)

    result = propose_matches(instance.volunteers, instance.residents, instance.rules)

    assert result.stats.matched == matched
    pairs = [(p.volunteer_id, p.resident_id) for p in result.proposals]
    assert rescored_total(instance, pairs) == pytest.approx(total, abs=TOLERANCE)


@settings(PROPERTY_SETTINGS, max_examples=20)
@given(SCARCE)
def test_scarce_runs_through_the_certificate_reach_the_dense_optimum(instance: Instance) -> None:
    assume(is_clear_of_boundaries(instance) and _units(instance) < len(instance.residents))
    matched, total = dense_optimum(instance)

    result = propose_matches(
        instance.volunteers, instance.residents, instance.rules, candidates_per_resident=1, candidates_per_volunteer=0
    )

    assert result.stats.matched == matched
    assert result.stats.total_score == pytest.approx(total, abs=TOLERANCE)


@pytest.mark.parametrize("k", [1, 10])
@settings(PROPERTY_SETTINGS, max_examples=20)
@given(SCARCE)
def test_the_result_is_the_same_whichever_solver_and_side_it_is_solved_with(k: int, instance: Instance) -> None:
    def run(solver: str, side: str = "auto") -> tuple[int, float]:
        result = propose_matches(
            instance.volunteers,
            instance.residents,
            instance.rules,
            candidates_per_resident=k,
            solver=solver,
            solver_side=side,
        )
        return result.stats.matched, result.stats.total_score

    flow = run("flow")
    from_residents, from_capacity, automatic = (
        run("assignment", "residents"),
        run("assignment", "capacity"),
        run("assignment"),
    )

    assert flow[0] == from_capacity[0] == from_residents[0] == automatic[0]
    assert from_capacity[1] == pytest.approx(from_residents[1], abs=TOLERANCE)
    assert automatic[1] == pytest.approx(from_residents[1], abs=TOLERANCE)
    assert flow[1] == pytest.approx(from_residents[1], abs=TOLERANCE)


@pytest.mark.parametrize("slack", [0.0, 0.5])
@settings(PROPERTY_SETTINGS, max_examples=20)
@given(SCARCE)
def test_the_certificate_slack_changes_neither_count_nor_total(slack: float, instance: Instance) -> None:
    def run() -> tuple[int, float]:
        result = propose_matches(
            instance.volunteers,
            instance.residents,
            instance.rules,
            candidates_per_resident=1,
            candidates_per_volunteer=0,
        )
        return result.stats.matched, result.stats.total_score

    default = run()
    with patch.object(engine, "CERTIFICATE_SLACK", slack):
        other = run()

    assert other[0] == default[0]
    assert other[1] == pytest.approx(default[1], abs=TOLERANCE)
