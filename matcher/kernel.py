"""The engine's hot loop compiled: every pair of a block judged, in one pass that stops at the first failed rule.

:func:`judge_block` serves three callers: the candidate pass (each side's best pairs kept in small sorted lists
instead of a block of scores written and partitioned), the certificate (the scores of a block) and the
explanations of unmatched residents (volunteers counted per first failed rule). Most distances are decided from
chords alone, without an arcsine. Town of 10,000 x 10,000, building the candidates: numpy's whole-block arrays
1.37 s, this loop 0.65 s on one thread (see the README).

:func:`matcher.pairs.evaluate_block` judges a block with numpy, one whole-block array per step; ``rank_candidates``
and the recruiting gaps use it. The rules, the score and its rounding here are its own, step for step in the same
order, so that both give the same verdicts and the same floats to rounding; ``tests/matcher/test_kernel.py`` holds
them to it.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from matcher.encoding import NO_PREFERENCE, haversine_km
from matcher.model import EARTH_RADIUS_KM, Rule

#: Relative distance from the travel limit within which a pair's distance is recomputed by haversine (also
#: evaluate_block's).
EDGE_TOLERANCE = 1e-9
#: Relative margin around the chord of a pair's travel limit beyond which the chord alone decides the distance
#: rule: far wider than the rounding of chords and arcsines, so such a pair gets evaluate_block's verdict.
CHORD_MARGIN = 1e-7

#: Code 0 means feasible; code ``i + 1`` means rule ``RULE_ORDER[i]`` was the first to fail.
RULE_ORDER: tuple[Rule, ...] = tuple(Rule)
_DISTANCE, _AVAILABILITY, _LANGUAGE, _GENDER, _AGE, _EXCLUDED, _CAPACITY, _MIN_SCORE = (
    1 + RULE_ORDER.index(rule)
    for rule in (
        Rule.DISTANCE,
        Rule.AVAILABILITY,
        Rule.LANGUAGE,
        Rule.GENDER,
        Rule.AGE,
        Rule.EXCLUDED,
        Rule.CAPACITY,
        Rule.MIN_SCORE,
    )
)


@njit(cache=True, inline="always")
def _popcount(x: np.uint64) -> int:
    # SWAR popcount; LLVM turns it into one popcnt instruction where the CPU has one.
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(cache=True, inline="always")
def _shared(left: np.ndarray, right: np.ndarray, i: int, j: int) -> int:
    count = 0
    for word in range(left.shape[1]):
        count += _popcount(left[i, word] & right[j, word])
    return count


#: matcher.encoding.haversine_km itself, compiled: it decides the pairs on a travel limit, to the last bit.
_haversine_km = njit(cache=True)(haversine_km)


@njit(cache=True, inline="always")
def _km_of_chord(chord_sq: float) -> float:
    """2R asin(min(c / 2, 1)), evaluate_block's distance of a chord c; by its Taylor series for distances up to
    about 127 km (the terms left out are below 1e-20 of the sum), where libm's arcsine is a call of ~15 ns."""
    half = min(math.sqrt(chord_sq) * 0.5, 1.0)
    if half >= 0.01:
        return math.asin(half) * (2.0 * EARTH_RADIUS_KM)
    h2 = half * half
    series = 1.0 + h2 * (1.0 / 6.0 + h2 * (3.0 / 40.0 + h2 * (5.0 / 112.0 + h2 * (35.0 / 1152.0))))
    return (half * series) * (2.0 * EARTH_RADIUS_KM)


@njit(cache=True, inline="always")
def _insert(scores: np.ndarray, keys: np.ndarray, row: int, score: float, key: int) -> None:
    """Put (score, key) into row ``row`` of a list sorted best first, if it beats the last; of equal scores the
    lower key comes first. A volunteer's residents arrive from blocks in whichever order the threads judge them:
    ordering ties by key keeps the same residents whatever that order."""
    last = scores.shape[1] - 1
    if not (score > scores[row, last] or (score == scores[row, last] and key < keys[row, last])):
        return
    position = last
    while position > 0 and (
        scores[row, position - 1] < score or (scores[row, position - 1] == score and keys[row, position - 1] > key)
    ):
        scores[row, position] = scores[row, position - 1]
        keys[row, position] = keys[row, position - 1]
        position -= 1
    scores[row, position] = score
    keys[row, position] = key


@njit(cache=True, nogil=True)
def judge_block(
    rows: np.ndarray,
    cols: np.ndarray,
    res_xyz: np.ndarray,
    vol_xyz: np.ndarray,
    res_lat: np.ndarray,
    res_lon: np.ndarray,
    vol_lat: np.ndarray,
    vol_lon: np.ndarray,
    res_reach_km: np.ndarray,
    vol_reach_km: np.ndarray,
    res_limit_lo_sq: np.ndarray,
    res_limit_hi_sq: np.ndarray,
    vol_limit_lo_sq: np.ndarray,
    vol_limit_hi_sq: np.ndarray,
    res_slots: np.ndarray,
    vol_slots: np.ndarray,
    res_slot_inverse: np.ndarray,
    vol_slot_inverse: np.ndarray,
    res_interests: np.ndarray,
    vol_interests: np.ndarray,
    res_interest_inverse: np.ndarray,
    vol_interest_inverse: np.ndarray,
    res_languages: np.ndarray,
    vol_languages: np.ndarray,
    res_language_count: np.ndarray,
    vol_language_count: np.ndarray,
    require_common_language: bool,
    preferred_gender: np.ndarray,
    vol_gender: np.ndarray,
    excluded: np.ndarray,
    min_common_slots: int,
    weights: np.ndarray,
    waiting_score: np.ndarray,
    min_score: float,
    best_score: np.ndarray,
    best_volunteer: np.ndarray,
    feasible_count: np.ndarray,
    volunteer_bound: np.ndarray,
    column_score: np.ndarray,
    column_resident: np.ndarray,
    keeps_volunteer_lists: bool,
    block_score: np.ndarray,
    res_age_ok: np.ndarray,
    vol_age_ok: np.ndarray,
    vol_has_room: np.ndarray,
    reasons: np.ndarray,
) -> None:
    """Judge ``rows`` x ``cols`` (indices into the whole run's arrays) and fold the feasible pairs into the lists.

    Or, when ``block_score`` is not empty (0, 0), write each feasible pair's score into it (the caller fills it with
    ``-inf``) and leave the lists alone; or, when ``reasons`` (rows x (1 + rules)) is not empty, count per row the
    feasible volunteers (column 0) and the volunteers whose first failed rule has code c (column c, codes as in
    :data:`RULE_ORDER`), and leave the lists alone.

    Every rule but the programme is judged here, in RULE_ORDER; ``cols`` (sorted) hold volunteers who offer the
    programme. The age and capacity rules read ``res_age_ok``, ``vol_age_ok`` (for the programme) and
    ``vol_has_room``.

    ``best_score`` / ``best_volunteer`` (residents x (k + 1), sorted best first) receive each resident's best
    k + 1; ``feasible_count`` its feasible pairs. ``volunteer_bound`` is raised to the best score of a pair left
    out of its resident's first k. With ``keeps_volunteer_lists``, ``column_score`` / ``column_resident``
    (volunteers x width) keep each volunteer's best residents across blocks. ``excluded`` is the block's
    excluded pairs, or an empty (0, 0) array when it has none.
    """
    n_cols = len(cols)
    kept = best_score.shape[1] - 1
    has_excluded = excluded.shape[0] > 0
    dense = block_score.shape[0] > 0
    counting = reasons.shape[0] > 0
    feasible_score = np.empty(n_cols)
    feasible_col = np.empty(n_cols, dtype=np.int64)
    # The block's volunteers gathered side by side once: each row then reads them in order, not a dozen scattered
    # arrays per pair.
    col_x, col_y, col_z = np.empty(n_cols), np.empty(n_cols), np.empty(n_cols)
    col_lo_sq, col_hi_sq, col_reach_km = np.empty(n_cols), np.empty(n_cols), np.empty(n_cols)
    col_slot_inverse, col_interest_inverse = np.empty(n_cols), np.empty(n_cols)
    col_slots = np.empty((n_cols, vol_slots.shape[1]), dtype=vol_slots.dtype)
    col_interests = np.empty((n_cols, vol_interests.shape[1]), dtype=vol_interests.dtype)
    col_languages = np.empty((n_cols, vol_languages.shape[1]), dtype=vol_languages.dtype)
    col_language_count = np.empty(n_cols, dtype=vol_language_count.dtype)
    col_gender = np.empty(n_cols, dtype=vol_gender.dtype)
    col_has_room = np.empty(n_cols, dtype=np.bool_)
    col_age_ok = np.empty(n_cols, dtype=np.bool_)
    for b in range(n_cols):
        v = cols[b]
        col_x[b], col_y[b], col_z[b] = vol_xyz[v, 0], vol_xyz[v, 1], vol_xyz[v, 2]
        col_lo_sq[b], col_hi_sq[b], col_reach_km[b] = vol_limit_lo_sq[v], vol_limit_hi_sq[v], vol_reach_km[v]
        col_slot_inverse[b], col_interest_inverse[b] = vol_slot_inverse[v], vol_interest_inverse[v]
        col_slots[b] = vol_slots[v]
        col_interests[b] = vol_interests[v]
        col_languages[b] = vol_languages[v]
        col_language_count[b] = vol_language_count[v]
        col_gender[b] = vol_gender[v]
        col_age_ok[b] = vol_age_ok[v]
        col_has_room[b] = vol_has_room[v]
    for a in range(len(rows)):
        r = rows[a]
        x, y, z = res_xyz[r, 0], res_xyz[r, 1], res_xyz[r, 2]
        wait_part = weights[3] * waiting_score[r]
        preference = preferred_gender[r]
        row_age_ok = res_age_ok[r]
        found = 0
        for b in range(n_cols):
            v = cols[b]
            code, score = 0, 0.0
            while True:  # one pass, left at the first rule that fails: its code is the pair's verdict
                # evaluate_block's chord: squares of the coordinate differences, summed in axis order.
                dx = x - col_x[b]
                chord_sq = dx * dx
                dy = y - col_y[b]
                chord_sq += dy * dy
                dz = z - col_z[b]
                chord_sq += dz * dz
                # In chord space first: a pair clearly inside or outside its travel limit needs no arcsine, and the
                # arcsine of the clearly infeasible is never taken. Only those close to the limit get the exact
                # verdict here; evaluate_block's own (share, then haversine on the limit itself) decides them.
                limit_lo_sq = min(res_limit_lo_sq[r], col_lo_sq[b])
                near_limit = chord_sq >= limit_lo_sq
                share = 0.0
                if near_limit:
                    if chord_sq > min(res_limit_hi_sq[r], col_hi_sq[b]):
                        code = _DISTANCE
                        break
                    limit = min(res_reach_km[r], col_reach_km[b])
                    share = _km_of_chord(chord_sq) / limit
                    if share > 1.0 + EDGE_TOLERANCE:
                        code = _DISTANCE
                        break
                    if share >= 1.0 - EDGE_TOLERANCE:
                        distance = _haversine_km(res_lat[r], res_lon[r], vol_lat[v], vol_lon[v])
                        if not distance <= limit:
                            code = _DISTANCE
                            break
                        share = distance / limit
                common_slots = _shared(res_slots, col_slots, r, b)
                if common_slots < min_common_slots:
                    code = _AVAILABILITY
                    break
                if (
                    require_common_language
                    and res_language_count[r] != 0
                    and col_language_count[b] != 0
                    and _shared(res_languages, col_languages, r, b) == 0
                ):
                    code = _LANGUAGE
                    break
                if preference != NO_PREFERENCE and col_gender[b] != preference:
                    code = _GENDER
                    break
                if not (row_age_ok and col_age_ok[b]):
                    code = _AGE
                    break
                if has_excluded and excluded[a, b]:
                    code = _EXCLUDED
                    break
                if not col_has_room[b]:
                    code = _CAPACITY
                    break
                if counting and min_score <= 0.0:
                    break  # every score is >= 0
                if not near_limit:
                    share = _km_of_chord(chord_sq) / min(res_reach_km[r], col_reach_km[b])
                score = (1.0 - share) * weights[0]
                part = max(res_interest_inverse[r], col_interest_inverse[b]) * _shared(
                    res_interests, col_interests, r, b
                )
                score += part * weights[1]
                part = max(res_slot_inverse[r], col_slot_inverse[b]) * common_slots
                score += part * weights[2]
                score += wait_part
                if not score >= min_score:
                    code = _MIN_SCORE
                break
            if counting:
                reasons[a, code] += 1
                continue
            if code != 0:
                continue
            if dense:
                block_score[a, b] = score
                continue
            feasible_score[found] = score
            feasible_col[found] = b
            found += 1
            _insert(best_score, best_volunteer, r, score, v)
        if dense or counting:
            continue
        feasible_count[r] = found
        if found == 0:
            continue
        # A pair beyond its resident's first k is left out unless its volunteer keeps it: it bounds the volunteer.
        cutoff_score = best_score[r, kept - 1]
        cutoff_volunteer = best_volunteer[r, kept - 1]
        for f in range(found):
            score = feasible_score[f]
            v = cols[feasible_col[f]]
            if keeps_volunteer_lists:
                _insert(column_score, column_resident, v, score, r)
            left_out = found > kept and (score < cutoff_score or (score == cutoff_score and v > cutoff_volunteer))
            if left_out and score > volunteer_bound[v]:
                volunteer_bound[v] = score
