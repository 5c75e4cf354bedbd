"""The year replay's simulation (bench/replay.py): a scenario checked by hand, then the invariants on a small
generated year. No timings: the replay's seconds are not part of its results."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Any

import pytest

import bench.replay as replay
from bench.replay import (
    ENGINE_MONTHLY,
    ENGINE_WEEKLY,
    FCFS_WEEKLY,
    Match,
    Outcome,
    Policy,
    ReplayParams,
    ReplayResult,
    ResidentArrival,
    VolunteerArrival,
    generate,
    simulate,
)
from matcher import MatchResult, MatchRules, Resident, Volunteer, propose_matches

SLOT = frozenset({"mon-morning"})
DAYS = 56  # eight weekly runs: days 0, 7, ..., 49


def _volunteer(vid: str, programme: str, capacity: int = 1) -> Volunteer:
    return Volunteer(
        id=vid, lat=52.04, lon=4.32, availability=SLOT, programmes=frozenset({programme}), capacity=capacity
    )


def _resident(
    rid: str, programme: str, day: int, match_days: int = 300, patience_days: int = 365, rejections: int = 0
) -> ResidentArrival:
    return ResidentArrival(
        resident=Resident(id=rid, lat=52.04, lon=4.32, programme=programme, availability=SLOT),
        day=day,
        patience_days=patience_days,
        match_days=match_days,
        rejections=rejections,
    )


# Everyone lives at the same point and shares the one part-day, so only programme, room, arrival, patience,
# rejections and waiting days decide; with two residents for one unit the longer wait wins in both policies.
VOLUNTEERS = [
    VolunteerArrival(_volunteer("A", "buddy"), day=10),
    VolunteerArrival(_volunteer("B", "cultuur", capacity=2), day=40),
    VolunteerArrival(_volunteer("C", "digitaal"), day=0, leave_day=7),
]
RESIDENTS = [
    _resident("r1", "buddy", day=3, match_days=14),
    _resident("r2", "buddy", day=5, match_days=100),
    _resident("r3", "buddy", day=15, patience_days=20),
    _resident("r4", "digitaal", day=1),
    _resident("r5", "buddy", day=0, patience_days=14),
    _resident("r6", "cultuur", day=30, rejections=1),
    _resident("r7", "cultuur", day=42),
]


def _capacity_never_exceeded(result: ReplayResult, capacity: dict[Hashable, int]) -> None:
    last = max((m.end_day for m in result.matches), default=0)
    for day in range(last + 1):
        busy = Counter(m.volunteer_id for m in result.matches if m.start_day <= day < m.end_day)
        for volunteer_id, count in busy.items():
            assert count <= capacity[volunteer_id], (day, volunteer_id)


def _check_invariants(
    result: ReplayResult, volunteers: Sequence[VolunteerArrival], residents: Sequence[ResidentArrival]
) -> None:
    arrival = {a.resident.id: a.day for a in residents}
    joined = {a.volunteer.id: a for a in volunteers}
    matched = Counter(m.resident_id for m in result.matches)
    assert all(count == 1 for count in matched.values()), "a resident matched twice"
    for m in result.matches:
        assert m.start_day >= arrival[m.resident_id], "matched before arriving"
        assert m.start_day >= joined[m.volunteer_id].day, "volunteer matched before joining"
        leave = joined[m.volunteer_id].leave_day
        assert leave is None or m.start_day < leave, "volunteer matched after leaving"
        assert m.waiting_days == m.start_day - arrival[m.resident_id]
        assert m.start_day % result.policy.interval_days == 0, "matched outside a run"
    _capacity_never_exceeded(result, {a.volunteer.id: a.volunteer.capacity for a in volunteers})
    assert {o.resident_id for o in result.outcomes if o.status == "matched"} == set(matched)
    assert len(result.outcomes) == len({a.resident.id for a in residents if a.day < result.days})


@pytest.mark.parametrize("policy", [ENGINE_WEEKLY, FCFS_WEEKLY], ids=["engine", "fcfs"])
def test_hand_checked_scenario(policy: Policy) -> None:
    result = simulate(VOLUNTEERS, RESIDENTS, MatchRules(), policy, DAYS)

    # Day 14: r5 has waited 14 days, their patience, and left before the run; A has joined; r1 (11 days) beats
    # r2 (9 days). Day 28: r1's 14-day match has ended, r2 (23 days)
    # beats r3 (13 days). Day 35: r3 has waited 20 days, their patience, and has left. Day 42: B takes both
    # cultuur residents, r6 turns the proposal down; from then on that pair is excluded. C left on day 7 before
    # r4's first run.
    assert result.matches == (
        Match("A", "r1", 14, 28, 11),
        Match("A", "r2", 28, 128, 23),
        Match("B", "r7", 42, 342, 0),
    )
    assert result.outcomes == (
        Outcome("r5", 0, "gave up", 14),
        Outcome("r4", 1, "waiting", 55),
        Outcome("r1", 3, "matched", 11),
        Outcome("r2", 5, "matched", 23),
        Outcome("r3", 15, "gave up", 20),
        Outcome("r6", 30, "waiting", 26),
        Outcome("r7", 42, "matched", 0),
    )
    assert [r.day for r in result.runs] == list(range(0, DAYS, 7))
    by_day = {r.day: r for r in result.runs}
    assert (by_day[42].proposals, by_day[42].rejected) == (2, 1)
    assert by_day[49].proposals == 0  # B still has room, but r6's only pair is excluded
    assert (by_day[21].waiting, by_day[21].free_units) == (3, 0)  # r2, r3 and r4 wait; A is taken, C has left
    _check_invariants(result, VOLUNTEERS, RESIDENTS)


def test_the_engine_sees_the_days_waited(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[Hashable, int]] = []
    real = propose_matches

    def spy(volunteers: Sequence[Volunteer], residents: Sequence[Resident], rules: MatchRules) -> MatchResult:
        seen.append({r.id: r.waiting_days for r in residents})
        return real(volunteers, residents, rules)

    monkeypatch.setattr(replay, "propose_matches", spy)
    simulate(VOLUNTEERS, RESIDENTS, MatchRules(), ENGINE_WEEKLY, DAYS)

    # Only runs with room and a queue call the engine: day 0 (C, only r5 has come), days 14 and 28 (A), 42 and
    # 49 (B). r4 waits in all but the first without a volunteer in their programme.
    assert seen == [
        {"r5": 0},
        {"r1": 11, "r2": 9, "r4": 13},
        {"r2": 23, "r3": 13, "r4": 27},
        {"r4": 41, "r6": 12, "r7": 0},
        {"r4": 48, "r6": 19},
    ]


def _small_year() -> tuple[list[VolunteerArrival], list[ResidentArrival], MatchRules, ReplayParams]:
    params = ReplayParams(seed=7, volunteers=12, days=182)
    volunteers, residents, rules = generate(params)
    return volunteers, residents, rules, params


@pytest.mark.parametrize("policy", [ENGINE_WEEKLY, FCFS_WEEKLY, ENGINE_MONTHLY], ids=["engine", "fcfs", "monthly"])
def test_a_small_generated_year_keeps_the_invariants(policy: Policy) -> None:
    volunteers, residents, rules, params = _small_year()

    result = simulate(volunteers, residents, rules, policy, params.days)

    assert result.matches, "no one matched"
    _check_invariants(result, volunteers, residents)
    statuses: Counter[Any] = Counter(o.status for o in result.outcomes)
    assert sum(statuses.values()) == len(residents)
    # The same input gives the same year (run seconds are not part of equality).
    assert simulate(volunteers, residents, rules, policy, params.days) == result


def test_generate_is_deterministic_and_keeps_the_ratio() -> None:
    volunteers, residents, _, params = _small_year()
    again_volunteers, again_residents, _ = generate(params)

    assert (volunteers, residents) == (again_volunteers, again_residents)
    units = sum(a.volunteer.capacity for a in volunteers)
    assert len(residents) == round(params.residents_per_unit * units)
    assert all(0 <= a.day < params.days for a in volunteers)
    assert all(0 <= a.day < params.days for a in residents)
