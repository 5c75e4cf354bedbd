"""The facts behind each proposal and the reasons each unmatched resident is still waiting."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from matcher.candidates import PairJudge, groups_within_reach
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
    pop: Population, unmatched_rows: IntArray, residents: Sequence[Resident]
) -> tuple[UnmatchedResident, ...]:
    """Per unmatched resident: how many volunteers each rule blocked, and how many feasible ones went elsewhere."""
    n_rules = len(RULE_ORDER)
    judge = PairJudge(pop)
    # counts[i, 0] feasible volunteers, counts[i, c] volunteers whose first failing rule is rule c.
    counts = np.zeros((pop.n_residents, n_rules + 1), dtype=np.int64)
    programme_col = 1 + RULE_ORDER.index(Rule.PROGRAMME)
    distance_col = 1 + RULE_ORDER.index(Rule.DISTANCE)
    for programme in range(len(pop.programmes)):
        rows = unmatched_rows[pop.resident_programme[unmatched_rows] == programme]
        if len(rows) == 0:
            continue
        offering = np.flatnonzero(pop.volunteer_offers[:, programme]).astype(np.int64)
        counts[rows, programme_col] = pop.n_volunteers - len(offering)
        counts[rows, distance_col] = len(offering)  # until a block shows them within reach
        for group_rows, group_cols in groups_within_reach(pop, rows, offering):
            counts[group_rows, distance_col] -= len(group_cols)
            counts[group_rows] += judge.count_reasons(programme, group_rows, group_cols)

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
