"""Candidate pairs within reach: spatial blocks, every feasible pair scored, the best kept.

Only pairs within travel distance can be feasible, so residents are cut into compact groups and
each group is judged against the volunteers a k-d tree finds within reach. Of each resident's
feasible pairs the ``k`` best are kept for the solver; the best score left out is remembered per
resident and per volunteer, so that the optimality certificate can prove that nothing left out
could improve the result (see :mod:`matcher.solver`).
"""

from __future__ import annotations

import os
import queue
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from matcher.encoding import FloatArray, IntArray, Population
from matcher.kernel import CHORD_MARGIN, RULE_ORDER, judge_block
from matcher.pairs import Block, evaluate_block, excluded_mask, inverse_sizes

#: Residents judged together in one block; large enough that numpy's per-call cost stays small, small enough
#: that a block of a few thousand volunteers stays within a few megabytes (in cache, measured faster than 256).
CHUNK_RESIDENTS = 128
#: Groups of residents are put together in one block while it judges fewer pairs than this: below it, the cost
#: of a block is mostly numpy's per-call overhead (about 0.3 ms a block; 8k, 32k and 131k pairs measured, 131k fastest).
SMALL_BLOCK_PAIRS = 131_072
#: How many of each resident's best feasible volunteers the solver sees at first.
DEFAULT_CANDIDATES_PER_RESIDENT = 10

#: Added to each group's ball (a chord on the unit sphere, so absolute, unlike the kernel's relative CHORD_MARGIN):
#: rounding in the centre and the radii never leaves out a volunteer who lies exactly at the edge of reach.
_BALL_SLACK = 1e-9
#: Scoring threads at most: each keeps lists per volunteer of its own (50,000 volunteers with capacity 3 and
#: scarce supply: 50 MB a thread), and two cores already halve the scoring.
MAX_SCORING_THREADS = 4
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
    #: The blocks judged: (programme, residents, the eligible volunteers within their reach); the certificate
    #: scores its suspects within them again instead of asking the tree for them once more.
    blocks: list[tuple[int, IntArray, IntArray]]

    @property
    def size(self) -> int:
        return len(self.resident)


def eligible_volunteers(pop: Population, programme: int) -> IntArray:
    """Volunteers who could take anyone in ``programme``: they offer it, fit its age rule, have room."""
    ok = pop.volunteer_offers[:, programme] & pop.volunteer_age_ok[:, programme] & (pop.capacity >= 1)
    return np.flatnonzero(ok).astype(np.int64)


def residents_asking(pop: Population, programme: int) -> IntArray:
    return np.flatnonzero(pop.resident_programme == programme).astype(np.int64)


def _scored_residents(pop: Population, programme: int) -> IntArray:
    """Residents asking for ``programme`` who fit its age rule: the others have no feasible pair."""
    rows = residents_asking(pop, programme)
    return rows[pop.resident_age_ok[rows]]


class _Progress:
    """Tells ``on_scored`` the share of residents scored, in steps of about :data:`_PROGRESS_STEP`."""

    def __init__(self, total: int, on_scored: Callable[[float], None] | None) -> None:
        self.total, self.on_scored = total, on_scored
        self.done = 0
        self.reported = 0.0

    def add(self, residents: int) -> None:
        self.done += residents
        if self.on_scored is not None and self.done / self.total >= self.reported + _PROGRESS_STEP:
            self.reported = self.done / self.total
            self.on_scored(self.reported)


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
    groups = compact_groups(resident_xyz, CHUNK_RESIDENTS, float(reach.max()) / 3.0)
    # Every group's ball at once, and one query of the tree for all of them: over the country there are some
    # 15,000 groups, and a few numpy calls and a query each cost as much as judging their pairs.
    members = np.concatenate(groups)
    sizes = np.fromiter((len(group) for group in groups), dtype=np.int64, count=len(groups))
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    member_xyz = resident_xyz[members]
    centres = np.add.reduceat(member_xyz, starts, axis=0) / sizes[:, None]
    from_centre = np.sqrt(((member_xyz - np.repeat(centres, sizes, axis=0)) ** 2).sum(axis=1))
    ball = np.maximum.reduceat(from_centre, starts) + np.maximum.reduceat(reach[members], starts) + _BALL_SLACK
    for group, found_list in zip(groups, volunteer_tree.query_ball_point(centres, ball), strict=True):
        found = np.asarray(found_list, dtype=np.int64)
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


def blocks_within_reach(pop: Population, programme: int, rows: IntArray, cols: IntArray) -> Iterator[Block]:
    """Judge ``rows`` (all asking for ``programme``) against those of ``cols`` within their reach."""
    for group_rows, group_cols in groups_within_reach(pop, rows, cols):
        yield evaluate_block(pop, programme, group_rows, group_cols)


_NO_EXCLUSIONS = np.zeros((0, 0), dtype=bool)
_NO_BLOCK = np.zeros((0, 0))
_NO_LISTS = np.zeros((0, 1))
_NO_KEYS = np.zeros((0, 1), dtype=np.int64)
_NO_ROWS = np.zeros(0, dtype=np.int64)
_NO_BOUNDS = np.zeros(0)
_NO_REASONS = np.zeros((0, 0), dtype=np.int64)


class PairJudge:
    """A run's arrays as :func:`matcher.kernel.judge_block` takes them, made once, and the three ways it is used:
    the candidate pass (:meth:`keep_best`), the certificate (:meth:`scores`) and the explanations
    (:meth:`count_reasons`). Columns are sorted volunteers who offer the programme; every other rule is judged.
    """

    def __init__(self, pop: Population) -> None:
        self.pop = pop
        res, vol = pop.residents, pop.volunteers
        self.res_limit_lo_sq = (res.reach_chord * (1.0 - CHORD_MARGIN)) ** 2
        self.res_limit_hi_sq = (res.reach_chord * (1.0 + CHORD_MARGIN)) ** 2
        self.vol_limit_lo_sq = (vol.reach_chord * (1.0 - CHORD_MARGIN)) ** 2
        self.vol_limit_hi_sq = (vol.reach_chord * (1.0 + CHORD_MARGIN)) ** 2
        self.res_slot_inverse = inverse_sizes(res.slot_count)
        self.vol_slot_inverse = inverse_sizes(vol.slot_count)
        self.res_interest_inverse = inverse_sizes(res.interest_count)
        self.vol_interest_inverse = inverse_sizes(vol.interest_count)
        self.weights = np.ascontiguousarray(pop.weights)
        self.vol_has_room = pop.capacity >= 1
        self._vol_age_ok = [np.ascontiguousarray(pop.volunteer_age_ok[:, p]) for p in range(len(pop.programmes))]

    def scores(self, programme: int, rows: IntArray, cols: IntArray) -> FloatArray:
        """Scores of ``rows`` x sorted ``cols``, ``-inf`` where a pair is infeasible."""
        score = np.full((len(rows), len(cols)), -np.inf)
        if score.size:
            self._judge_without_lists(programme, rows, cols, score, _NO_REASONS)
        return score

    def count_reasons(self, programme: int, rows: IntArray, cols: IntArray) -> IntArray:
        """Per row of ``rows`` x sorted ``cols``: feasible volunteers (column 0), and volunteers whose first failed
        rule is ``RULE_ORDER[c - 1]`` (column c). Here the age and capacity rules are judged too; the programme is
        the caller's (``cols`` offer it)."""
        reasons = np.zeros((len(rows), 1 + len(RULE_ORDER)), dtype=np.int64)
        if len(rows) and len(cols):
            self._judge_without_lists(programme, rows, cols, _NO_BLOCK, reasons)
        return reasons

    def _judge_without_lists(
        self, programme: int, rows: IntArray, cols: IntArray, block_score: FloatArray, reasons: IntArray
    ) -> None:
        """The kernel writing a block's scores or its reasons, with empty lists it leaves alone."""
        self._judge(
            programme,
            rows,
            cols,
            _NO_LISTS,
            _NO_KEYS,
            _NO_ROWS,
            _NO_BOUNDS,
            _NO_LISTS,
            _NO_KEYS,
            False,
            block_score,
            reasons,
        )

    def keep_best(
        self,
        programme: int,
        rows: IntArray,
        cols: IntArray,
        best_score: FloatArray,
        best_volunteer: IntArray,
        feasible_count: IntArray,
        lists: _VolunteerLists,
        keeps_volunteer_lists: bool,
    ) -> None:
        """Fold the feasible pairs of ``rows`` x sorted ``cols`` into the residents' and the volunteers' lists."""
        self._judge(
            programme,
            rows,
            cols,
            best_score,
            best_volunteer,
            feasible_count,
            lists.bound,
            lists.score,
            lists.resident,
            keeps_volunteer_lists,
            _NO_BLOCK,
            _NO_REASONS,
        )

    def _judge(
        self,
        programme: int,
        rows: IntArray,
        cols: IntArray,
        best_score: FloatArray,
        best_volunteer: IntArray,
        feasible_count: IntArray,
        volunteer_bound: FloatArray,
        column_score: FloatArray,
        column_resident: IntArray,
        keeps_volunteer_lists: bool,
        block_score: FloatArray,
        reasons: IntArray,
    ) -> None:
        pop = self.pop
        res, vol, rules = pop.residents, pop.volunteers, pop.rules
        excluded = excluded_mask(pop, rows, cols)
        judge_block(
            rows,
            cols,
            res.xyz,
            vol.xyz,
            res.lat,
            res.lon,
            vol.lat,
            vol.lon,
            res.reach_km,
            vol.reach_km,
            self.res_limit_lo_sq,
            self.res_limit_hi_sq,
            self.vol_limit_lo_sq,
            self.vol_limit_hi_sq,
            res.slots,
            vol.slots,
            self.res_slot_inverse,
            self.vol_slot_inverse,
            res.interests,
            vol.interests,
            self.res_interest_inverse,
            self.vol_interest_inverse,
            res.languages,
            vol.languages,
            res.language_count,
            vol.language_count,
            rules.require_common_language,
            pop.preferred_gender,
            vol.gender,
            _NO_EXCLUSIONS if excluded is None else excluded,
            int(pop.min_common_slots[programme]),
            self.weights[programme],
            pop.waiting_score,
            float(rules.min_score),
            best_score,
            best_volunteer,
            feasible_count,
            volunteer_bound,
            column_score,
            column_resident,
            keeps_volunteer_lists,
            block_score,
            pop.resident_age_ok,
            self._vol_age_ok[programme],
            self.vol_has_room,
            reasons,
        )


@dataclass
class _VolunteerLists:
    """What one scoring thread keeps per volunteer; the threads' lists are merged once every block is judged."""

    bound: FloatArray  # best score of a pair left out of its resident's list
    score: FloatArray  # (volunteers, width): best residents so far, best first
    resident: IntArray

    @classmethod
    def empty(cls, n_volunteers: int, width: int) -> _VolunteerLists:
        return cls(
            np.full(n_volunteers, -np.inf),
            np.full((n_volunteers, width), -np.inf),
            np.full((n_volunteers, width), -1, dtype=np.int64),
        )


def scoring_threads() -> int:
    """Threads that judge blocks at once: the CPUs this process may use, at most MAX_SCORING_THREADS."""
    affinity = getattr(os, "sched_getaffinity", None)
    cpus = len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    return max(1, min(MAX_SCORING_THREADS, cpus))


def build_candidates(
    pop: Population,
    per_resident: int = DEFAULT_CANDIDATES_PER_RESIDENT,
    per_volunteer_unit: int = DEFAULT_CANDIDATES_PER_RESIDENT,
    on_scored: Callable[[float], None] | None = None,
    threads: int | None = None,
) -> CandidateGraph:
    """Score every feasible pair; keep each resident's ``per_resident`` best and each volunteer's best.

    A volunteer keeps its ``per_volunteer_unit`` best residents per unit of capacity. Residents' lists
    make the solve exact where volunteers are ample; volunteers' lists do the same where they are scarce,
    so that in either regime the certificate rarely finds a left-out pair that could improve the result.
    ``on_scored`` is told the share of residents scored so far, in steps of about one percent, from the
    calling thread. Blocks are judged by ``threads`` threads at once (None: :func:`scoring_threads`); a
    resident's pairs all lie in one block, so the threads share the residents' lists and each keeps its own
    volunteers' lists.
    """
    n_res, n_vol = pop.n_residents, pop.n_volunteers
    # Each resident's best per_resident + 1, best first: the kept ones and, after them, the best one left out.
    best_score = np.full((n_res, per_resident + 1), -np.inf)
    best_volunteer = np.full((n_res, per_resident + 1), -1, dtype=np.int64)
    feasible_count = np.zeros(n_res, dtype=np.int64)
    wanted = per_volunteer_unit * np.maximum(pop.capacity, 0)
    keeps_volunteer_lists = per_volunteer_unit > 0
    # Every volunteer's best ``per_column`` residents (score, resident), best first: its best ``wanted`` and the
    # best one after those.
    per_column = int(wanted.max(initial=0)) + 1 if keeps_volunteer_lists else 1
    judge = PairJudge(pop)

    judged: list[tuple[int, IntArray, IntArray]] = []

    def blocks() -> Iterator[tuple[int, IntArray, IntArray]]:
        for programme in range(len(pop.programmes)):
            rows, cols = _scored_residents(pop, programme), eligible_volunteers(pop, programme)
            for group_rows, group_cols in groups_within_reach(pop, rows, cols):
                judged.append((programme, group_rows, group_cols))
                yield programme, group_rows, group_cols

    thread_count = max(1, scoring_threads() if threads is None else threads)
    shares = [_VolunteerLists.empty(n_vol, per_column) for _ in range(thread_count)]
    idle: queue.SimpleQueue[_VolunteerLists] = queue.SimpleQueue()
    for share in shares:
        idle.put(share)

    def judge_in_thread(programme: int, rows: IntArray, cols: IntArray) -> int:
        lists = idle.get()
        try:
            judge.keep_best(
                programme, rows, cols, best_score, best_volunteer, feasible_count, lists, keeps_volunteer_lists
            )
        finally:
            idle.put(lists)
        return len(rows)

    progress = _Progress(max(1, int(pop.resident_age_ok.sum())), on_scored)
    if thread_count == 1:
        for block in blocks():
            progress.add(judge_in_thread(*block))
    else:
        with ThreadPoolExecutor(thread_count, thread_name_prefix="samen-scoring") as pool:
            # Each block goes to the threads as soon as it is cut out: the first are judged while the tree is still
            # being asked for the rest.
            futures = []
            try:
                for block in blocks():
                    futures.append(pool.submit(judge_in_thread, *block))
                    while futures and futures[0].done():
                        progress.add(futures.pop(0).result())
                for future in as_completed(futures):
                    progress.add(future.result())
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    volunteer_bound = np.max([share.bound for share in shares], axis=0)
    running_score = np.concatenate([share.score for share in shares], axis=1)
    running_res = np.concatenate([share.resident for share in shares], axis=1)
    resident_bound = best_score[:, per_resident].copy()
    kept = np.isfinite(best_score[:, :per_resident])
    resident = np.broadcast_to(np.arange(n_res, dtype=np.int64)[:, None], kept.shape)[kept]
    volunteer = best_volunteer[:, :per_resident][kept]
    score = best_score[:, :per_resident][kept]
    if keeps_volunteer_lists:
        # Each volunteer's best first (ties: the lower resident row), then keep its ``wanted`` best.
        order = np.lexsort((running_res, -running_score), axis=1)
        running_score = np.take_along_axis(running_score, order, axis=1)
        running_res = np.take_along_axis(running_res, order, axis=1)
        # A pair left out is neither among its resident's best nor among its volunteer's best.
        volunteer_bound = np.minimum(volunteer_bound, np.take_along_axis(running_score, wanted[:, None], axis=1)[:, 0])
        best = (np.arange(running_score.shape[1])[None, :] < wanted[:, None]) & np.isfinite(running_score)
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
        blocks=judged,
    )
