"""The certificate's bounds: clearing pairs by the bounds of their resident and volunteer loses none that improve.

``_improving_pairs`` scores again only the residents and volunteers of pairs whose bounds could still break the
dual inequality; it must hand back exactly the left-out pairs that a round over every feasible pair would.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.candidates import build_candidates, residents_asking
from matcher.encoding import Population, encode
from matcher.engine import _could_improve, _improving_pairs
from matcher.pairs import evaluate_block
from matcher.solver import (
    SCORE_TOLERANCE,
    certificate_potentials,
    prices_of,
    residual_distances,
    solve_assignment,
)
from matcher.validation import validate_residents, validate_rules, validate_volunteers
from tests.matcher.strategies import PROPERTY_SETTINGS, Instance, medium_instances, scarce_instances


def _population(instance: Instance) -> Population:
    return encode(
        validate_volunteers(instance.volunteers), validate_residents(instance.residents), validate_rules(instance.rules)
    )


def _every_breaking_pair(
    pop: Population, kept: set[tuple[int, int]], threshold: np.ndarray, volunteer_price: np.ndarray
) -> set[tuple[int, int]]:
    """Left-out feasible pairs with s - p[v] > threshold[r], from every resident against every volunteer."""
    found = set()
    every_volunteer = np.arange(pop.n_volunteers, dtype=np.int64)
    for programme in range(len(pop.programmes)):
        rows = residents_asking(pop, programme)
        if len(rows) == 0 or pop.n_volunteers == 0:
            continue
        block = evaluate_block(pop, programme, rows, every_volunteer)
        margin = block.score - volunteer_price[None, :] - threshold[rows][:, None]
        for i, j in zip(*np.nonzero(margin > 0), strict=True):
            pair = (int(rows[i]), int(j))
            if pair not in kept:
                found.add(pair)
    return found


@settings(PROPERTY_SETTINGS, max_examples=40)
@given(st.one_of(medium_instances(), scarce_instances(40, 80)), st.sampled_from([0.0, 0.01, 0.2]))
def test_the_bounds_clear_no_pair_that_breaks_the_certificate(instance: Instance, slack: float) -> None:
    pop = _population(instance)
    graph = build_candidates(pop, 1, 0)
    assignment = solve_assignment(pop.n_residents, pop.capacity, graph.resident, graph.volunteer, graph.score)
    distance = residual_distances(assignment, pop.capacity, graph.resident, graph.volunteer, graph.score)
    potential = certificate_potentials(distance, pop.n_residents)
    resident_price, volunteer_price = prices_of(potential, pop.n_residents)
    threshold = resident_price - assignment.bonus + SCORE_TOLERANCE - slack
    kept = set(zip(graph.resident.tolist(), graph.volunteer.tolist(), strict=True))

    found_res, found_vol, _, _ = _improving_pairs(pop, graph, assignment, potential, pop.n_volunteers + 1, slack)

    found = set(zip(found_res.tolist(), found_vol.tolist(), strict=True))
    assert len(found) == len(found_res)
    assert found == _every_breaking_pair(pop, kept, threshold, volunteer_price)


_bounds = st.lists(st.sampled_from([-np.inf, -1.0, 0.0, 0.25, 0.5, 1.0, 3.0]), min_size=1, max_size=12)


@given(_bounds, _bounds, _bounds, _bounds)
def test_the_sorted_filter_finds_the_rows_and_columns_a_block_of_bounds_would(
    resident_bound: list[float], threshold: list[float], volunteer_bound: list[float], price: list[float]
) -> None:
    rows = min(len(resident_bound), len(threshold))
    cols = min(len(volunteer_bound), len(price))
    # Thresholds are finite: a resident's price is a distance in the residual network, which reaches every resident.
    rb, t = np.array(resident_bound[:rows]), np.nan_to_num(np.array(threshold[:rows]), neginf=-5.0)
    vb, p = np.array(volunteer_bound[:cols]), np.abs(np.array(price[:cols]))
    p[~np.isfinite(p)] = 0.0

    could_rows, could_cols = _could_improve(rb, t, vb - p, -p)

    block = np.minimum(rb[:, None], vb[None, :]) - p[None, :] > t[:, None]
    assert could_rows.tolist() == block.any(axis=1).tolist()
    assert could_cols.tolist() == block.any(axis=0).tolist()
