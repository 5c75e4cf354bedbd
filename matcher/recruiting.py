"""Recruiting gaps: what one more volunteer of a given profile would change for the residents left waiting.

For each hypothetical volunteer (a *recruit*) :func:`evaluate_recruits` says exactly how many more residents the
optimal run would match with that one volunteer added, and which waiting residents it could be a partner for.

How it stays exact and fast. The baseline run matches as many residents as possible (see
:func:`matcher.propose_matches`), so adding a volunteer with room for ``c`` raises that number by at most ``c``,
and only along alternating paths that start at the recruit (Berge; for capacities, the augmenting paths of a
flow): recruit - a resident it fits - the volunteer that resident has now - another resident that volunteer fits -
... - a resident left waiting. The residents such paths can reach, with the volunteers that hold them now (with
only the places those residents take), are the part of the run that can change. The gain is at least the number
of waiting residents the recruit fits directly (give it those), and at least one when a path reaches a waiting
resident at all; it is at most the number of waiting residents the part holds. When the two bounds meet (always
when ``c`` is 1) that is the answer; otherwise the engine runs again on that part with the recruit added, and the
difference in residents matched is the answer.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from matcher.candidates import blocks_within_reach, eligible_volunteers, residents_asking
from matcher.encoding import BoolArray, IntArray, Population, encode
from matcher.engine import DEFAULT_RULES, propose_matches
from matcher.model import MatcherInputError, MatchResult, MatchRules, Resident, Volunteer
from matcher.validation import validate_residents, validate_rules, validate_volunteers


@dataclass(frozen=True)
class RecruitOutcome:
    """What one recruit would change.

    Attributes
    ----------
    volunteer_id : hashable
        The recruit's id.
    matched_gain : int
        How many more residents the optimal run matches with this recruit added (0 to its capacity).
    unblocked : tuple
        Ids of the waiting residents who have no feasible volunteer now and would have this one, in input order.
    feasible_waiting : tuple
        Ids of every waiting resident this recruit is feasible with (the unblocked ones included), in input order.
    """

    volunteer_id: Hashable
    matched_gain: int
    unblocked: tuple[Hashable, ...]
    feasible_waiting: tuple[Hashable, ...]


@dataclass(frozen=True)
class RecruitingStats:
    """Figures about one evaluation. Timings are excluded from equality.

    ``reruns`` counts the recruits whose bounds did not meet, so that the engine ran again; ``rerun_residents``
    adds up the residents of those runs.
    """

    recruits: int
    reruns: int
    rerun_residents: int
    seconds_baseline: float = field(default=0.0, compare=False)
    seconds_recruits: float = field(default=0.0, compare=False)
    seconds_total: float = field(default=0.0, compare=False)


@dataclass(frozen=True)
class RecruitingReport:
    """The outcome of :func:`evaluate_recruits`.

    ``baseline`` is the run without recruits; ``without_feasible`` are the ids of the residents it left waiting who
    have no feasible volunteer at all (input order); ``outcomes`` follow the recruits' input order.
    """

    baseline: MatchResult
    without_feasible: tuple[Hashable, ...]
    outcomes: tuple[RecruitOutcome, ...]
    stats: RecruitingStats


def _validate_recruits(recruits: Iterable[Volunteer], volunteers: Sequence[Volunteer]) -> tuple[Volunteer, ...]:
    try:
        recruit_list = validate_volunteers(recruits)
    except MatcherInputError as error:
        raise MatcherInputError(f"recruits: {error}") from None
    taken = {v.id for v in volunteers}
    for recruit in recruit_list:
        if recruit.id in taken:
            raise MatcherInputError(f"recruit {recruit.id!r}: id is also the id of a volunteer")
    return recruit_list


def _feasible_pairs(pop: Population, first_column: int, stop_column: int) -> tuple[IntArray, IntArray]:
    """Every feasible (resident row, volunteer column) pair with a column from ``first_column`` up to
    ``stop_column``, judged by the engine's own blocks."""
    found_rows: list[IntArray] = []
    found_cols: list[IntArray] = []
    for programme in range(len(pop.programmes)):
        rows = residents_asking(pop, programme)
        rows = rows[pop.resident_age_ok[rows]]
        cols = eligible_volunteers(pop, programme)
        cols = cols[(cols >= first_column) & (cols < stop_column)]
        for block in blocks_within_reach(pop, programme, rows, cols):
            i, j = np.nonzero(np.isfinite(block.score))
            found_rows.append(block.rows[i])
            found_cols.append(block.cols[j])
    if not found_rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(found_rows), np.concatenate(found_cols)


@dataclass
class _Adjacency:
    """For each of ``n`` keys, the sorted values it points to (compressed rows)."""

    start: IntArray
    values: IntArray

    @classmethod
    def build(cls, keys: IntArray, values: IntArray, n: int) -> _Adjacency:
        order = np.lexsort((values, keys))
        start = np.concatenate(([0], np.cumsum(np.bincount(keys, minlength=n)))).astype(np.int64)
        return cls(start, values[order].astype(np.int64))

    def of(self, key: int) -> IntArray:
        return self.values[self.start[key] : self.start[key + 1]]

    def of_many(self, keys: IntArray) -> IntArray:
        starts, stops = self.start[keys], self.start[keys + 1]
        counts = stops - starts
        offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
        return self.values[offsets + np.arange(int(counts.sum()))]


def _alternating_reach(
    start: IntArray, held_by: IntArray, residents_of: _Adjacency, n_volunteers: int
) -> tuple[BoolArray, BoolArray]:
    """Residents and volunteers on an alternating path from the recruit: from a resident to the volunteer holding
    them, from that volunteer to every resident it is feasible with."""
    seen_residents = np.zeros(len(held_by), dtype=bool)
    seen_volunteers = np.zeros(n_volunteers, dtype=bool)
    seen_residents[start] = True
    frontier = start
    while len(frontier):
        holders = held_by[frontier]
        holders = np.unique(holders[holders >= 0])
        holders = holders[~seen_volunteers[holders]]
        seen_volunteers[holders] = True
        reached = residents_of.of_many(holders)
        frontier = np.unique(reached[~seen_residents[reached]])
        seen_residents[frontier] = True
    return seen_residents, seen_volunteers


def evaluate_recruits(
    volunteers: Iterable[Volunteer],
    residents: Iterable[Resident],
    recruits: Iterable[Volunteer],
    rules: MatchRules = DEFAULT_RULES,
    *,
    use_bounds: bool = True,
    baseline: MatchResult | None = None,
) -> RecruitingReport:
    """For each recruit (a hypothetical volunteer), how many more residents one more of them would get matched.

    Each recruit is judged on its own, added to ``volunteers`` alone: ``matched_gain`` is exactly
    ``propose_matches(volunteers + [recruit], residents, rules).stats.matched`` minus the baseline's, computed
    on the part of the run that can change (see the module's description).

    Parameters
    ----------
    volunteers, residents : iterables of :class:`Volunteer` and :class:`Resident`
        The run as :func:`matcher.propose_matches` takes it.
    recruits : iterable of :class:`Volunteer`
        The profiles to judge; their ids must differ from each other and from the volunteers' ids.
    rules : MatchRules
        The run's rules; they apply to the recruits as to any volunteer.
    use_bounds : bool
        Tuning only: with False the engine runs again for every recruit that fits anyone, even when the bounds
        already give the answer. It never changes the result.
    baseline : MatchResult or None
        ``propose_matches(volunteers, residents, rules)`` when the caller has it already (a matching run that asks
        which volunteers to look for next): it is not run again. It must come from the same input.

    Returns
    -------
    RecruitingReport
        The baseline run, its waiting residents without any feasible volunteer, one :class:`RecruitOutcome` per
        recruit in input order, and figures.

    Raises
    ------
    MatcherInputError
        On invalid input; the message names the id and the field.

    Examples
    --------
    Three residents in one area want a Turkish-speaking buddy on Tuesday afternoon; the only volunteer lives
    12 km away. One recruit in their area gets one of them matched and gives all three a feasible volunteer;
    one in the far volunteer's area helps nobody:

    >>> from matcher import Resident, Volunteer
    >>> from matcher.recruiting import evaluate_recruits
    >>> far = Volunteer(id="far", lat=52.15, lon=4.32, availability={"tue-afternoon"}, programmes={"buddy"})
    >>> waiting = [Resident(id=f"r{i}", lat=52.04, lon=4.32, programme="buddy", availability={"tue-afternoon"},
    ...                     languages={"tr"}) for i in range(3)]
    >>> here = Volunteer(id="here", lat=52.04, lon=4.32, availability={"tue-afternoon"}, languages={"tr"},
    ...                  programmes={"buddy"})
    >>> there = Volunteer(id="there", lat=52.15, lon=4.32, availability={"tue-afternoon"}, languages={"tr"},
    ...                   programmes={"buddy"})
    >>> report = evaluate_recruits([far], waiting, [here, there])
    >>> [(o.volunteer_id, o.matched_gain, len(o.unblocked)) for o in report.outcomes]
    [('here', 1, 3), ('there', 0, 0)]
    >>> report.without_feasible
    ('r0', 'r1', 'r2')
    """
    started = time.perf_counter()
    rules = validate_rules(rules)
    volunteer_list = validate_volunteers(volunteers)
    resident_list = validate_residents(residents)
    recruit_list = _validate_recruits(recruits, volunteer_list)
    if not isinstance(use_bounds, bool):
        raise MatcherInputError(f"use_bounds must be True or False, got {use_bounds!r}")

    if baseline is None:
        baseline = propose_matches(volunteer_list, resident_list, rules)
    elif not isinstance(baseline, MatchResult):
        raise MatcherInputError(f"baseline must be a MatchResult or None, got {baseline!r}")
    baseline_done = time.perf_counter()

    n_res, n_vol = len(resident_list), len(volunteer_list)
    pop = encode((*volunteer_list, *recruit_list), resident_list, rules)
    recruit_rows, recruit_cols = _feasible_pairs(pop, n_vol, n_vol + len(recruit_list))
    fits_recruit = _Adjacency.build(recruit_cols - n_vol, recruit_rows, len(recruit_list))
    # Every feasible pair of the volunteers, for the alternating paths: only judged should a recruit need them (a
    # recruit with room for one that fits a waiting resident never does), as it is most of the work over a region.
    residents_of: _Adjacency | None = None

    resident_row = {r.id: i for i, r in enumerate(resident_list)}
    volunteer_row = {v.id: i for i, v in enumerate(volunteer_list)}
    held_by = np.full(n_res, -1, dtype=np.int64)
    for proposal in baseline.proposals:
        if proposal.resident_id not in resident_row or proposal.volunteer_id not in volunteer_row:
            raise MatcherInputError(
                f"baseline: proposal ({proposal.volunteer_id!r}, {proposal.resident_id!r}) is not of this input"
            )
        held_by[resident_row[proposal.resident_id]] = volunteer_row[proposal.volunteer_id]
    waiting = held_by < 0
    # The baseline's explanations count each waiting resident's feasible volunteers already.
    without_feasible = np.zeros(n_res, dtype=bool)
    if len(baseline.unmatched) != int(waiting.sum()):
        raise MatcherInputError("baseline: its waiting residents are not those of this input")
    for unmatched in baseline.unmatched:
        row = resident_row.get(unmatched.resident_id)
        if row is None or not waiting[row]:
            raise MatcherInputError(f"baseline: waiting resident {unmatched.resident_id!r} is not of this input")
        without_feasible[row] = unmatched.feasible_volunteers == 0

    outcomes: list[RecruitOutcome] = []
    reruns = rerun_residents = 0
    for j, recruit in enumerate(recruit_list):
        fits = fits_recruit.of(j)
        fits_waiting = fits[waiting[fits]]
        gain = 0
        if len(fits):
            lower = min(recruit.capacity, len(fits_waiting))
            if use_bounds and lower == recruit.capacity:
                gain = lower
            else:
                if residents_of is None:
                    pair_rows, pair_cols = _feasible_pairs(pop, 0, n_vol)
                    residents_of = _Adjacency.build(pair_cols, pair_rows, n_vol)
                part_residents, part_volunteers = _alternating_reach(fits, held_by, residents_of, n_vol)
                reached_waiting = int((part_residents & waiting).sum())
                # A path that reaches a waiting resident is an augmenting path: one more match at least.
                lower = max(lower, min(recruit.capacity, reached_waiting, 1))
                upper = min(recruit.capacity, reached_waiting)
                if use_bounds and lower == upper:
                    gain = lower
                else:
                    gain = _rerun(
                        recruit, part_residents, part_volunteers, held_by, volunteer_list, resident_list, rules
                    )
                    reruns += 1
                    rerun_residents += int(part_residents.sum())
        outcomes.append(
            RecruitOutcome(
                volunteer_id=recruit.id,
                matched_gain=gain,
                unblocked=tuple(resident_list[i].id for i in fits[without_feasible[fits]].tolist()),
                feasible_waiting=tuple(resident_list[i].id for i in fits_waiting.tolist()),
            )
        )

    finished = time.perf_counter()
    stats = RecruitingStats(
        recruits=len(recruit_list),
        reruns=reruns,
        rerun_residents=rerun_residents,
        seconds_baseline=baseline_done - started,
        seconds_recruits=finished - baseline_done,
        seconds_total=finished - started,
    )
    return RecruitingReport(
        baseline=baseline,
        without_feasible=tuple(resident_list[i].id for i in np.flatnonzero(without_feasible).tolist()),
        outcomes=tuple(outcomes),
        stats=stats,
    )


def _rerun(
    recruit: Volunteer,
    part_residents: BoolArray,
    part_volunteers: BoolArray,
    held_by: IntArray,
    volunteers: Sequence[Volunteer],
    residents: Sequence[Resident],
    rules: MatchRules,
) -> int:
    """The engine again on the part that can change, with the recruit added: how many more it matches.

    The part's volunteers keep only the places its residents hold now; their other places stay with residents
    outside the part, whose matches no alternating path from the recruit can change.
    """
    rows = np.flatnonzero(part_residents)
    holders = held_by[rows]
    places = np.bincount(holders[holders >= 0], minlength=len(volunteers))
    part = [replace(volunteers[v], capacity=int(places[v])) for v in np.flatnonzero(part_volunteers).tolist()]
    result = propose_matches([*part, recruit], [residents[r] for r in rows.tolist()], rules)
    gain = result.stats.matched - int((holders >= 0).sum())
    if not 0 <= gain <= recruit.capacity:
        raise RuntimeError(f"recruit {recruit.id!r}: a gain of {gain} is impossible; the baseline was not optimal")
    return gain
