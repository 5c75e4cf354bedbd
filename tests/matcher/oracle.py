"""A slow, obviously correct reference: the rules read straight from the README, and brute force.

Nothing here shares code with the engine beyond the public dataclasses, so the two can disagree.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Sequence

from matcher import MatchRules, ProgrammeRules, Resident, Rule, Volunteer, Weights

EARTH_KM = 6371.0088


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def _own_rules(r: Resident, rules: MatchRules) -> ProgrammeRules:
    """What the resident's programme sets for itself (nothing when it is not in programme_rules)."""
    return rules.programme_rules.get(r.programme, ProgrammeRules())


def programme_limit_km(r: Resident, rules: MatchRules) -> float:
    own = _own_rules(r, rules).max_distance_km
    return rules.max_distance_km if own is None else own


def min_common_slots(r: Resident, rules: MatchRules) -> int:
    own = _own_rules(r, rules).min_common_slots
    return rules.min_common_slots if own is None else own


def weights(r: Resident, rules: MatchRules) -> Weights:
    own = _own_rules(r, rules).weights
    return rules.weights if own is None else own


def limit_km(v: Volunteer, r: Resident, rules: MatchRules) -> float:
    """D: the smallest of the resident's programme's limit and the two personal limits that are set."""
    return min(x for x in (programme_limit_km(r, rules), v.max_distance_km, r.max_distance_km) if x is not None)


def score(v: Volunteer, r: Resident, rules: MatchRules) -> float:
    d = haversine(v.lat, v.lon, r.lat, r.lon)
    dist = 1 - d / limit_km(v, r, rules)
    ints = (
        len(v.interests & r.interests) / min(len(v.interests), len(r.interests)) if v.interests and r.interests else 0.0
    )
    slots = (
        len(v.availability & r.availability) / min(len(v.availability), len(r.availability))
        if v.availability and r.availability
        else 0.0
    )
    wait = min(r.waiting_days / rules.waiting_horizon_days, 1.0)
    w = weights(r, rules)
    total = w.distance + w.interests + w.availability + w.waiting
    return (w.distance * dist + w.interests * ints + w.availability * slots + w.waiting * wait) / total


def first_failed_rule(v: Volunteer, r: Resident, rules: MatchRules) -> Rule | None:
    """The first hard rule the pair breaks, in the README's order; None when feasible."""
    if r.programme not in v.programmes:
        return Rule.PROGRAMME
    if haversine(v.lat, v.lon, r.lat, r.lon) > limit_km(v, r, rules):
        return Rule.DISTANCE
    if len(v.availability & r.availability) < min_common_slots(r, rules):
        return Rule.AVAILABILITY
    if rules.require_common_language and v.languages and r.languages and not (v.languages & r.languages):
        return Rule.LANGUAGE
    if r.preferred_gender is not None and v.gender != r.preferred_gender:
        return Rule.GENDER
    age_rule = rules.age_rules.get(r.programme)
    if age_rule is not None:
        for age, low, high in (
            (v.age, age_rule.volunteer_min_age, age_rule.volunteer_max_age),
            (r.age, age_rule.resident_min_age, age_rule.resident_max_age),
        ):
            if low is None and high is None:
                continue
            if age is None or (low is not None and age < low) or (high is not None and age > high):
                return Rule.AGE
    if (v.id, r.id) in rules.excluded_pairs:
        return Rule.EXCLUDED
    if v.capacity < 1:
        return Rule.CAPACITY
    if score(v, r, rules) < rules.min_score:
        return Rule.MIN_SCORE
    return None


def best_assignment(
    volunteers: Sequence[Volunteer], residents: Sequence[Resident], rules: MatchRules
) -> tuple[int, float, dict[Hashable, Hashable]]:
    """(matched count, total score, resident id -> volunteer id) of a lexicographic optimum, by brute force."""
    options: list[list[int | None]] = []
    for r in residents:
        feasible = [i for i, v in enumerate(volunteers) if first_failed_rule(v, r, rules) is None]
        options.append([None, *feasible])
    best: tuple[int, float, dict[Hashable, Hashable]] = (0, 0.0, {})
    for choice in itertools.product(*options):
        load = [0] * len(volunteers)
        ok = True
        for i in choice:
            if i is not None:
                load[i] += 1
                if load[i] > volunteers[i].capacity:
                    ok = False
                    break
        if not ok:
            continue
        count = sum(i is not None for i in choice)
        total = sum(score(volunteers[i], r, rules) for i, r in zip(choice, residents, strict=True) if i is not None)
        if (count, total) > (best[0], best[1] + 1e-12):
            best = (
                count,
                total,
                {r.id: volunteers[i].id for i, r in zip(choice, residents, strict=True) if i is not None},
            )
    return best
