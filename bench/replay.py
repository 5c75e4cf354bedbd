"""One year of a buddy programme replayed run by run (``python -m bench.replay``, ``python -m bench --only replay``).

In the manner of Lern-Fair's replays: people arrive over a year, a matching run every 7 days proposes pairs among
the residents who are waiting and the volunteers who have room, and the replay reports how long residents wait.
Three policies meet the same arrivals, the same lifecycle draws and the same rules:

- ``engine, weekly``: ``matcher.propose_matches`` every 7 days (the most matches, then the best total score);
- ``first come first served, weekly``: every 7 days the longest-waiting resident takes the best feasible volunteer
  with room (the first of ``matcher.rank_candidates``), then the next resident, and so on;
- ``engine, every 4 weeks``: the engine, but only every 28 days.

The model, and which of its numbers are assumptions (none is measured from a real programme):

- people are bench/synthetic.py's town (Rijswijk, 10 x 10 km): volunteers with 1-3 units of capacity (1.5 on
  average), residents in one programme each; the coordinator's rules (``coordinator_rules``: jong-ontmoet-oud's
  age rule, min score 0.2), without its pre-existing exclusions;
- everyone arrives on a uniformly random day of the year, and the programme starts empty on day 0 (a cold
  start: the first weeks have short lists on both sides);
- the number of residents is ``residents_per_unit`` times the volunteers' capacity units (assumption: 1.5; more
  residents than capacity, as in real programmes). Units are reused when matches end, so the ratio is not the
  share left unserved;
- a resident's ``waiting_days`` at a run is the days since they arrived, so the engine's waiting bonus works as in
  production (full after the rules' 180-day horizon);
- each proposal is turned down with probability ``reject_share`` (assumption: 10 %); the pair is then excluded
  through ``MatchRules.excluded_pairs`` and the resident waits for the next run with their waiting days intact;
- a match lasts 3-18 months (uniform), except ``early_end_share`` (15 %) of them that stop after 2-13 weeks;
  then the resident leaves the programme and the volunteer's unit is free for the next run;
- a volunteer takes new residents for 6-24 months (uniform) after joining, never lowers their capacity before
  that, and sees their running matches through when they stop;
- a resident gives up after 4-10 months (uniform) without a match;
- the draws belong to the resident (how often they turn a proposal down, how long their match lasts, their
  patience), not to the pair, so the policies differ only in whom they propose to whom and when.

Waiting times count days from arrival to the run that made the accepted proposal; residents still waiting when the
year ends are not in them (they are counted, and "days on the list" includes them as lower bounds). Engine seconds
are wall-clock time on this machine; none of the figures is a test.
"""

from __future__ import annotations

import argparse
import heapq
import statistics
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from bench.synthetic import coordinator_rules, make_residents, make_volunteers
from matcher import MatchRules, Resident, Volunteer, propose_matches, rank_candidates

SEED = 2026
QUARTERS = 4


@dataclass(frozen=True)
class ReplayParams:
    """The replay's size and its lifecycle assumptions (days are calendar days)."""

    seed: int = SEED
    volunteers: int = 600
    residents_per_unit: float = 1.5
    days: int = 364
    reject_share: float = 0.10
    early_end_share: float = 0.15
    early_end_days: tuple[int, int] = (14, 91)
    match_days: tuple[int, int] = (91, 548)
    patience_days: tuple[int, int] = (122, 304)
    volunteer_stay_days: tuple[int, int] = (182, 730)


QUICK = ReplayParams(volunteers=300)


@dataclass(frozen=True)
class VolunteerArrival:
    """A volunteer who joins on ``day`` with their whole capacity free and takes no one new from ``leave_day``."""

    volunteer: Volunteer
    day: int
    #: None: stays all year. Their running matches go on to their end after they stop taking new residents.
    leave_day: int | None = None


@dataclass(frozen=True)
class ResidentArrival:
    """A resident who joins on ``day``, with the draws that decide their course whatever the policy."""

    resident: Resident
    day: int
    #: Gives up once they have waited this many days without an accepted proposal.
    patience_days: int
    #: How long their match lasts once a proposal is accepted.
    match_days: int
    #: How many of their proposals are turned down before one is accepted.
    rejections: int = 0


@dataclass(frozen=True)
class Policy:
    """How and how often pairs are proposed: ``method`` is "engine" or "fcfs"."""

    name: str
    method: str
    interval_days: int


ENGINE_WEEKLY = Policy("engine, weekly", "engine", 7)
FCFS_WEEKLY = Policy("first come first served, weekly", "fcfs", 7)
ENGINE_MONTHLY = Policy("engine, every 4 weeks", "engine", 28)
POLICIES = (ENGINE_WEEKLY, FCFS_WEEKLY, ENGINE_MONTHLY)


@dataclass(frozen=True)
class Match:
    """An accepted proposal; the volunteer's unit is taken on days ``start_day`` to ``end_day - 1``."""

    volunteer_id: Hashable
    resident_id: Hashable
    start_day: int
    end_day: int
    #: The resident's ``waiting_days`` as the policy saw them in that run.
    waiting_days: int


@dataclass(frozen=True)
class Outcome:
    """Where a resident stands at the end of the year."""

    resident_id: Hashable
    arrival_day: int
    #: "matched", "gave up" or "waiting".
    status: str
    #: Days from arrival to the match, to giving up, or to the end of the year.
    days_waited: int


@dataclass(frozen=True)
class Run:
    """One matching run: the list it saw and what came of it."""

    day: int
    waiting: int
    volunteers_with_room: int
    free_units: int
    proposals: int
    rejected: int
    #: Time in the policy's matching call (the engine, or all rank_candidates calls); not part of equality.
    seconds: float = field(default=0.0, compare=False)


@dataclass(frozen=True)
class ReplayResult:
    """One policy's year: the accepted matches in run order, every arrival's outcome, every run."""

    policy: Policy
    days: int
    matches: tuple[Match, ...]
    outcomes: tuple[Outcome, ...]
    runs: tuple[Run, ...]


def first_come_first_served(
    volunteers: Sequence[Volunteer], residents: Sequence[Resident], rules: MatchRules
) -> list[tuple[Hashable, Hashable]]:
    """Longest waiting first, each taking the best feasible volunteer with room that is left (capacity = room)."""
    room = {v.id: v.capacity for v in volunteers}
    current = {v.id: v for v in volunteers if v.capacity > 0}
    # sorted is stable: equal waits keep the input (arrival) order.
    order = sorted(residents, key=lambda r: -r.waiting_days)
    pairs: list[tuple[Hashable, Hashable]] = []
    for resident in order:
        if not current:
            break
        # Programme is a hard rule, so leaving out other programmes' volunteers changes nothing but the time.
        offering = [v for v in current.values() if resident.programme in v.programmes]
        if not offering:
            continue
        best = rank_candidates(resident, offering, rules, k=1)
        if not best:
            continue
        chosen = best[0].volunteer_id
        pairs.append((chosen, resident.id))
        room[chosen] -= 1
        if room[chosen] > 0:
            current[chosen] = replace(current[chosen], capacity=room[chosen])
        else:
            del current[chosen]
    return pairs


def _engine(
    volunteers: Sequence[Volunteer], residents: Sequence[Resident], rules: MatchRules
) -> list[tuple[Hashable, Hashable]]:
    result = propose_matches(volunteers, residents, rules)
    return [(p.volunteer_id, p.resident_id) for p in result.proposals]


def simulate(
    volunteers: Sequence[VolunteerArrival],
    residents: Sequence[ResidentArrival],
    rules: MatchRules,
    policy: Policy,
    days: int,
) -> ReplayResult:
    """Replay days 0 to ``days - 1`` with a run every ``policy.interval_days`` days, starting on day 0.

    On a run day, in this order: matches whose last day has passed free their unit, the day's arrivals join,
    volunteers at their leave day stop taking residents, residents out of patience leave, then the run proposes
    and each proposal is accepted or turned down.
    """
    if policy.method not in ("engine", "fcfs"):
        raise ValueError(f"unknown policy method {policy.method!r}")
    match = _engine if policy.method == "engine" else first_come_first_served
    joining_volunteers = sorted(volunteers, key=lambda a: a.day)
    joining_residents = sorted(residents, key=lambda a: a.day)
    next_volunteer = next_resident = 0
    joined: dict[Hashable, Volunteer] = {}
    leaving = {a.volunteer.id: a.leave_day for a in volunteers}
    room: dict[Hashable, int] = {}
    # Insertion order is arrival order, which the engine and the baseline see as input order.
    waiting: dict[Hashable, ResidentArrival] = {}
    rejections_left: dict[Hashable, int] = {}
    endings: list[tuple[int, int, Hashable]] = []  # (end day, sequence, volunteer id): a heap
    excluded: set[tuple[Hashable, Hashable]] = set(rules.excluded_pairs)
    matches: list[Match] = []
    gave_up: dict[Hashable, int] = {}
    runs: list[Run] = []

    def advance_to(day: int) -> None:
        nonlocal next_volunteer, next_resident
        while endings and endings[0][0] <= day:
            _, _, volunteer_id = heapq.heappop(endings)
            room[volunteer_id] += 1
        while next_volunteer < len(joining_volunteers) and joining_volunteers[next_volunteer].day <= day:
            volunteer = joining_volunteers[next_volunteer].volunteer
            joined[volunteer.id] = volunteer
            room[volunteer.id] = volunteer.capacity
            next_volunteer += 1
        for volunteer_id in list(joined):
            leave_day = leaving[volunteer_id]
            if leave_day is not None and leave_day <= day:
                del joined[volunteer_id]
        while next_resident < len(joining_residents) and joining_residents[next_resident].day <= day:
            newcomer = joining_residents[next_resident]
            waiting[newcomer.resident.id] = newcomer
            rejections_left[newcomer.resident.id] = newcomer.rejections
            next_resident += 1
        for resident_id, queued in list(waiting.items()):
            if day - queued.day >= queued.patience_days:
                gave_up[resident_id] = queued.day + queued.patience_days
                del waiting[resident_id]

    for day in range(0, days, policy.interval_days):
        advance_to(day)
        with_room = [replace(v, capacity=room[i]) for i, v in joined.items() if room[i] > 0]
        queue = [replace(a.resident, waiting_days=day - a.day) for a in waiting.values()]
        seconds = 0.0
        pairs: list[tuple[Hashable, Hashable]] = []
        if with_room and queue:
            started = time.perf_counter()
            pairs = match(with_room, queue, rules)
            seconds = time.perf_counter() - started
        rejected = 0
        for volunteer_id, resident_id in pairs:
            arrival = waiting[resident_id]
            if rejections_left[resident_id] > 0:
                rejections_left[resident_id] -= 1
                excluded.add((volunteer_id, resident_id))
                rejected += 1
                continue
            del waiting[resident_id]
            room[volunteer_id] -= 1
            end = day + arrival.match_days
            heapq.heappush(endings, (end, len(matches), volunteer_id))
            matches.append(Match(volunteer_id, resident_id, day, end, day - arrival.day))
        if rejected:
            rules = replace(rules, excluded_pairs=frozenset(excluded))
        runs.append(
            Run(
                day=day,
                waiting=len(queue),
                volunteers_with_room=len(with_room),
                free_units=sum(v.capacity for v in with_room),
                proposals=len(pairs),
                rejected=rejected,
                seconds=seconds,
            )
        )
    # The year's last arrivals join and the impatient leave, though no run follows.
    advance_to(days)

    matched_on = {m.resident_id: m.waiting_days for m in matches}
    outcomes = []
    for arrival in joining_residents:
        if arrival.day >= days:
            continue
        rid = arrival.resident.id
        if rid in matched_on:
            outcomes.append(Outcome(rid, arrival.day, "matched", matched_on[rid]))
        elif rid in gave_up:
            outcomes.append(Outcome(rid, arrival.day, "gave up", gave_up[rid] - arrival.day))
        else:
            outcomes.append(Outcome(rid, arrival.day, "waiting", days - arrival.day))
    return ReplayResult(policy, days, tuple(matches), tuple(outcomes), tuple(runs))


def generate(params: ReplayParams) -> tuple[list[VolunteerArrival], list[ResidentArrival], MatchRules]:
    """The year's arrivals for ``params``: the same seed gives the same people, days and draws."""
    rng = np.random.default_rng(params.seed)
    volunteers = make_volunteers(params.volunteers, rng)
    units = sum(v.capacity for v in volunteers)
    residents = make_residents(round(params.residents_per_unit * units), rng)
    # A stream of its own, so that changing a lifecycle assumption does not change who the people are.
    life = np.random.default_rng([params.seed, 1])
    volunteer_days = life.integers(0, params.days, len(volunteers))
    stays = life.integers(params.volunteer_stay_days[0], params.volunteer_stay_days[1] + 1, len(volunteers))
    resident_days = life.integers(0, params.days, len(residents))
    patience = life.integers(params.patience_days[0], params.patience_days[1] + 1, len(residents))
    early = life.random(len(residents)) < params.early_end_share
    short = life.integers(params.early_end_days[0], params.early_end_days[1] + 1, len(residents))
    long = life.integers(params.match_days[0], params.match_days[1] + 1, len(residents))
    # Failures before the first acceptance, each proposal turned down with probability reject_share.
    rejections = life.geometric(1.0 - params.reject_share, len(residents)) - 1
    rules = coordinator_rules(volunteers, residents, params.seed, excluded_share=0.0)
    return (
        [
            VolunteerArrival(v, int(d), int(d + stay))
            for v, d, stay in zip(volunteers, volunteer_days, stays, strict=True)
        ],
        [
            ResidentArrival(
                resident=replace(r, waiting_days=0),
                day=int(resident_days[i]),
                patience_days=int(patience[i]),
                match_days=int(short[i] if early[i] else long[i]),
                rejections=int(rejections[i]),
            )
            for i, r in enumerate(residents)
        ],
        rules,
    )


def _never_feasible(
    volunteers: Sequence[VolunteerArrival], residents: Sequence[ResidentArrival], rules: MatchRules
) -> int:
    """Residents without a feasible volunteer among all of the year's, even with the full waiting bonus."""
    full_wait = [replace(a.resident, waiting_days=rules.waiting_horizon_days) for a in residents]
    result = propose_matches([a.volunteer for a in volunteers], full_wait, rules)
    return sum(1 for u in result.unmatched if u.feasible_volunteers == 0)


def _days(values: Sequence[int], q: float) -> str:
    return f"{np.percentile(values, q):.0f}" if values else "-"


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


def report(params: ReplayParams, results: Sequence[ReplayResult], never_feasible: int, units: int) -> list[str]:
    """The printed figures for one set of arrivals and its policies."""
    residents = len(results[0].outcomes)
    quarter_days = params.days / QUARTERS
    lines = [
        "Replay of one year of a buddy programme (bench/replay.py; a model: its docstring says which numbers are "
        "assumptions)",
        f"parameters: seed {params.seed}, {params.days} days ({params.days // 7} weeks), one town "
        "(bench/synthetic.py), the coordinator's rules (coordinator_rules, no prior exclusions)",
        f"  arrivals over the year: {params.volunteers:,} volunteers with {units:,} capacity units, "
        f"{residents:,} residents: {residents / units:.2f} residents per capacity unit "
        f"(residents_per_unit = {params.residents_per_unit:g})",
        f"  proposals turned down: {params.reject_share:.0%} (pair excluded afterwards); matches last "
        f"{params.match_days[0]}-{params.match_days[1]} days, {params.early_end_share:.0%} of them end after "
        f"{params.early_end_days[0]}-{params.early_end_days[1]} days; residents give up after "
        f"{params.patience_days[0]}-{params.patience_days[1]} days without a match; volunteers take new residents "
        f"for {params.volunteer_stay_days[0]}-{params.volunteer_stay_days[1]} days after joining",
        f"  {never_feasible:,} residents ({never_feasible / residents:.0%}) have no feasible volunteer among all of "
        "the year's volunteers, even with the full waiting bonus (programme, distance, part-days, language, ...)",
        "",
        "runs (engine seconds: propose_matches; first come first served: all of its rank_candidates calls)",
        f"  {'policy':<32} {'runs':>4} {'largest list':>12} {'free units':>14} {'proposals':>9} "
        f"{'s/run median':>12} {'max':>7} {'at the largest list':>20}",
    ]
    for result in results:
        runs = result.runs
        peak = max(runs, key=lambda r: (r.waiting, -r.day))
        called = [r.seconds for r in runs if r.proposals or r.seconds]
        lines.append(
            f"  {result.policy.name:<32} {len(runs):>4} {peak.waiting:>12,} "
            f"{_median([r.free_units for r in runs]):>6.0f} / {max(r.free_units for r in runs):>5}"
            f" {sum(r.proposals for r in runs):>9,} {_median(called):>12.3f} {max(called, default=0.0):>7.3f} "
            f"{peak.seconds:>8.3f} (day {peak.day:>3})"
        )
    lines += [
        "  (largest list: residents waiting at one run; free units: median / max at a run)",
        "",
        "waiting times (days from arrival to the run that made the accepted proposal)",
        f"  {'policy':<32} {'matched':>8} {'waiting':>8} {'gave up':>8} {'turned down':>11} "
        f"{'median':>7} {'p75':>5} {'p90':>5} {'max':>5}",
    ]
    for result in results:
        matched_waits = [o.days_waited for o in result.outcomes if o.status == "matched"]
        count = {s: sum(1 for o in result.outcomes if o.status == s) for s in ("matched", "waiting", "gave up")}
        lines.append(
            f"  {result.policy.name:<32} {count['matched']:>8,} {count['waiting']:>8,} {count['gave up']:>8,} "
            f"{sum(r.rejected for r in result.runs):>11,} {_days(matched_waits, 50):>7} "
            f"{_days(matched_waits, 75):>5} {_days(matched_waits, 90):>5} {max(matched_waits, default=0):>5}"
        )
    lines += [
        "  (waiting: still on the list when the year ends; gave up: left after running out of patience)",
        "",
        f"per quarter of arrival (Q4's arrivals had at most {params.days // 7 // QUARTERS} weeks to be matched, so "
        "their waits are cut short; the lists shrink late in the year as the first matches end)",
        f"  {'policy':<32} {'':<28}" + "".join(f"{f'Q{q + 1}':>12}" for q in range(QUARTERS)),
    ]
    for result in results:
        waits: list[str] = []
        shares: list[str] = []
        on_list: list[str] = []
        lists: list[str] = []
        for quarter in range(QUARTERS):
            ours = [o for o in result.outcomes if int(o.arrival_day // quarter_days) == quarter]
            matched = [o.days_waited for o in ours if o.status == "matched"]
            waits.append(f"{_days(matched, 50)} d")
            shares.append(f"{len(matched) / len(ours):.0%}" if ours else "-")
            on_list.append(f"{_days([o.days_waited for o in ours], 50)} d")
            listed = [r.waiting for r in result.runs if int(r.day // quarter_days) == quarter]
            lists.append(f"{listed[-1]:,}" if listed else "-")
        for label, cells in (
            ("median wait of those matched", waits),
            ("share of arrivals matched", shares),
            ("median days on the list, all", on_list),
            ("list at the quarter's last run", lists),
        ):
            name = result.policy.name if label.startswith("median wait") else ""
            lines.append(f"  {name:<32} {label:<28}" + "".join(f"{cell:>12}" for cell in cells))
    lines.append(
        "  (days on the list: until the match, giving up or the year's end, so a lower bound for those still waiting)"
    )
    return lines


def replay(params: ReplayParams, policies: Sequence[Policy] = POLICIES) -> list[str]:
    volunteers, residents, rules = generate(params)
    units = sum(a.volunteer.capacity for a in volunteers)
    results = [simulate(volunteers, residents, rules, policy, params.days) for policy in policies]
    return report(params, results, _never_feasible(volunteers, residents, rules), units)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replay", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK.volunteers} volunteers instead of 600")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--volunteers", type=int, help="volunteers arriving over the year (default 600, quick 300)")
    parser.add_argument(
        "--ratio", type=float, help="residents per capacity unit over the year (residents_per_unit, default 1.5)"
    )
    args = parser.parse_args(argv)
    params = replace(QUICK if args.quick else ReplayParams(), seed=args.seed)
    if args.volunteers is not None:
        params = replace(params, volunteers=args.volunteers)
    if args.ratio is not None:
        params = replace(params, residents_per_unit=args.ratio)
    started = time.perf_counter()
    lines = replay(params)
    lines.append(f"replay took {time.perf_counter() - started:.1f} s")
    print("\n".join(lines), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
