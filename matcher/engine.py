"""The engine's two entry points: a whole waiting list at once, or one resident's best candidates."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt

from matcher.candidates import (
    DEFAULT_CANDIDATES_PER_RESIDENT,
    CandidateGraph,
    PairJudge,
    build_candidates,
    scoring_threads,
)
from matcher.encoding import FloatArray, IntArray, Population, encode
from matcher.explain import describe_pair, explain_unmatched
from matcher.model import MatcherInputError, MatchResult, MatchRules, MatchStats, Proposal, Resident, Volunteer
from matcher.pairs import evaluate_block
from matcher.repair import reoptimise
from matcher.solver import (
    SCORE_TOLERANCE,
    SOLVER_SIDES,
    SOLVERS,
    Assignment,
    NotOptimal,
    SolverFailed,
    certificate_potentials,
    potentials_certify,
    prices_of,
    residual_distances,
    solve_assignment,
)
from matcher.validation import validate_residents, validate_rules, validate_volunteers

DEFAULT_RULES = MatchRules()

#: The stages :func:`propose_matches` reports to its ``progress`` callback, in the order they start.
PROGRESS_STAGES = ("scoring", "solving", "certificate")

#: A certificate round also hands back pairs that fall short of improving by less than this (in score units):
#: the next solve's prices often let them improve, and each round costs a solve of the whole component.
CERTIFICATE_SLACK = 0.01

ProgressCallback = Callable[[str, float | None], None]

_NO_PAIRS: tuple[IntArray, IntArray, FloatArray, bool] = (
    np.zeros(0, dtype=np.int64),
    np.zeros(0, dtype=np.int64),
    np.zeros(0),
    False,
)


def _could_improve(
    resident_bound: FloatArray, threshold: FloatArray, room: FloatArray, minus_price: FloatArray
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Which rows and which columns have a pair whose bound could improve: ``min(rb[i], vb[j]) - p[j] > t[i]``, that
    is ``rb[i] - p[j] > t[i]`` and ``room[j] = vb[j] - p[j] > t[i]``, found by sorting instead of a block of pairs.

    A row could if, among the columns with room above its threshold, the largest ``-p`` exceeds ``t - rb``; a column
    could if, among the rows with a threshold below its room, the smallest ``t - rb`` is below its ``-p``. The
    thresholds are finite.
    """
    by_room = np.argsort(-room, kind="stable")
    # Columns sorted by room, best first; the largest -p among the first k of them.
    best_minus_price = np.maximum.accumulate(minus_price[by_room])
    with_room = np.searchsorted(-room[by_room], -threshold, side="left")  # columns with room > threshold
    need = threshold - resident_bound
    rows = (with_room > 0) & (best_minus_price[np.maximum(with_room - 1, 0)] > need)
    by_threshold = np.argsort(threshold, kind="stable")
    least_need = np.minimum.accumulate(need[by_threshold])
    below = np.searchsorted(threshold[by_threshold], room, side="left")  # rows with threshold < room
    cols = (below > 0) & (least_need[np.maximum(below - 1, 0)] < minus_price)
    return rows, cols


def _improving_pairs(
    pop: Population,
    graph: CandidateGraph,
    assignment: Assignment,
    potential: FloatArray,
    per_resident: int,
    slack: float,
) -> tuple[IntArray, IntArray, FloatArray, bool]:
    """Left-out pairs that break the dual certificate, up to ``per_resident`` per resident.

    ``potential`` certifies ``assignment`` on its pairs (:func:`matcher.solver.certificate_potentials`, or what a
    repair left) and gives the dual prices.

    A left-out pair (r, v) could improve the assignment only if ``bonus + s > u[r] + p[v]``. Its
    score is at most the best left-out score of r and of v, so most pairs are cleared by those bounds
    alone and only the residents and volunteers of the rest are scored again.

    Pairs that fall short of improving by less than ``slack`` come along (the next solve's prices may
    differ, and they would be found in the next round); the flag says whether any pair does improve.
    """
    resident_price, volunteer_price = prices_of(potential, pop.n_residents)
    # Pair (r, v) improves when s - p[v] > threshold[r] + slack; it is handed back when s - p[v] > threshold[r].
    threshold = resident_price - assignment.bonus + SCORE_TOLERANCE - slack
    suspects = np.flatnonzero(graph.resident_bound > threshold)
    room = graph.volunteer_bound - volunteer_price
    kept_keys = np.sort(graph.resident * pop.n_volunteers + graph.volunteer)
    judge = PairJudge(pop)

    def check(
        programme: int, group_rows: IntArray, group_cols: IntArray
    ) -> tuple[IntArray, IntArray, FloatArray, bool]:
        # A left-out pair scores at most the bounds of its resident and of its volunteer: scoring only the
        # residents and volunteers of pairs whose bound could improve skips nearly all of a scarce run.
        rows_that_could, cols_that_could = _could_improve(
            graph.resident_bound[group_rows], threshold[group_rows], room[group_cols], -volunteer_price[group_cols]
        )
        if not rows_that_could.any():
            return _NO_PAIRS
        block_rows, block_cols = group_rows[rows_that_could], group_cols[cols_that_could]
        block_score = judge.scores(programme, block_rows, block_cols)
        margin = block_score - volunteer_price[block_cols][None, :] - threshold[block_rows][:, None]
        # Only pairs with a positive margin are handed back; of those, drop the ones already kept.
        hit_rows, hit_cols = np.nonzero(margin > 0)
        if len(hit_rows) == 0:
            return _NO_PAIRS
        keys = block_rows[hit_rows] * pop.n_volunteers + block_cols[hit_cols]
        position = np.minimum(np.searchsorted(kept_keys, keys), len(kept_keys) - 1)
        new = kept_keys[position] != keys
        hit_rows, hit_cols = hit_rows[new], hit_cols[new]
        hit_margin = margin[hit_rows, hit_cols]
        # Per resident, the ``per_resident`` pairs with the largest margin (ties: the lower column).
        order = np.lexsort((hit_cols, -hit_margin, hit_rows))
        hit_rows, hit_cols = hit_rows[order], hit_cols[order]
        first = np.searchsorted(hit_rows, hit_rows)
        take = np.arange(len(hit_rows)) - first < per_resident
        improves = bool((hit_margin > slack).any())
        hit_rows, hit_cols = hit_rows[take], hit_cols[take]
        return block_rows[hit_rows], block_cols[hit_cols], block_score[hit_rows, hit_cols], improves

    def groups() -> Iterator[tuple[int, IntArray, IntArray]]:
        # A suspect's feasible pairs all lie in the block it was judged in (every eligible volunteer within reach).
        is_suspect = np.zeros(pop.n_residents, dtype=bool)
        is_suspect[suspects] = True
        for programme, block_rows, block_cols in graph.blocks:
            rows = block_rows[is_suspect[block_rows]]
            if len(rows) == 0:
                continue
            cols = block_cols[room[block_cols] > threshold[rows].min()]
            if len(cols):
                yield programme, rows, cols

    # Groups are checked by the scoring threads (the kernel and numpy's loops let go of the GIL); the pairs are
    # gathered in the groups' order, so the result does not depend on which thread finished first.
    with ThreadPoolExecutor(scoring_threads(), thread_name_prefix="samen-certificate") as pool:
        found = [hit for hit in pool.map(lambda group: check(*group), groups()) if len(hit[0])]
    if not found:
        return _NO_PAIRS
    return (
        np.concatenate([hit[0] for hit in found]),
        np.concatenate([hit[1] for hit in found]),
        np.concatenate([hit[2] for hit in found]),
        any(hit[3] for hit in found),
    )


class _Solve:
    """The run's solves on its growing candidate graph, with scipy taking over should the flow fail."""

    def __init__(self, pop: Population, graph: CandidateGraph, solver: str, side: str) -> None:
        self.pop, self.graph, self.solver, self.side = pop, graph, solver, side

    def fresh(self) -> Assignment:
        return self.again(None, None)

    def fall_back(self) -> Assignment:
        """Solve the whole graph again with scipy, and keep to scipy for the rest of the run."""
        self.solver = "assignment"
        return self.fresh()

    def again(self, previous: Assignment | None, redo_edges: IntArray | None) -> Assignment:
        graph = self.graph
        try:
            return solve_assignment(
                self.pop.n_residents,
                self.pop.capacity,
                graph.resident,
                graph.volunteer,
                graph.score,
                previous,
                redo_edges,
                side=self.side,
                solver=self.solver,
            )
        except SolverFailed:
            return self.fall_back()

    def repair(
        self, previous: Assignment, potential: FloatArray, first_new_edge: int
    ) -> tuple[Assignment, bool, FloatArray | None]:
        """The optimum once pairs from ``first_new_edge`` on are added: ``previous`` re-optimised from the potentials
        that certify it (a few short searches), and the parts of the graph where that would cost more than a solve
        solved again (all of them, should the potentials not certify ``previous``). Also whether any part was
        re-optimised, and, when all were and the result checks out, potentials that certify it."""
        graph = self.graph
        repaired = reoptimise(
            previous, potential, self.pop.capacity, graph.resident, graph.volunteer, graph.score, first_new_edge
        )
        if repaired is None:
            return self.again(previous, np.arange(first_new_edge, graph.size)), False, None
        if len(repaired.redo_edges):
            return self.again(repaired.assignment, repaired.redo_edges), True, None
        certifying = repaired.potential
        if certifying is not None and not potentials_certify(
            repaired.assignment, self.pop.capacity, graph.resident, graph.volunteer, graph.score, certifying
        ):
            certifying = None
        return repaired.assignment, True, certifying


def propose_matches(
    volunteers: Iterable[Volunteer],
    residents: Iterable[Resident],
    rules: MatchRules = DEFAULT_RULES,
    *,
    candidates_per_resident: int = DEFAULT_CANDIDATES_PER_RESIDENT,
    candidates_per_volunteer: int | None = None,
    solver: str = "flow",
    solver_side: str = "auto",
    progress: ProgressCallback | None = None,
) -> MatchResult:
    """Propose the best set of (volunteer, resident) pairs for a whole waiting list.

    Among all assignments that use feasible pairs only (each resident at most one volunteer, each
    volunteer at most ``capacity`` residents) the result matches as many residents as possible and,
    among those, has the highest total score. It is exactly optimal: the solver works on each
    resident's best ``candidates_per_resident`` pairs and an LP-duality certificate proves that no
    other feasible pair could improve it (pairs that could are added and the assignment re-optimised,
    see :mod:`matcher.repair`).

    Parameters
    ----------
    volunteers, residents : iterables of :class:`Volunteer` and :class:`Resident`
        Ids must be unique per side; any hashable works.
    rules : MatchRules
        Hard rules and weights.
    candidates_per_resident : int
        Tuning only: how many candidates per resident the first solve sees. It never changes the number
        matched or the total score; among equally good assignments it may change which one is returned.
    candidates_per_volunteer : int or None
        Tuning only, as ``candidates_per_resident``: how many of its best residents per unit of capacity
        each volunteer adds to the first solve (0: none). These lists make the certificate's extra rounds
        rare where volunteers are scarce, and only cost time where they are ample, so None (the default)
        takes ``candidates_per_resident`` when the run has fewer units of capacity than residents, else 0.
    solver : {"flow", "assignment"}
        Tuning only: the exact solver. "flow" is OR-Tools' min-cost flow (fast in every supply regime);
        "assignment" is scipy's sparse assignment, which "flow" also falls back on should it fail. Like
        ``candidates_per_resident`` it never changes the number matched or the total score.
    solver_side : {"auto", "residents", "capacity"}
        Tuning only, for the "assignment" solver: which side it works from. "auto" takes, per connected part
        of the candidate graph, the smaller of its residents and its units of capacity; the others force one.
    progress : callable or None
        Called as ``progress(stage, fraction)`` while the run goes on, a few hundred times at most, from the
        calling thread: ``("scoring", f)`` as the share ``f`` (0 to 1) of residents scored grows,
        ``("solving", None)`` when the first solve starts and ``("certificate", None)`` at the start of each
        round of the optimality certificate (see :data:`PROGRESS_STAGES`). An exception it raises ends the run.

    Returns
    -------
    MatchResult
        ``proposals`` in resident input order, each with its components and the facts behind them;
        ``unmatched`` residents in input order, each with structured reasons; run ``stats``.

    Raises
    ------
    MatcherInputError
        On invalid input; the message names the id and the field.

    Examples
    --------
    >>> from matcher import MatchRules, Resident, Volunteer, propose_matches
    >>> anna = Volunteer(id="anna", lat=52.040, lon=4.320, availability={"tue-evening"},
    ...                  interests={"wandelen", "koken"}, programmes={"buddy"})
    >>> kees = Resident(id="kees", lat=52.045, lon=4.325, programme="buddy",
    ...                 availability={"tue-evening", "sat-morning"}, interests={"koken"})
    >>> result = propose_matches([anna], [kees])
    >>> [(p.volunteer_id, p.resident_id) for p in result.proposals]
    [('anna', 'kees')]
    >>> result.proposals[0].shared_interests, result.proposals[0].shared_slots
    (('koken',), ('tue-evening',))
    """
    started = time.perf_counter()
    rules = validate_rules(rules)
    volunteer_list = validate_volunteers(volunteers)
    resident_list = validate_residents(residents)
    if (
        isinstance(candidates_per_resident, bool)
        or not isinstance(candidates_per_resident, int)
        or candidates_per_resident < 1
    ):
        raise MatcherInputError(f"candidates_per_resident must be a whole number >= 1, got {candidates_per_resident!r}")
    if candidates_per_volunteer is not None and (
        isinstance(candidates_per_volunteer, bool)
        or not isinstance(candidates_per_volunteer, int)
        or candidates_per_volunteer < 0
    ):
        raise MatcherInputError(
            f"candidates_per_volunteer must be a whole number >= 0, got {candidates_per_volunteer!r}"
        )
    if solver not in SOLVERS:
        raise MatcherInputError(f"solver must be one of {', '.join(SOLVERS)}, got {solver!r}")
    if solver_side not in SOLVER_SIDES:
        raise MatcherInputError(f"solver_side must be one of {', '.join(SOLVER_SIDES)}, got {solver_side!r}")
    if progress is not None and not callable(progress):
        raise MatcherInputError(f"progress must be callable or None, got {progress!r}")

    pop = encode(volunteer_list, resident_list, rules)
    if candidates_per_volunteer is None:
        scarce = int(np.maximum(pop.capacity, 0).sum()) < pop.n_residents
        candidates_per_volunteer = candidates_per_resident if scarce else 0
    on_scored = None if progress is None else lambda fraction: progress("scoring", fraction)
    graph = build_candidates(pop, candidates_per_resident, candidates_per_volunteer, on_scored)
    feasible_pairs = int(graph.feasible_count.sum())
    scored = time.perf_counter()

    if progress is not None:
        progress("solving", None)
    solve = _Solve(pop, graph, solver, solver_side)
    assignment = solve.fresh()
    repaired = False  # whether the assignment came from matcher.repair rather than from a solver
    potential: FloatArray | None = None  # potentials that certify the assignment, when a repair left them
    rounds = 1
    # When every feasible pair was a candidate the solve is exact as it stands.
    while np.isfinite(graph.resident_bound).any():
        if progress is not None:
            progress("certificate", None)
        if potential is None:
            try:
                distance = residual_distances(assignment, pop.capacity, graph.resident, graph.volunteer, graph.score)
            except NotOptimal:
                if repaired:
                    # What the repair left is not optimal after all (rounding, or a fault): solve the whole graph.
                    assignment, repaired = solve.fresh(), False
                    continue
                if solve.solver == "assignment":
                    raise
                # The flow rounds scores to whole multiples of 2^-40 (coarser for large runs); should that ever leave
                # an improving cycle the certificate can see, scipy's solve on the float scores settles it.
                assignment = solve.fall_back()
                continue
            potential = certificate_potentials(distance, pop.n_residents)
        extra_res, extra_vol, extra_score, improves = _improving_pairs(
            pop, graph, assignment, potential, candidates_per_resident, CERTIFICATE_SLACK
        )
        if not improves:
            break
        first_new_edge = graph.size
        graph.resident = np.concatenate((graph.resident, extra_res))
        graph.volunteer = np.concatenate((graph.volunteer, extra_vol))
        graph.score = np.concatenate((graph.score, extra_score))
        assignment, repaired, potential = solve.repair(assignment, potential, first_new_edge)
        rounds += 1
    solved = time.perf_counter()

    matched_rows = np.flatnonzero(assignment.matched_edge >= 0)
    proposals = tuple(
        describe_pair(volunteer_list[int(graph.volunteer[edge])], resident_list[row], pop, float(graph.score[edge]))
        for row, edge in zip(matched_rows.tolist(), assignment.matched_edge[matched_rows].tolist(), strict=True)
    )
    unmatched = explain_unmatched(pop, np.flatnonzero(assignment.matched_edge < 0), resident_list, graph.blocks)
    finished = time.perf_counter()
    stats = MatchStats(
        volunteers=pop.n_volunteers,
        residents=pop.n_residents,
        feasible_pairs=feasible_pairs,
        candidate_pairs=graph.size,
        matched=len(proposals),
        total_score=float(sum(p.score for p in proposals)),
        certificate_rounds=rounds,
        seconds_scoring=scored - started,
        seconds_solving=solved - scored,
        seconds_total=finished - started,
    )
    return MatchResult(proposals=proposals, unmatched=unmatched, stats=stats)


def rank_candidates(
    resident: Resident, volunteers: Iterable[Volunteer], rules: MatchRules = DEFAULT_RULES, k: int = 5
) -> tuple[Proposal, ...]:
    """The ``k`` best feasible volunteers for one resident, best first, for choosing by hand.

    Ties keep the volunteers' input order. Capacity counts as in :func:`propose_matches`: pass a
    volunteer's remaining room as ``capacity``.

    Examples
    --------
    >>> from matcher import Resident, Volunteer, rank_candidates
    >>> near = Volunteer(id="near", lat=52.040, lon=4.320, availability={"mon-morning"}, programmes={"buddy"})
    >>> far = Volunteer(id="far", lat=52.060, lon=4.340, availability={"mon-morning"}, programmes={"buddy"})
    >>> ria = Resident(id="ria", lat=52.041, lon=4.321, programme="buddy", availability={"mon-morning"})
    >>> [c.volunteer_id for c in rank_candidates(ria, [far, near], k=2)]
    ['near', 'far']
    """
    rules = validate_rules(rules)
    (checked_resident,) = validate_residents([resident])
    volunteer_list = validate_volunteers(volunteers)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise MatcherInputError(f"k must be a whole number >= 1, got {k!r}")
    if not volunteer_list:
        return ()
    pop = encode(volunteer_list, [checked_resident], rules)
    block = evaluate_block(pop, 0, np.zeros(1, dtype=np.int64), np.arange(len(volunteer_list), dtype=np.int64))
    score = block.score[0]
    feasible = np.flatnonzero(np.isfinite(score))
    best = feasible[np.lexsort((feasible, -score[feasible]))][:k]
    return tuple(describe_pair(volunteer_list[i], checked_resident, pop, float(score[i])) for i in best.tolist())


def _load_compiled_loops() -> None:
    """Judge one pair and re-optimise one assignment, so that Numba loads the compiled loops of
    :mod:`matcher.kernel` and :mod:`matcher.repair` (from its cache in ``matcher/__pycache__``, or compiled afresh on
    a machine's first import, about 10 s) when the engine is imported, not in the first run: a worker pays it once at
    start, and every job it forks inherits them."""
    volunteer = Volunteer(
        id=0, lat=52.04, lon=4.32, availability=frozenset({"mon-morning"}), programmes=frozenset({"buddy"})
    )
    resident = Resident(id=0, lat=52.04, lon=4.32, availability=frozenset({"mon-morning"}), programme="buddy")
    pop = encode([volunteer], [resident], DEFAULT_RULES)
    build_candidates(pop, 1, 1, threads=1)
    # One resident on the worse of two volunteers, then the better pair added: one cycle to cancel.
    capacity = np.ones(2, dtype=np.int64)
    resident_of, volunteer_of, score = np.zeros(2, dtype=np.int64), np.arange(2, dtype=np.int64), np.array([0.2, 0.9])
    first = solve_assignment(1, capacity, resident_of[:1], volunteer_of[:1], score[:1], solver="assignment")
    distance = residual_distances(first, capacity, resident_of[:1], volunteer_of[:1], score[:1])
    reoptimise(first, certificate_potentials(distance, 1), capacity, resident_of, volunteer_of, score, 1)


_load_compiled_loops()
