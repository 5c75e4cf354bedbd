"""Candidate pairs within reach: spatial blocks, every feasible pair scored, the best kept.

Only pairs within travel distance can be feasible, so residents are cut into compact groups and
each group is judged against the volunteers a k-d tree finds within reach. Of each resident's
feasible pairs the ``k`` best are kept for the solver; the best score left out is remembered per
resident and per volunteer, so that the optimality certificate can prove that nothing left out
could improve the result (see :mod:`matcher.solver`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from matcher.encoding import FloatArray, IntArray, Population
from matcher.pairs import Block, evaluate_block

#: Residents judged together in one block; large enough that numpy's per-call cost stays small, small enough
#: that a block of a few thousand volunteers stays within a few megabytes (in cache, measured faster than 256).
CHUNK_RESIDENTS = 128
#: Groups of residents are put together in one block while it judges fewer pairs than this: below it, the cost
#: of a block is mostly numpy's per-call overhead (about 0.3 ms a block; 8k, 32k and 131k pairs measured, 131k fastest).
SMALL_BLOCK_PAIRS = 131_072
#: How many of each resident's best feasible volunteers the solver sees at first.
DEFAULT_CANDIDATES_PER_RESIDENT = 10

_CHORD_MARGIN = 1e-9
#: Progress is reported each time at least this share of the residents has been scored since the last report.
_PROGRESS_STEP = 0.01


@dataclass
class CandidateGraph:
    """The pairs handed to the solver, and bounds on the pairs that were left out."""

    resident: IntArray
    volunteer: IntArray
    score: FloatArray
    feasible_count: IntArray  # feasible volunteers per resident, kept or not
    resident_bound: FloatArray  # best score of a feasible pair left out, per resident (-inf: none)
    volunteer_bound: FloatArray  # the same per volunteer

    @property
    def size(self) -> int:
        return len(self.resident)


def eligible_volunteers(pop: Population, programme: int) -> IntArray:
    """Volunteers who could take anyone in ``programme``: they offer it, fit its age rule, have room."""
    ok = pop.volunteer_offers[:, programme] & pop.volunteer_age_ok[:, programme] & (pop.capacity >= 1)
    return np.flatnonzero(ok).astype(np.int64)


def residents_asking(pop: Population, programme: int) -> IntArray:
    return np.flatnonzero(pop.resident_programme == programme).astype(np.int64)


def compact_groups(xyz: FloatArray, max_size: int, max_radius: float) -> list[IntArray]:
    """Split points into groups of at most ``max_size`` that each fit in a ball of ``max_radius``.

    Median splits along the widest axis, as a k-d tree does; a group's ball plus the travel reach
    then finds few volunteers that are out of reach, even for thinly spread rural residents.
    """
    groups: list[IntArray] = []
    pending = [np.arange(len(xyz), dtype=np.int64)]
    while pending:
        members = pending.pop()
        points = xyz[members]
        centre = points.mean(axis=0)
        radius = float(np.sqrt(((points - centre) ** 2).sum(axis=1)).max())
        if len(members) <= max_size and (radius <= max_radius or len(members) == 1):
            groups.append(members)
            continue
        axis = int(np.argmax(points.max(axis=0) - points.min(axis=0)))
        half = len(members) // 2
        order = np.argpartition(points[:, axis], half)
        pending.extend((members[order[:half]], members[order[half:]]))
    return groups


def _merged(rows: IntArray, cols: IntArray, groups: list[IntArray], found: list[IntArray]) -> tuple[IntArray, IntArray]:
    """One block's rows and sorted columns from groups of positions in ``rows`` and ``cols``."""
    if len(groups) == 1:
        return rows[groups[0]], np.sort(cols[found[0]])
    return rows[np.concatenate(groups)], np.sort(cols[np.unique(np.concatenate(found))])


def groups_within_reach(pop: Population, rows: IntArray, cols: IntArray) -> Iterator[tuple[IntArray, IntArray]]:
    """``rows`` cut into compact groups, each with those of ``cols`` within reach of one of them (sorted).

    Volunteers outside every resident's reach are left out: they are all blocked by distance. A group may
    have no columns. Neighbouring groups too small to be worth a block of their own (thinly spread rural
    residents, or the few residents a certificate round scores again) share one, so that numpy's cost per
    call does not outweigh the pairs judged.
    """
    if len(rows) == 0 or len(cols) == 0:
        return
    volunteer_tree = cKDTree(pop.volunteers.xyz[cols])
    resident_xyz = pop.residents.xyz[rows]
    reach = pop.residents.reach_chord[rows]
    pending_rows: list[IntArray] = []
    pending_cols: list[IntArray] = []
    pending_row_count = pending_col_count = 0
    # compact_groups lists its groups depth first, so consecutive groups are neighbours.
    for group in compact_groups(resident_xyz, CHUNK_RESIDENTS, float(reach.max()) / 3.0):
        group_xyz = resident_xyz[group]
        centre = group_xyz.mean(axis=0)
        radius = float(np.sqrt(((group_xyz - centre) ** 2).sum(axis=1)).max())
        found = np.asarray(
            volunteer_tree.query_ball_point(centre, radius + float(reach[group].max()) + _CHORD_MARGIN), dtype=np.int64
        )
        row_count, col_count = pending_row_count + len(group), pending_col_count + len(found)
        if pending_rows and (row_count > CHUNK_RESIDENTS or row_count * col_count > SMALL_BLOCK_PAIRS):
            yield _merged(rows, cols, pending_rows, pending_cols)
            pending_rows, pending_cols = [], []
            row_count, col_count = len(group), len(found)
        pending_rows.append(group)
        pending_cols.append(found)
        pending_row_count, pending_col_count = row_count, col_count
    if pending_rows:
        yield _merged(rows, cols, pending_rows, pending_cols)


def blocks_within_reach(
    pop: Population,
    programme: int,
    rows: IntArray,
    cols: IntArray,
    *,
    with_reasons: bool = False,
    scored: bool = True,
) -> Iterator[Block]:
    """Judge ``rows`` (all asking for ``programme``) against those of ``cols`` within their reach."""
    for group_rows, group_cols in groups_within_reach(pop, rows, cols):
        yield evaluate_block(pop, programme, group_rows, group_cols, with_reasons=with_reasons, scored=scored)


def build_candidates(
    pop: Population,
    per_resident: int = DEFAULT_CANDIDATES_PER_RESIDENT,
    per_volunteer_unit: int = DEFAULT_CANDIDATES_PER_RESIDENT,
    on_scored: Callable[[float], None] | None = None,
) -> CandidateGraph:
    """Score every feasible pair; keep each resident's ``per_resident`` best and each volunteer's best.

    A volunteer keeps its ``per_volunteer_unit`` best residents per unit of capacity. Residents' lists
    make the solve exact where volunteers are ample; volunteers' lists do the same where they are scarce,
    so that in either regime the certificate rarely finds a left-out pair that could improve the result.
    ``on_scored`` is told the share of residents scored so far, in steps of about one percent.
    """
    n_res, n_vol = pop.n_residents, pop.n_volunteers
    feasible_count = np.zeros(n_res, dtype=np.int64)
    resident_bound = np.full(n_res, -np.inf)
    volunteer_bound = np.full(n_vol, -np.inf)
    kept_res: list[IntArray] = []
    kept_vol: list[IntArray] = []
    kept_score: list[FloatArray] = []
    wanted = per_volunteer_unit * np.maximum(pop.capacity, 0)
    # Every volunteer's best ``per_column`` so far (score, resident), merged block by block: its best
    # ``wanted`` and the best one after those are then among them.
    per_column = int(wanted.max(initial=0)) + 1
    keeps_volunteer_lists = per_volunteer_unit > 0
    running_score = np.full((n_vol, per_column), -np.inf)
    running_res = np.full((n_vol, per_column), -1, dtype=np.int64)
    residents_to_score = max(1, int(pop.resident_age_ok.sum()))
    residents_scored = 0
    reported = 0.0

    for programme in range(len(pop.programmes)):
        rows = residents_asking(pop, programme)
        rows = rows[pop.resident_age_ok[rows]]
        for block in blocks_within_reach(pop, programme, rows, eligible_volunteers(pop, programme)):
            residents_scored += len(block.rows)
            if on_scored is not None and residents_scored / residents_to_score >= reported + _PROGRESS_STEP:
                reported = residents_scored / residents_to_score
                on_scored(reported)
            score = block.score
            if score.size == 0:
                continue
            feasible_count[block.rows] = np.isfinite(score).sum(axis=1)
            n_rows, n_cols = score.shape
            if keeps_volunteer_lists:
                # One volunteer per row of a copy: partitioning along contiguous memory is about twice as fast.
                by_volunteer = np.ascontiguousarray(score.T)
                if n_rows > per_column:
                    column_best = np.argpartition(-by_volunteer, per_column - 1, axis=1)[:, :per_column]
                else:
                    column_best = np.broadcast_to(np.arange(n_rows), (n_cols, n_rows))
                merged_score = np.concatenate(
                    (running_score[block.cols], np.take_along_axis(by_volunteer, column_best, axis=1)), axis=1
                )
                merged_res = np.concatenate((running_res[block.cols], block.rows[column_best]), axis=1)
                best = np.argpartition(-merged_score, per_column - 1, axis=1)[:, :per_column]
                running_score[block.cols] = np.take_along_axis(merged_score, best, axis=1)
                running_res[block.cols] = np.take_along_axis(merged_res, best, axis=1)
            if n_cols > per_resident:
                # argpartition around position k puts the k best first and the best one left out at k.
                order = np.argpartition(-score, per_resident, axis=1)
                top = order[:, :per_resident]
                resident_bound[block.rows] = np.take_along_axis(
                    score, order[:, per_resident : per_resident + 1], axis=1
                )[:, 0]
            else:
                top = np.broadcast_to(np.arange(n_cols), (len(block.rows), n_cols))
            top_score = np.take_along_axis(score, top, axis=1)
            keep = np.isfinite(top_score)
            kept_res.append(np.broadcast_to(block.rows[:, None], top.shape)[keep])
            kept_vol.append(block.cols[top[keep]])
            kept_score.append(top_score[keep])
            if n_cols > per_resident:
                np.put_along_axis(score, top, -np.inf, axis=1)
                volunteer_bound[block.cols] = np.maximum(volunteer_bound[block.cols], score.max(axis=0))

    if not kept_res:
        empty = np.zeros(0, dtype=np.int64)
        return CandidateGraph(empty, empty, np.zeros(0), feasible_count, resident_bound, volunteer_bound)
    resident = np.concatenate(kept_res)
    volunteer = np.concatenate(kept_vol)
    score = np.concatenate(kept_score)
    if keeps_volunteer_lists:
        # Each volunteer's best first (ties: the lower resident row), then keep its ``wanted`` best.
        order = np.lexsort((running_res, -running_score), axis=1)
        running_score = np.take_along_axis(running_score, order, axis=1)
        running_res = np.take_along_axis(running_res, order, axis=1)
        # A pair left out is neither among its resident's best nor among its volunteer's best.
        volunteer_bound = np.minimum(volunteer_bound, np.take_along_axis(running_score, wanted[:, None], axis=1)[:, 0])
        best = (np.arange(per_column)[None, :] < wanted[:, None]) & np.isfinite(running_score)
        column_volunteer = np.broadcast_to(np.arange(n_vol)[:, None], best.shape)[best]
        resident = np.concatenate((resident, running_res[best]))
        volunteer = np.concatenate((volunteer, column_volunteer))
        score = np.concatenate((score, running_score[best]))
    # A pair can be among both its resident's and its volunteer's best: keep it once.
    _, first = np.unique(resident * n_vol + volunteer, return_index=True)
    first.sort()
    return CandidateGraph(
        resident=resident[first],
        volunteer=volunteer[first],
        score=score[first],
        feasible_count=feasible_count,
        resident_bound=resident_bound,
        volunteer_bound=volunteer_bound,
    )
