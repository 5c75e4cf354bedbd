"""The facts behind each proposal and the reasons each unmatched resident is still waiting."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from matcher.candidates import PairJudge, eligible_volunteers, groups_within_reach
from matcher.encoding import IntArray, Population, haversine_km
from matcher.kernel import RULE_ORDER
from matcher.model import (
    SLOTS,
    Proposal,
    Reason,
    ReasonCode,
    Resident,
    Rule,
    ScoreComponents,
    UnmatchedResident,
    Volunteer,
)

_WEEK_ORDER = {slot: i for i, slot in enumerate(SLOTS)}


def _share(shared: int, left: int, right: int) -> float:
    smaller = min(left, right)
    return shared / smaller if smaller else 0.0


def describe_pair(volunteer: Volunteer, resident: Resident, pop: Population, score: float) -> Proposal:
    """A proposal with its components recomputed from the two people, for display and audit."""
    rules = pop.rules
    # The same D as the engine's: the programme's limit, then the two personal limits.
    programme_limit = float(pop.limit_km[pop.programme_index[resident.programme]])
    limit = min(programme_limit, volunteer.max_distance_km or np.inf, resident.max_distance_km or np.inf)
    distance = haversine_km(volunteer.lat, volunteer.lon, resident.lat, resident.lon)
    shared_interests = tuple(sorted(volunteer.interests & resident.interests))
    shared_slots = tuple(sorted(volunteer.availability & resident.availability, key=_WEEK_ORDER.__getitem__))
    components = ScoreComponents(
        distance=min(1.0, max(0.0, 1.0 - distance / limit)),
        interests=_share(len(shared_interests), len(volunteer.interests), len(resident.interests)),
        availability=_share(len(shared_slots), len(volunteer.availability), len(resident.availability)),
        waiting=min(resident.waiting_days / rules.waiting_horizon_days, 1.0),
    )
    return Proposal(
        volunteer_id=volunteer.id,
        resident_id=resident.id,
        score=score,
        components=components,
        distance_km=distance,
        max_distance_km=float(limit),
        shared_interests=shared_interests,
        shared_slots=shared_slots,
        shared_languages=tuple(sorted(volunteer.languages & resident.languages)),
        waiting_days=resident.waiting_days,
    )


#: The reason each rule gives, in RULE_ORDER.
BLOCKED_REASONS = tuple(ReasonCode.blocked_by(rule) for rule in RULE_ORDER)


def explain_unmatched(
    pop: Population,
    unmatched_rows: IntArray,
    residents: Sequence[Resident],
    blocks: Sequence[tuple[int, IntArray, IntArray]] = (),
) -> tuple[UnmatchedResident, ...]:
    """Per unmatched resident: how many volunteers each rule blocked, and how many feasible ones went elsewhere.

    ``blocks`` are the candidate pass's (:attr:`matcher.candidates.CandidateGraph.blocks`): a resident judged in one
    is counted there against the eligible volunteers within its reach, and only against the other volunteers who offer
    its programme (no room, or outside its age rule) here; the others are counted from scratch.
    """
    n_rules = len(RULE_ORDER)
    judge = PairJudge(pop)
    # counts[i, 0] feasible volunteers, counts[i, c] volunteers whose first failing rule is rule c.
    counts = np.zeros((pop.n_residents, n_rules + 1), dtype=np.int64)
    programme_col = 1 + RULE_ORDER.index(Rule.PROGRAMME)
    distance_col = 1 + RULE_ORDER.index(Rule.DISTANCE)
    is_unmatched = np.zeros(pop.n_residents, dtype=bool)
    is_unmatched[unmatched_rows] = True

    def count(programme: int, rows: IntArray, cols: IntArray) -> None:
        counts[rows, distance_col] -= len(cols)  # judged below, so not (yet) blocked by distance
        counts[rows] += judge.count_reasons(programme, rows, cols)

    for programme in range(len(pop.programmes)):
        rows = unmatched_rows[pop.resident_programme[unmatched_rows] == programme]
        if len(rows) == 0:
            continue
        offering = np.flatnonzero(pop.volunteer_offers[:, programme]).astype(np.int64)
        counts[rows, programme_col] = pop.n_volunteers - len(offering)
        counts[rows, distance_col] = len(offering)  # until a block shows them within reach
        in_block = np.zeros(pop.n_residents, dtype=bool)
        for block_programme, block_rows, block_cols in blocks:
            if block_programme != programme:
                continue
            group_rows = block_rows[is_unmatched[block_rows]]
            in_block[group_rows] = True
            if len(group_rows):
                count(programme, group_rows, block_cols)
        counted, rest = rows[in_block[rows]], rows[~in_block[rows]]
        others = np.setdiff1d(offering, eligible_volunteers(pop, programme))
        for group_rows, group_cols in groups_within_reach(pop, counted, others):
            count(programme, group_rows, group_cols)
        for group_rows, group_cols in groups_within_reach(pop, rest, offering):
            count(programme, group_rows, group_cols)

    explained = []
    for row, (feasible, *blocked_counts) in zip(unmatched_rows.tolist(), counts[unmatched_rows].tolist(), strict=True):
        reasons: list[Reason] = []
        if pop.n_volunteers == 0:
            reasons.append(Reason(ReasonCode.NO_VOLUNTEERS, 0))
        if feasible:
            reasons.append(Reason(ReasonCode.ASSIGNED_ELSEWHERE, feasible))
        for reason, blocked in zip(BLOCKED_REASONS, blocked_counts, strict=True):
            if blocked:
                reasons.append(Reason(reason, blocked))
        explained.append(
            UnmatchedResident(resident_id=residents[row].id, reasons=tuple(reasons), feasible_volunteers=feasible)
        )
    return tuple(explained)
