"""Re-optimise an optimal assignment after candidate pairs are added, from its own prices, instead of solving again.

A certificate round hands back a few pairs out of a hundred thousand; solving the whole component again for them
costs as much as the first solve (neither OR-Tools' flow nor scipy takes a starting solution). The residual network
of the previous optimum (see :func:`matcher.solver.residual_distances`: residents, volunteers and one node ``t``
that is both source and sink) has shortest-path distances ``d`` from ``t``; with them as node potentials every arc's
reduced cost ``c(x, y) + d(x) - d(y)`` is at least 0. Only the added pairs' arcs can be negative, and the new optimum
is the old one with the negative cycles through them cancelled. Each added arc ``r -> v`` with reduced cost
``-delta < 0`` is taken in turn: a Dijkstra search from ``v`` on reduced costs, which never looks further than
``delta``, either reaches ``r`` at a distance ``L < delta`` (the cycle ``v ~> r -> v`` is negative: one unit goes
round it) or shows there is no such cycle. Adding to each settled node's potential its distance minus
``min(L, delta)`` then leaves every arc, the added one included, at a reduced cost of at least 0 (the successive
shortest path method's potential update), so the next added arc starts from valid potentials again and, once all are
taken, no negative cycle is left: the assignment is optimal on all candidate pairs. The search stays near the added
pair, as its bound is the pair's small violation; where it cannot (see :data:`ARCS_PER_PAIR`), the part is left to
be solved again.

The engine does not trust this alone: it checks the potentials left here arc by arc
(:func:`matcher.solver.potentials_certify`), computes them from scratch (Bellman-Ford) when they do not check out,
and solves the whole graph again should those show an improving cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numba import njit
from scipy.sparse.csgraph import connected_components

from matcher.encoding import FloatArray, IntArray
from matcher.solver import Assignment

#: _reoptimise's outcome when its search met a reduced cost below minus the tolerance: the prices it was given
#: do not certify the previous assignment, and the caller solves again instead.
_PRICES_INVALID = -1
#: The searches in a part of the candidate graph may look at this many arcs per pair of the part before solving the
#: part again is the cheaper way: where volunteers are ample, a search that reaches t looks at most of its town (each
#: arc about 40 ns, against about 1.2 us per pair for OR-Tools' flow; measured on 10,000 x 10,000 in one town).
ARCS_PER_PAIR = 20
#: A part that gets more added pairs than this is solved again without a try: its searches would most likely run out
#: of arcs first (a search that reaches t looks at most of its part, and one in eight or so does; 10,000 x 10,000 in
#: one town: 104 pairs added, re-optimised in 0.08 s against 0.12 s for a solve; 5,000 x 10,000: 240 pairs, 0.03 s
#: against 0.13 s; 50,000 x 50,000 over the country, a part of 330 pairs gave up after 0.3 s).
MAX_PAIRS_ADDED_PER_PART = 256


@njit(cache=True, inline="always")
def _sift_up(heap: np.ndarray, position: np.ndarray, key: np.ndarray, i: int) -> None:
    node = heap[i]
    while i > 0:
        up = (i - 1) >> 1
        if key[heap[up]] <= key[node]:
            break
        heap[i] = heap[up]
        position[heap[i]] = i
        i = up
    heap[i] = node
    position[node] = i


@njit(cache=True, inline="always")
def _pop_min(heap: np.ndarray, position: np.ndarray, key: np.ndarray, size: int) -> int:
    """Take the node of the smallest key off a heap of ``size`` nodes (the caller counts it one smaller)."""
    top = heap[0]
    position[top] = -1
    size -= 1
    if size > 0:
        node = heap[size]
        i = 0
        while True:
            child = 2 * i + 1
            if child >= size:
                break
            if child + 1 < size and key[heap[child + 1]] < key[heap[child]]:
                child += 1
            if key[node] <= key[heap[child]]:
                break
            heap[i] = heap[child]
            position[heap[i]] = i
            i = child
        heap[i] = node
        position[node] = i
    return int(top)


@njit(cache=True, inline="always")
def _visit(
    y: int,
    reduced: float,
    x: int,
    e: int,
    at: float,
    limit: float,
    zero: float,
    tolerance: float,
    distance: np.ndarray,
    settled: np.ndarray,
    parent: np.ndarray,
    parent_edge: np.ndarray,
    touched: np.ndarray,
    n_touched: int,
    heap: np.ndarray,
    position: np.ndarray,
    sizes: np.ndarray,
    stack: np.ndarray,
) -> int:
    """Reach ``y`` from ``x`` (settled at ``at``) over an arc of reduced cost ``reduced``, pair ``e`` (-1: an arc
    of t's); returns the new count of nodes touched, or -1 when the arc costs less than ``-tolerance`` (the
    potentials do not certify the assignment).

    An arc that costs nothing settles ``y`` at once (it cannot be reached any sooner) and puts it on ``stack``:
    where volunteers are ample, the volunteers with room and their residents are all a step of nothing from
    ``t``, and a heap of them all would cost more than the search. ``sizes`` holds the heap's size and the
    stack's.
    """
    if reduced < -tolerance:
        return -1
    if settled[y]:
        return n_touched
    step = at + max(reduced, 0.0)
    if not (step < distance[y] and step < limit):
        return n_touched
    if distance[y] == np.inf:
        touched[n_touched] = y
        n_touched += 1
    distance[y], parent[y], parent_edge[y] = step, x, e
    if reduced <= zero:
        distance[y] = at
        settled[y] = True
        if position[y] >= 0:  # on the heap at a longer distance: kept in order there, and passed over when popped
            _sift_up(heap, position, distance, position[y])
        stack[sizes[1]] = y
        sizes[1] += 1
    elif position[y] >= 0:
        _sift_up(heap, position, distance, position[y])
    else:
        heap[sizes[0]] = y
        sizes[0] += 1
        _sift_up(heap, position, distance, sizes[0] - 1)
    return n_touched


@njit(cache=True, nogil=True)
def _reoptimise(
    n_res: int,
    capacity: np.ndarray,
    resident: np.ndarray,
    volunteer: np.ndarray,
    weight: np.ndarray,
    matched_edge: np.ndarray,
    load: np.ndarray,
    potential: np.ndarray,
    res_first: np.ndarray,
    res_edges: np.ndarray,
    res_heads: np.ndarray,
    res_weights: np.ndarray,
    vol_first: np.ndarray,
    vol_edges: np.ndarray,
    vol_heads: np.ndarray,
    vol_weights: np.ndarray,
    component: np.ndarray,
    component_first: np.ndarray,
    component_members: np.ndarray,
    max_arcs: np.ndarray,
    given_up: np.ndarray,
    first_new_edge: int,
    tolerance: float,
) -> int:
    """Cancel the negative cycles through pairs ``first_new_edge`` on, changing ``matched_edge``, ``load`` and
    ``potential`` in place. Nodes: residents 0..n_res-1, volunteers after them, then one ``t`` per connected part
    of the candidate graph (``component`` of each resident and volunteer; ``component_first`` cuts
    ``component_members`` by part): a unit never moves from one part to another, and one ``t`` for all would
    spread every search that reaches it over the whole country. The added pairs are
    taken in order, each as if the later ones were not there yet. ``res_first`` / ``vol_first`` cut the pairs by
    resident and by volunteer (``res_edges``, with each pair's head node and weight beside it: the searches read
    them in that order). Once the searches in a part have looked at more than ``max_arcs`` of the part's arcs, the
    part is left half done and marked in ``given_up``, for the caller to solve again. Returns the number of cycles
    cancelled, or _PRICES_INVALID."""
    n_vol = len(capacity)
    t0 = n_res + n_vol
    n_nodes = len(potential)
    distance = np.full(n_nodes, np.inf)
    settled = np.zeros(n_nodes, dtype=np.bool_)
    parent = np.full(n_nodes, -1, dtype=np.int64)
    parent_edge = np.full(n_nodes, -1, dtype=np.int64)
    touched = np.empty(n_nodes, dtype=np.int64)
    heap = np.empty(n_nodes, dtype=np.int64)
    position = np.full(n_nodes, -1, dtype=np.int64)
    stack = np.empty(n_nodes, dtype=np.int64)
    sizes = np.zeros(2, dtype=np.int64)  # of the heap, of the stack
    # Reduced costs this close to 0 are rounding: such an arc counts as costing nothing.
    zero = tolerance * 1e-3
    cancelled = 0
    arcs = np.zeros(len(given_up), dtype=np.int64)
    for new in range(first_new_edge, len(resident)):
        start, goal = n_res + volunteer[new], resident[new]
        part = component[goal]
        if given_up[part]:
            continue
        delta = weight[new] - potential[goal] + potential[start]
        if not delta > tolerance:
            continue
        distance[start] = 0.0
        touched[0] = start
        n_touched = 1
        heap[0], position[start], sizes[0] = start, 0, 1
        limit = delta
        reached = False
        while sizes[0] > 0 and not reached:
            x = _pop_min(heap, position, distance, sizes[0])
            sizes[0] -= 1
            if settled[x]:
                continue
            at = distance[x]
            if at >= limit:
                break
            settled[x] = True
            stack[0], sizes[1] = x, 1
            if arcs[part] > max_arcs[part]:
                given_up[part] = True
                break
            while sizes[1] > 0:
                sizes[1] -= 1
                x = stack[sizes[1]]
                if x == goal:
                    reached = True
                    limit = at
                    break
                if x < n_res:
                    # Resident x: to the volunteers of its other pairs; back to t if it is matched.
                    arcs[part] += res_first[x + 1] - res_first[x]
                    mine = matched_edge[x]
                    for k in range(res_first[x], res_first[x + 1]):
                        e = res_edges[k]
                        if e == mine or e >= new:
                            continue
                        y = res_heads[k]
                        reduced = -res_weights[k] + potential[x] - potential[y]
                        n_touched = _visit(
                            y, reduced, x, e, at, limit, zero, tolerance, distance, settled, parent, parent_edge,
                            touched, n_touched, heap, position, sizes, stack,
                        )  # fmt: skip
                        if n_touched < 0:
                            return _PRICES_INVALID
                    if mine >= 0:
                        y = t0 + component[x]
                        reduced = potential[x] - potential[y]
                        n_touched = _visit(
                            y, reduced, x, -1, at, limit, zero, tolerance, distance, settled, parent, parent_edge,
                            touched, n_touched, heap, position, sizes, stack,
                        )  # fmt: skip
                        if n_touched < 0:
                            return _PRICES_INVALID
                elif x < t0:
                    # Volunteer x: to the residents it is matched with; to t if it has room.
                    v = x - n_res
                    arcs[part] += vol_first[v + 1] - vol_first[v]
                    for k in range(vol_first[v], vol_first[v + 1]):
                        e = vol_edges[k]
                        y = vol_heads[k]
                        if matched_edge[y] != e:
                            continue
                        reduced = vol_weights[k] + potential[x] - potential[y]
                        n_touched = _visit(
                            y, reduced, x, e, at, limit, zero, tolerance, distance, settled, parent, parent_edge,
                            touched, n_touched, heap, position, sizes, stack,
                        )  # fmt: skip
                        if n_touched < 0:
                            return _PRICES_INVALID
                    if load[v] < capacity[v]:
                        y = t0 + component[x]
                        reduced = potential[x] - potential[y]
                        n_touched = _visit(
                            y, reduced, x, -1, at, limit, zero, tolerance, distance, settled, parent, parent_edge,
                            touched, n_touched, heap, position, sizes, stack,
                        )  # fmt: skip
                        if n_touched < 0:
                            return _PRICES_INVALID
                else:
                    # From t the goal is often a step of nothing away (its volunteer has room): then it is settled
                    # at once, before t's arcs to every volunteer in use spread the search over the whole town.
                    mine = matched_edge[goal]
                    via = goal if mine < 0 else n_res + volunteer[mine]
                    if via == goal or (load[via - n_res] > 0 and not settled[via]):
                        reduced = potential[x] - potential[via]
                        if reduced <= zero:
                            n_touched = _visit(
                                via, reduced, x, -1, at, limit, zero, tolerance, distance, settled, parent, parent_edge,
                                touched, n_touched, heap, position, sizes, stack,
                            )  # fmt: skip
                            if n_touched < 0:
                                return _PRICES_INVALID
                            if via != goal and settled[via]:
                                reduced = weight[mine] + potential[via] - potential[goal]
                                if reduced <= zero:
                                    n_touched = _visit(
                                        goal, reduced, via, mine, at, limit, zero, tolerance, distance, settled, parent,
                                        parent_edge, touched, n_touched, heap, position, sizes, stack,
                                    )  # fmt: skip
                                    if n_touched < 0:
                                        return _PRICES_INVALID
                            if settled[goal]:
                                continue  # the goal is on top of the stack
                    # t: to every unmatched resident of its part, and to every volunteer of it with a unit in use.
                    arcs[part] += component_first[part + 1] - component_first[part]
                    for k in range(component_first[part], component_first[part + 1]):
                        y = component_members[k]
                        if (matched_edge[y] < 0) if y < n_res else (load[y - n_res] > 0):
                            reduced = potential[x] - potential[y]
                            n_touched = _visit(
                                y, reduced, x, -1, at, limit, zero, tolerance, distance, settled, parent, parent_edge,
                                touched, n_touched, heap, position, sizes, stack,
                            )  # fmt: skip
                            if n_touched < 0:
                                return _PRICES_INVALID

        if reached:
            # One unit round the cycle start ~> goal -> start, walking back from goal; the added pair last.
            y = goal
            while y != start:
                x, e = parent[y], parent_edge[y]
                if x < n_res:
                    if y < t0:  # resident x takes the pair to volunteer y (its old one, if any, comes next)
                        matched_edge[x] = e
                    # resident x -> t: x lets its pair go, which the arc into x does
                elif x < t0:
                    if y < n_res:  # volunteer x lets resident y go, unless y took another pair already
                        if matched_edge[y] == e:
                            matched_edge[y] = -1
                    else:  # volunteer x -> t: one more unit of x in use
                        load[x - n_res] += 1
                elif y >= n_res:  # t -> volunteer y: one unit of y freed
                    load[y - n_res] -= 1
                # t -> resident y: y is matched by the arc out of it
                y = x
            matched_edge[goal] = new
            cancelled += 1
        # The successive shortest path update, in the form that leaves the nodes not settled alone.
        for i in range(n_touched):
            x = touched[i]
            if settled[x]:
                potential[x] += distance[x] - limit
            distance[x] = np.inf
            settled[x] = False
            position[x] = -1
    return cancelled


@dataclass(frozen=True)
class Repair:
    """What :func:`reoptimise` did: the assignment; the added pairs whose parts of the graph it gave up on (they got
    too many pairs, or its searches there grew so large that solving the part again is cheaper; those parts keep the
    previous pairs, for the caller to solve again); and, when it gave up on none, node potentials that certify the
    assignment (residents, volunteers, then ``t`` at 0, as :func:`matcher.solver.certificate_potentials`)."""

    assignment: Assignment
    redo_edges: IntArray
    potential: FloatArray | None


def reoptimise(
    previous: Assignment,
    potential: FloatArray,
    capacity: IntArray,
    resident: IntArray,
    volunteer: IntArray,
    score: FloatArray,
    first_new_edge: int,
) -> Repair | None:
    """``previous`` (optimal on the pairs before ``first_new_edge``) re-optimised for the pairs added, from node
    potentials that certify it (:func:`matcher.solver.certificate_potentials`); None should they not certify it.
    """
    n_res, n_vol = len(previous.matched_edge), len(capacity)
    n_parts, part = connected_components(
        sp.coo_array((np.ones(len(resident)), (resident, n_res + volunteer)), shape=(n_res + n_vol, n_res + n_vol)),
        directed=False,
    )
    part = part.astype(np.int64)
    members = np.argsort(part, kind="stable")
    part_first = np.concatenate(([0], np.cumsum(np.bincount(part, minlength=n_parts))))
    matched_edge = previous.matched_edge.copy()
    load = np.bincount(volunteer[matched_edge[matched_edge >= 0]], minlength=n_vol).astype(np.int64)
    # Every part's own t starts at t's potential: potentials for one t are potentials for each part's own.
    node_potential = np.concatenate((potential[:-1], np.full(n_parts, potential[-1])))
    res_edges = np.argsort(resident, kind="stable")
    vol_edges = np.argsort(volunteer, kind="stable")
    weight = previous.bonus + score
    res_first = np.concatenate(([0], np.cumsum(np.bincount(resident, minlength=n_res))))
    vol_first = np.concatenate(([0], np.cumsum(np.bincount(volunteer, minlength=n_vol))))
    max_arcs = ARCS_PER_PAIR * np.bincount(part[resident], minlength=n_parts).astype(np.int64)
    given_up = np.bincount(part[resident[first_new_edge:]], minlength=n_parts) > MAX_PAIRS_ADDED_PER_PART
    outcome = _reoptimise(
        n_res,
        capacity.astype(np.int64),
        resident,
        volunteer,
        weight,
        matched_edge,
        load,
        node_potential,
        res_first,
        res_edges,
        n_res + volunteer[res_edges],
        weight[res_edges],
        vol_first,
        vol_edges,
        resident[vol_edges],
        weight[vol_edges],
        part,
        part_first,
        members,
        max_arcs,
        given_up,
        first_new_edge,
        1e-13 * (previous.bonus + 2.0),
    )
    if outcome == _PRICES_INVALID:
        return None
    left = given_up[part[:n_res]]
    matched_edge[left] = previous.matched_edge[left]
    redo = first_new_edge + np.flatnonzero(given_up[part[resident[first_new_edge:]]])
    certifying = None
    if len(redo) == 0:
        # Each part shifted so that its t is at 0 again: then they are potentials for one t, and the pairs of the
        # next round may join parts.
        certifying = np.append(node_potential[: n_res + n_vol] - node_potential[n_res + n_vol + part], 0.0)
        # A resident's only arc in is from its volunteer (or from t): raised to what that arc allows, its potential
        # is as high as shortest paths would make it, and the next round clears as many left-out pairs. A resident
        # that moved to a better pair would otherwise keep the lower potential of its old one.
        matched = matched_edge >= 0
        chosen = matched_edge[matched]
        certifying[:n_res][matched] = weight[chosen] + certifying[n_res + volunteer[chosen]]
        certifying[:n_res][~matched] = 0.0
    return Repair(Assignment(matched_edge, previous.bonus), redo, certifying)
