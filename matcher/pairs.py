"""Judging (resident, volunteer) pairs a block at a time: the hard rules and the score.

Everything here works on a dense block of residents (rows) by volunteers (columns): bitsets ANDed
and popcounted give shared slots, interests and languages for a whole block at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matcher.encoding import (
    NO_PREFERENCE,
    BoolArray,
    FloatArray,
    IntArray,
    Population,
    WordArray,
    haversine_km,
)
from matcher.kernel import EDGE_TOLERANCE, RULE_ORDER
from matcher.model import EARTH_RADIUS_KM, Rule

CountArray = npt.NDArray[np.int16]


_NO_PAIRS = np.zeros(0, dtype=np.int64)


@dataclass
class Block:
    """Scores of a block of pairs; ``score`` is ``-inf`` where a pair is infeasible."""

    rows: IntArray
    cols: IntArray
    score: FloatArray
    first_failed: npt.NDArray[np.uint8] | None = None


def _shared(left: WordArray, right: WordArray) -> CountArray:
    """Per pair, how many bits two rows of bitsets have in common."""
    count: CountArray = np.bitwise_count(left[:, None, 0] & right[None, :, 0]).astype(np.int16)
    for word in range(1, left.shape[1]):
        count += np.bitwise_count(left[:, None, word] & right[None, :, word])
    return count


def inverse_sizes(sizes: IntArray) -> FloatArray:
    """1 / size, and 0 for an empty set."""
    inverse = np.zeros(len(sizes), dtype=np.float64)
    np.divide(1.0, sizes, out=inverse, where=sizes > 0)
    return inverse


def _share_ratio(shared: CountArray, left: IntArray, right: IntArray) -> FloatArray:
    """|shared| / min(|A|, |B|), and 0 where either side is empty.

    1 / min(|A|, |B|) is the larger of the two inverses; an empty side shares nothing, so its own inverse
    (0) never matters. Two vectors and one product instead of a division over the whole block.
    """
    largest_inverse = np.maximum(inverse_sizes(left)[:, None], inverse_sizes(right)[None, :])
    largest_inverse *= shared
    return largest_inverse


def excluded_mask(pop: Population, rows: IntArray, cols: IntArray) -> BoolArray | None:
    """True where a pair is excluded; ``cols`` must be sorted. None when the block has none."""
    mask: BoolArray | None = None
    for i, resident in enumerate(rows.tolist()):
        excluded = pop.excluded.get(resident)
        if excluded is None:
            continue
        positions = np.searchsorted(cols, excluded)
        inside = positions < len(cols)
        positions = positions[inside]
        positions = positions[cols[positions] == excluded[inside]]
        if len(positions):
            if mask is None:
                mask = np.zeros((len(rows), len(cols)), dtype=bool)
            mask[i, positions] = True
    return mask


def evaluate_block(
    pop: Population,
    programme: int,
    rows: IntArray,
    cols: IntArray,
    *,
    with_reasons: bool = False,
    scored: bool = True,
) -> Block:
    """Judge every pair of ``rows`` (residents who all ask for ``programme``) by sorted ``cols``.

    The programme's own settings (travel limit, minimum of common slots, weights) apply to the whole
    block. With ``with_reasons`` the block also records, per pair, the first rule that failed. Without
    ``scored`` a feasible pair's score is 0 unless ``min_score`` needs the real one (every score is >= 0).
    """
    res, vol, rules = pop.residents, pop.volunteers, pop.rules

    # Rules that depend on one person only are folded into one row and one column vector.
    programme_ok = pop.volunteer_offers[cols, programme]
    age_ok_col = pop.volunteer_age_ok[cols, programme]
    age_ok_row = pop.resident_age_ok[rows]
    capacity_ok = pop.capacity[cols] >= 1

    # Chords from coordinate differences: exact zero for people at the same postcode point, and no BLAS
    # call (whose threads stall on a busy machine).
    # Written into two buffers: fresh temporaries per axis cost as much as the arithmetic.
    resident_xyz, volunteer_xyz = res.xyz[rows], vol.xyz[cols]
    chord_sq = np.subtract(resident_xyz[:, 0, None], volunteer_xyz[None, :, 0])
    chord_sq *= chord_sq
    difference = np.empty_like(chord_sq)
    for axis in (1, 2):
        np.subtract(resident_xyz[:, axis, None], volunteer_xyz[None, :, axis], out=difference)
        difference *= difference
        chord_sq += difference
    # Great-circle km from the chord c on the unit sphere, 2R asin(min(c / 2, 1)) (the haversine formula's own
    # form), step by step in the chords' buffer: a fresh temporary per step costs about as much as the step.
    share_of_limit = np.sqrt(chord_sq, out=chord_sq)
    share_of_limit *= 0.5
    np.minimum(share_of_limit, 1.0, out=share_of_limit)
    np.arcsin(share_of_limit, out=share_of_limit)
    share_of_limit *= 2.0 * EARTH_RADIUS_KM
    resident_reach, volunteer_reach = res.reach_km[rows], vol.reach_km[cols]
    # The limit is min(resident's reach, volunteer's reach); where no volunteer's reach is the shorter one (most
    # blocks) it is the residents' column, and no full block of limits is needed.
    if resident_reach.max(initial=0.0) <= volunteer_reach.min(initial=np.inf):
        limit = resident_reach[:, None]
    else:
        limit = np.minimum(resident_reach[:, None], volunteer_reach[None, :])
    share_of_limit /= limit
    distance_ok = share_of_limit <= 1.0
    # On the limit itself the rule is the haversine formula's verdict, to the last bit.
    near_limit = share_of_limit >= 1.0 - EDGE_TOLERANCE
    near_limit &= share_of_limit <= 1.0 + EDGE_TOLERANCE
    # Almost no block has a pair on its limit: any() stops at the first, nonzero() of none costs a full pass.
    edge_rows, edge_cols = np.nonzero(near_limit) if near_limit.any() else (_NO_PAIRS, _NO_PAIRS)
    for i, j in zip(edge_rows.tolist(), edge_cols.tolist(), strict=True):
        r, v = rows[i], cols[j]
        distance = haversine_km(res.lat[r], res.lon[r], vol.lat[v], vol.lon[v])
        pair_limit = min(resident_reach[i], volunteer_reach[j])
        share_of_limit[i, j] = distance / pair_limit
        distance_ok[i, j] = distance <= pair_limit

    common_slots = _shared(res.slots[rows], vol.slots[cols])
    slots_ok = common_slots >= pop.min_common_slots[programme]

    if rules.require_common_language:
        shared_language = _shared(res.languages[rows], vol.languages[cols]) > 0
        language_ok = (
            shared_language | (res.language_count[rows] == 0)[:, None] | (vol.language_count[cols] == 0)[None, :]
        )
    else:
        language_ok = np.ones(share_of_limit.shape, dtype=bool)

    preference = pop.preferred_gender[rows]
    gender_ok = (preference == NO_PREFERENCE)[:, None] | (vol.gender[cols][None, :] == preference[:, None])

    excluded = excluded_mask(pop, rows, cols)

    if scored or rules.min_score > 0:
        weights = pop.weights[programme]
        # 1 - share lies in [0, 1] wherever the distance rule holds; elsewhere the pair is infeasible anyway, and the
        # distance rule is named before min_score.
        score = np.subtract(1.0, share_of_limit)
        score *= weights[0]
        part = _share_ratio(
            _shared(res.interests[rows], vol.interests[cols]), res.interest_count[rows], vol.interest_count[cols]
        )
        part *= weights[1]
        score += part
        part = _share_ratio(common_slots, res.slot_count[rows], vol.slot_count[cols])
        part *= weights[2]
        score += part
        score += (weights[3] * pop.waiting_score[rows])[:, None]
        score_ok = score >= rules.min_score
    else:
        score = np.zeros(share_of_limit.shape)
        score_ok = np.ones(score.shape, dtype=bool)

    feasible = distance_ok & slots_ok
    feasible &= language_ok
    feasible &= gender_ok
    feasible &= score_ok
    feasible &= (programme_ok & age_ok_col & capacity_ok)[None, :]
    feasible &= age_ok_row[:, None]
    if excluded is not None:
        feasible &= ~excluded
    # Branch-free: masked assignment stumbles over feasible pairs scattered at random.
    score = np.where(feasible, score, -np.inf)

    first_failed = None
    if with_reasons:
        age_ok = age_ok_row[:, None] & age_ok_col[None, :]
        checks = {
            Rule.PROGRAMME: np.broadcast_to(programme_ok[None, :], score.shape),
            Rule.DISTANCE: distance_ok,
            Rule.AVAILABILITY: slots_ok,
            Rule.LANGUAGE: language_ok,
            Rule.GENDER: gender_ok,
            Rule.AGE: age_ok,
            Rule.EXCLUDED: ~excluded if excluded is not None else np.ones(score.shape, dtype=bool),
            Rule.CAPACITY: np.broadcast_to(capacity_ok[None, :], score.shape),
            Rule.MIN_SCORE: score_ok,
        }
        first_failed = np.zeros(score.shape, dtype=np.uint8)
        # Walk the rules backwards so that the earliest failing rule is the one that stays.
        for code in range(len(RULE_ORDER), 0, -1):
            np.putmask(first_failed, ~checks[RULE_ORDER[code - 1]], code)
    return Block(rows=rows, cols=cols, score=score, first_failed=first_failed)
