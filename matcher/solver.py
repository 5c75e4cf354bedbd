"""The exact assignment on candidate pairs, and the certificate that proves it optimal for all pairs.

The objective is most residents matched, then the highest total score. The default solver is OR-Tools'
min-cost flow (``SimpleMinCostFlow.solve_max_flow_with_min_cost``): source -> resident -> volunteer -> sink,
a maximum flow first and the least cost among maximum flows, which is that objective exactly. Its costs are
whole numbers, so scores are scaled by a power of two (2^40, or 2^36 for a hundred thousand nodes, so that
OR-Tools' own scaling and its node potentials stay within 64 bits); the total it returns is then within
``matches * 2^-bits`` of the float optimum. scipy's sparse assignment (LAPJVsp) on the float costs is the
second solver: the engine falls back on it when the flow reports anything but optimal or its solution fails
the certificate, and the tests hold the two against each other. For the certificate and for scipy the
objective becomes one weighted problem: every matched pair is worth ``bonus + score`` with ``bonus`` larger
than any possible difference in total score, so one more match always outweighs any score (the cardinality
bonus).

Optimality on the candidate pairs is extended to all feasible pairs by LP duality: shortest paths in the
residual network give dual prices ``u`` (residents) and ``p`` (volunteers) with ``u[r] + p[v] >= bonus + s``
on every candidate pair and equality on the matched ones. A left-out pair can improve the result only
if it breaks that inequality; the certificate checks left-out pairs against it and hands any that do
back to the solver (see :func:`matcher.engine.propose_matches`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from ortools.graph.python import min_cost_flow
from scipy.sparse.csgraph import connected_components, min_weight_full_bipartite_matching

from matcher.encoding import FloatArray, IntArray

#: Two dual sums closer than this (in score units) count as equal.
SCORE_TOLERANCE = 1e-9


def cardinality_bonus(n_residents: int) -> float:
    """A bonus per match larger than the total score of any matching (each score is at most 1)."""
    return float(n_residents + 1)


@dataclass
class Assignment:
    """``matched_edge[r]`` is the candidate pair index resident ``r`` got, or -1.

    ``bonus`` is the cardinality bonus of the whole run, which the certificate uses.
    """

    matched_edge: IntArray
    bonus: float


#: Small components are solved together (block-diagonally) up to this many rows per call;
#: scipy's sparse solver does per-row work that grows with the size of its whole input.
BATCH_ROWS = 2000

#: Which side of the bipartite graph becomes scipy's rows: "auto" takes the smaller side of each
#: component, "residents" or "capacity" force one (the result is the same optimum either way).
SOLVER_SIDES = ("auto", "residents", "capacity")

#: Whole components are solved by one flow together up to this many pairs (10k, 20k and 50k measured alike,
#: all of a country's 460k at once four times slower).
FLOW_BATCH_PAIRS = 20_000

#: The exact solvers: "flow" (OR-Tools' min-cost flow, the default) and "assignment" (scipy's LAPJVsp).
SOLVERS = ("flow", "assignment")

#: OR-Tools multiplies every cost by the number of nodes + 1 while it scales costs, in 64-bit integers.
_FLOW_COST_BITS = 61
#: Bits kept free for node potentials, which grow with the length of augmenting paths.
_FLOW_POTENTIAL_BITS = 8
#: The finest scale used: scores to within 2^-41 each.
_FLOW_MAX_SCALE_BITS = 40


class SolverFailed(RuntimeError):
    """The min-cost flow reported something other than an optimum; the caller solves with scipy instead."""


class NotOptimal(RuntimeError):
    """The certificate found an improving cycle: the assignment it was given is not optimal on its pairs."""


def _flow_scale_bits(n_nodes: int) -> int:
    """A power of two for the scores that keeps OR-Tools' scaled costs and node potentials within int64.

    OR-Tools multiplies each cost by the nodes + 1 and refuses a cost above int64's limit / (2 (nodes + 1));
    node potentials then grow with the length of augmenting paths, for which 8 more bits are kept free.
    2^-40 is finer than any difference in score that matters; larger runs get coarser scales (2^-36 at
    a hundred thousand nodes).
    """
    return min(_FLOW_MAX_SCALE_BITS, _FLOW_COST_BITS - math.ceil(math.log2(n_nodes + 1)) - _FLOW_POTENTIAL_BITS)


def _solve_flow(capacity: IntArray, resident: IntArray, volunteer: IntArray, score: FloatArray) -> IntArray:
    """The pairs (indices into the arguments) of a maximum matching of the highest total score.

    Nodes are the residents and volunteers that have a pair, a source and a sink; a volunteer's arc to the
    sink carries its capacity (never more than its pairs).
    """
    residents_used, resident_node = np.unique(resident, return_inverse=True)
    volunteers_used, volunteer_node = np.unique(volunteer, return_inverse=True)
    n_res, n_vol, n_pairs = len(residents_used), len(volunteers_used), len(resident)
    source, sink = n_res + n_vol, n_res + n_vol + 1
    units = np.minimum(capacity[volunteers_used], np.bincount(volunteer_node, minlength=n_vol))
    tails = np.concatenate((resident_node, np.full(n_res, source), n_res + np.arange(n_vol))).astype(np.int32)
    heads = np.concatenate((n_res + volunteer_node, np.arange(n_res), np.full(n_vol, sink))).astype(np.int32)
    capacities = np.concatenate((np.ones(n_pairs + n_res, dtype=np.int64), units.astype(np.int64)))
    bits = _flow_scale_bits(n_res + n_vol + 2)
    # Potentials that outgrow their room end in BAD_COST_RANGE: a coarser scale gives them more.
    for scale_bits in (bits, bits - _FLOW_POTENTIAL_BITS):
        flow = min_cost_flow.SimpleMinCostFlow()
        # The pairs' arcs first, so that arc i is pair i. OR-Tools takes nodes and arcs as 32-bit numbers.
        costs = np.concatenate((-np.rint(score * 2.0**scale_bits), np.zeros(n_res + n_vol))).astype(np.int64)
        flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
        flow.set_nodes_supplies(np.array([source, sink], dtype=np.int32), np.array([n_res, -n_res], dtype=np.int64))
        status = flow.solve_max_flow_with_min_cost()
        if status == min_cost_flow.SimpleMinCostFlow.OPTIMAL:
            flows = np.asarray(flow.flows(np.arange(n_pairs, dtype=np.int32)))
            return np.flatnonzero(flows > 0).astype(np.int64)
        if status != min_cost_flow.SimpleMinCostFlow.BAD_COST_RANGE:
            break
    raise SolverFailed(f"OR-Tools' min-cost flow ended with status {status!r}")


def _solve_rows(
    capacity: IntArray, resident: IntArray, volunteer: IntArray, score: FloatArray, rows_are_residents: bool
) -> tuple[IntArray, IntArray]:
    """Exact assignment of one batch of candidate pairs: (residents matched, their pair index).

    One side becomes the solver's rows: residents, or units of capacity (a volunteer's copies, as many
    as it has capacity and candidate residents). Every row gets a private "stays unmatched" column, so
    each row is matched in full; a row that stays unmatched makes scipy's shortest-path search explore
    its whole component first, which is why the smaller side (the one that can be matched in full, or
    nearly) should be the rows.
    """
    residents_used, resident_of_edge = np.unique(resident, return_inverse=True)
    degree = np.bincount(volunteer, minlength=len(capacity))
    # A volunteer never needs more capacity columns than candidate residents.
    units = np.minimum(capacity, degree)
    first_unit = np.cumsum(units) - units
    n_units = int(units.sum())
    n_residents = len(residents_used)

    copies = units[volunteer]
    edge_of_copy = np.repeat(np.arange(len(resident)), copies)
    copy_number = np.arange(len(edge_of_copy)) - np.repeat(np.cumsum(copies) - copies, copies)
    copy_resident = resident_of_edge[edge_of_copy]
    copy_unit = first_unit[volunteer[edge_of_copy]] + copy_number

    if rows_are_residents:
        copy_row, copy_col, n_rows, n_real_columns = copy_resident, copy_unit, n_residents, n_units
    else:
        copy_row, copy_col, n_rows, n_real_columns = copy_unit, copy_resident, n_units, n_residents
    bonus = cardinality_bonus(min(n_residents, n_units))
    # Costs must be non-zero for scipy's sparse matching: a match costs 2 - score (in [1, 2]), staying
    # unmatched costs bonus + 2, so a match saves bonus + score.
    costs = np.concatenate((2.0 - score[edge_of_copy], np.full(n_rows, bonus + 2.0)))
    rows = np.concatenate((copy_row, np.arange(n_rows)))
    cols = np.concatenate((copy_col, n_real_columns + np.arange(n_rows)))
    matrix = sp.csr_array((costs, (rows, cols)), shape=(n_rows, n_real_columns + n_rows))
    row_index, col_index = min_weight_full_bipartite_matching(matrix)

    is_match = col_index < n_real_columns
    copy_key = copy_row.astype(np.int64) * n_real_columns + copy_col
    order = np.argsort(copy_key)
    wanted = row_index[is_match].astype(np.int64) * n_real_columns + col_index[is_match]
    copy_found = order[np.searchsorted(copy_key, wanted, sorter=order)]
    matched_edge = edge_of_copy[copy_found]
    return resident[matched_edge], matched_edge


def solve_assignment(
    n_residents: int,
    capacity: IntArray,
    resident: IntArray,
    volunteer: IntArray,
    score: FloatArray,
    previous: Assignment | None = None,
    redo_edges: IntArray | None = None,
    side: str = "auto",
    solver: str = "flow",
) -> Assignment:
    """The best assignment using the given candidate pairs only.

    Connected components of the candidate graph are independent problems. With ``previous`` and
    ``redo_edges`` (pairs added or changed since ``previous`` was optimal), only the components of those
    pairs are solved again; the others keep ``previous``'s pairs. ``solver`` picks the solver (see
    :data:`SOLVERS`) and ``side`` scipy's rows (see :data:`SOLVER_SIDES`). The flow raises
    :class:`SolverFailed` when it finds no optimum.
    """
    if side not in SOLVER_SIDES:
        raise ValueError(f"side must be one of {SOLVER_SIDES}, got {side!r}")
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    matched_edge = np.full(n_residents, -1, dtype=np.int64)
    bonus = cardinality_bonus(n_residents)
    if len(resident) == 0:
        return Assignment(matched_edge, bonus)

    n_volunteers = len(capacity)
    graph = sp.coo_array(
        (np.ones(len(resident)), (resident, n_residents + volunteer)),
        shape=(n_residents + n_volunteers, n_residents + n_volunteers),
    )
    n_components, label = connected_components(graph, directed=False)
    edge_component = label[resident]
    if previous is None or redo_edges is None:
        redo = np.ones(len(resident), dtype=bool)
    else:
        dirty = np.zeros(n_components, dtype=bool)
        dirty[edge_component[redo_edges]] = True
        redo = dirty[edge_component]
        keep = ~dirty[label[:n_residents]]
        matched_edge[keep] = previous.matched_edge[keep]

    edges = np.flatnonzero(redo)
    if solver == "flow":
        # Whole components, a batch of small ones at a time: one flow over many components is slower than
        # one per component (its price updates sweep the whole graph), and a flow per tiny one costs calls.
        edges = edges[np.argsort(edge_component[edges], kind="stable")]
        component_of = edge_component[edges]
        stops = np.append(np.flatnonzero(np.diff(component_of)) + 1, len(edges))
        start = 0
        while start < len(edges):
            # The batch ends at the first component end that brings it to FLOW_BATCH_PAIRS pairs.
            last = min(int(np.searchsorted(stops, start + FLOW_BATCH_PAIRS)), len(stops) - 1)
            stop = int(stops[last])
            chosen = edges[start:stop]
            picked = chosen[_solve_flow(capacity, resident[chosen], volunteer[chosen], score[chosen])]
            matched_edge[resident[picked]] = picked
            start = stop
        return Assignment(matched_edge, bonus)

    # The size of each side of each component: residents with a pair, and the capacity units usable.
    residents_per_component = np.bincount(label[np.unique(resident)], minlength=n_components)
    degree = np.bincount(volunteer, minlength=n_volunteers)
    volunteer_component = label[n_residents:]
    units_per_component = np.bincount(
        volunteer_component, weights=np.minimum(capacity, degree), minlength=n_components
    ).astype(np.int64)
    if side == "auto":
        rows_are_residents = residents_per_component <= units_per_component
    else:
        rows_are_residents = np.full(n_components, side == "residents")
    rows_per_component = np.where(rows_are_residents, residents_per_component, units_per_component)

    # Order the edges by the side their component is solved from, then by component.
    edges = edges[np.lexsort((edge_component[edges], ~rows_are_residents[edge_component[edges]]))]
    component_of = edge_component[edges]
    component_starts = np.flatnonzero(np.diff(component_of, prepend=-1))
    bounds = np.append(component_starts, len(edges))
    # Cut the edges into batches of whole components that are all solved from the same side.
    batch: list[IntArray] = []
    batch_rows = 0
    for index, (start, stop) in enumerate(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)):
        component = int(component_of[start])
        batch.append(edges[start:stop])
        batch_rows += int(rows_per_component[component])
        last = index == len(bounds) - 2
        if last or batch_rows >= BATCH_ROWS or rows_are_residents[component_of[stop]] != rows_are_residents[component]:
            chosen = np.concatenate(batch)
            rows, picked_in_batch = _solve_rows(
                capacity, resident[chosen], volunteer[chosen], score[chosen], bool(rows_are_residents[component])
            )
            matched_edge[rows] = chosen[picked_in_batch]
            batch, batch_rows = [], 0
    return Assignment(matched_edge, bonus)


def _shortest_distances(
    n_nodes: int, source: int, tail: IntArray, head: IntArray, cost: FloatArray, tolerance: float
) -> FloatArray:
    """Bellman-Ford from ``source``, relaxing only the edges of nodes that improved in the last round."""
    order = np.argsort(tail, kind="stable")
    tail, head, cost = tail[order], head[order], cost[order]
    first_edge = np.concatenate(([0], np.cumsum(np.bincount(tail, minlength=n_nodes))))
    distance = np.full(n_nodes, np.inf)
    distance[source] = 0.0
    frontier = np.array([source], dtype=np.int64)
    for _ in range(n_nodes + 1):
        if len(frontier) == 0:
            return distance
        starts, stops = first_edge[frontier], first_edge[frontier + 1]
        counts = stops - starts
        edges = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))
        candidate = distance[tail[edges]] + cost[edges]
        heads = head[edges]
        better = candidate < distance[heads] - tolerance
        heads, candidate = heads[better], candidate[better]
        np.minimum.at(distance, heads, candidate)
        frontier = np.unique(heads)
    raise NotOptimal("the residual network has a negative cycle: the assignment was not optimal")


def residual_distances(
    assignment: Assignment, capacity: IntArray, resident: IntArray, volunteer: IntArray, score: FloatArray
) -> FloatArray:
    """Shortest distances from ``t`` in the residual network of ``assignment`` on its pairs.

    Nodes are the residents, then the volunteers, then ``t``, which supplies each resident and takes each
    volunteer's units (source and sink in one). A pair's arc costs ``-(bonus + score)`` from resident to volunteer,
    or the opposite back from volunteer to resident where the pair is matched; the arcs to and from ``t`` cost
    nothing. Raises :class:`NotOptimal` when the network has a negative cycle, that is when the assignment is not
    optimal on its pairs. As node potentials the distances leave every arc a reduced cost of at least 0, which is
    where :mod:`matcher.repair` starts from.
    """
    matched_edge = assignment.matched_edge
    n_res, n_vol = len(matched_edge), len(capacity)
    sink = n_res + n_vol
    weight = assignment.bonus + score
    used = np.zeros(len(resident), dtype=bool)
    used[matched_edge[matched_edge >= 0]] = True
    load = np.bincount(volunteer[used], minlength=n_vol)
    matched = matched_edge >= 0
    all_res, all_vol = np.arange(n_res), n_res + np.arange(n_vol)

    # Residual network of the flow resident -> volunteer -> sink (or resident -> sink: unmatched).
    tail = np.concatenate((
        resident[~used], n_res + volunteer[used],
        all_res[matched], np.full(int((~matched).sum()), sink),
        all_vol[load < capacity], np.full(int((load > 0).sum()), sink),
    ))  # fmt: skip
    head = np.concatenate((
        n_res + volunteer[~used], resident[used],
        np.full(int(matched.sum()), sink), all_res[~matched],
        np.full(int((load < capacity).sum()), sink), all_vol[load > 0],
    ))  # fmt: skip
    cost = np.concatenate((-weight[~used], weight[used], np.zeros(len(tail) - len(resident))))
    tolerance = 1e-13 * (assignment.bonus + 2.0)
    return _shortest_distances(sink + 1, sink, tail.astype(np.int64), head.astype(np.int64), cost, tolerance)


def certificate_potentials(distance: FloatArray, n_residents: int) -> FloatArray:
    """Node potentials from :func:`residual_distances` (residents, volunteers, then ``t`` at 0) under which every
    arc of the residual network costs at least 0, with each volunteer's no higher than ``t``'s.

    A volunteer's distance is above 0 only when it has room and no resident; its arc to ``t`` lets it go down to 0,
    which clears more left-out pairs (and makes it the price 0 that LP duality gives a volunteer with room). A volunteer
    ``t`` never reaches has no pair: 0 as well.
    """
    potential = distance.copy()
    volunteers = potential[n_residents:-1]
    volunteers[~(volunteers <= 0.0)] = 0.0
    return potential


def prices_of(potential: FloatArray, n_residents: int) -> tuple[FloatArray, FloatArray]:
    """Dual prices (u per resident, p per volunteer) from node potentials with ``t`` at 0 (see
    :func:`certificate_potentials`): a left-out pair improves the assignment only if ``bonus + score > u[r] + p[v]``,
    the reduced cost of its arc below 0.
    """
    return potential[:n_residents], -potential[n_residents:-1]


def potentials_certify(
    assignment: Assignment,
    capacity: IntArray,
    resident: IntArray,
    volunteer: IntArray,
    score: FloatArray,
    potential: FloatArray,
) -> bool:
    """Whether every arc of ``assignment``'s residual network (see :func:`residual_distances`) costs at least 0 (to
    rounding) under ``potential`` (residents, volunteers, then ``t``): then no cycle is negative and the assignment
    is optimal on its pairs, as a shortest-path computation would show."""
    matched_edge = assignment.matched_edge
    n_res = len(matched_edge)
    weight = assignment.bonus + score
    used = np.zeros(len(resident), dtype=bool)
    used[matched_edge[matched_edge >= 0]] = True
    load = np.bincount(volunteer[used], minlength=len(capacity))
    at_resident, at_volunteer, at_t = potential[resident], potential[n_res + volunteer], potential[-1]
    resident_potential, volunteer_potential = potential[:n_res], potential[n_res:-1]
    slack = -1e-13 * (assignment.bonus + 2.0)
    matched = matched_edge >= 0
    return bool(
        (-weight[~used] + at_resident[~used] - at_volunteer[~used] >= slack).all()
        and (weight[used] + at_volunteer[used] - at_resident[used] >= slack).all()
        and (resident_potential[matched] - at_t >= slack).all()
        and (at_t - resident_potential[~matched] >= slack).all()
        and (volunteer_potential[load < capacity] - at_t >= slack).all()
        and (at_t - volunteer_potential[load > 0] >= slack).all()
    )
