"""The naive baseline: every (resident, volunteer-capacity-unit) pair in one dense matrix, solved by scipy LSA.

It reads the rules straight from the README and shares no code with ``matcher`` beyond the public
dataclasses: its own encoding (bit sets and a popcount instead of indicator matrix products), the
haversine formula itself instead of unit-sphere chords, and one column per unit of capacity. The
cardinality-first objective is the README's: a match is worth ``bonus + score`` with
``bonus = n_residents + 1``, no match is worth 0, so infeasible entries are 0 and dropped afterwards.
The matrix is built a chunk of residents at a time, so the peak memory is mostly the matrix itself.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from matcher import MatchRules, Resident, Volunteer

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
BitArray = npt.NDArray[np.uint64]

EARTH_RADIUS_KM = 6371.0088
#: Elements per temporary (chunk of residents x all volunteers) array while the matrix is built.
CHUNK_ELEMENTS = 1 << 18
NO_GENDER = -1
NO_PREFERENCE = -2


def _bitsets(sets: Sequence[frozenset[str]], vocabulary: dict[str, int]) -> tuple[BitArray, IntArray]:
    """Each set as a row of 64-bit words (bit j = word j of the vocabulary), and the set sizes."""
    words = max(1, -(-len(vocabulary) // 64))
    bits = np.zeros((len(sets), words), dtype=np.uint64)
    for i, items in enumerate(sets):
        for item in items:
            j = vocabulary[item]
            bits[i, j // 64] |= np.uint64(1 << (j % 64))
    return bits, np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))


def _vocabulary(*groups: Iterable[frozenset[str]]) -> dict[str, int]:
    words = sorted({word for group in groups for items in group for word in items})
    return {word: j for j, word in enumerate(words)}


def _within(ages: FloatArray, low: int | None, high: int | None) -> BoolArray:
    """Age inside [low, high]; when a bound is set, an unknown (NaN) age fails."""
    if low is None and high is None:
        return np.ones(len(ages), dtype=bool)
    lo = -math.inf if low is None else low
    hi = math.inf if high is None else high
    return np.asarray((ages >= lo) & (ages <= hi), dtype=bool)


@dataclass
class Encoded:
    """Both sides of a run as flat numpy arrays, encoded by the baseline itself."""

    res_lat: FloatArray  # radians
    res_lon: FloatArray
    res_cos_lat: FloatArray
    vol_lat: FloatArray
    vol_lon: FloatArray
    vol_cos_lat: FloatArray
    res_reach_km: FloatArray  # inf when not set
    vol_reach_km: FloatArray
    res_slots: BitArray
    res_slot_count: IntArray
    vol_slots: BitArray
    vol_slot_count: IntArray
    res_interests: BitArray
    res_interest_count: IntArray
    vol_interests: BitArray
    vol_interest_count: IntArray
    res_languages: BitArray
    res_language_count: IntArray
    vol_languages: BitArray
    vol_language_count: IntArray
    res_programme: IntArray
    offers: BoolArray  # (volunteers, programmes)
    vol_age_ok: BoolArray  # (volunteers, programmes)
    res_age_ok: BoolArray  # for the programme the resident asks for
    vol_gender: IntArray
    res_preference: IntArray
    waiting: FloatArray  # the waiting component per resident
    excluded_keys: IntArray  # sorted resident * n_volunteers + volunteer
    capacity: IntArray
    weights: FloatArray  # distance, interests, availability, waiting; summing to 1
    rules: MatchRules

    @property
    def n_residents(self) -> int:
        return len(self.res_lat)

    @property
    def n_volunteers(self) -> int:
        return len(self.vol_lat)


def encode(volunteers: Sequence[Volunteer], residents: Sequence[Resident], rules: MatchRules) -> Encoded:
    """The baseline's own array form of a run (input is assumed valid)."""
    slot_words = _vocabulary([v.availability for v in volunteers], [r.availability for r in residents])
    interest_words = _vocabulary([v.interests for v in volunteers], [r.interests for r in residents])
    language_words = _vocabulary([v.languages for v in volunteers], [r.languages for r in residents])
    programmes = sorted({r.programme for r in residents})
    programme_index = {p: j for j, p in enumerate(programmes)}
    genders = {g: j for j, g in enumerate(sorted({v.gender for v in volunteers if v.gender is not None}))}

    res_slots, res_slot_count = _bitsets([r.availability for r in residents], slot_words)
    vol_slots, vol_slot_count = _bitsets([v.availability for v in volunteers], slot_words)
    res_interests, res_interest_count = _bitsets([r.interests for r in residents], interest_words)
    vol_interests, vol_interest_count = _bitsets([v.interests for v in volunteers], interest_words)
    res_languages, res_language_count = _bitsets([r.languages for r in residents], language_words)
    vol_languages, vol_language_count = _bitsets([v.languages for v in volunteers], language_words)

    res_programme = np.array([programme_index[r.programme] for r in residents], dtype=np.int64)
    offers = np.array([[p in v.programmes for p in programmes] for v in volunteers], dtype=bool)
    offers = offers.reshape(len(volunteers), len(programmes))
    vol_age = np.array([math.nan if v.age is None else v.age for v in volunteers], dtype=np.float64)
    res_age = np.array([math.nan if r.age is None else r.age for r in residents], dtype=np.float64)
    vol_age_ok = np.ones((len(volunteers), len(programmes)), dtype=bool)
    res_age_ok = np.ones(len(residents), dtype=bool)
    for programme, rule in rules.age_rules.items():
        j = programme_index.get(programme)
        if j is None:
            continue
        vol_age_ok[:, j] = _within(vol_age, rule.volunteer_min_age, rule.volunteer_max_age)
        asking = res_programme == j
        res_age_ok[asking] = _within(res_age, rule.resident_min_age, rule.resident_max_age)[asking]

    volunteer_row = {v.id: i for i, v in enumerate(volunteers)}
    resident_row = {r.id: i for i, r in enumerate(residents)}
    excluded = [
        resident_row[r] * len(volunteers) + volunteer_row[v]
        for v, r in rules.excluded_pairs
        if v in volunteer_row and r in resident_row
    ]
    raw_weights = rules.weights
    weights = np.array(
        [raw_weights.distance, raw_weights.interests, raw_weights.availability, raw_weights.waiting], dtype=np.float64
    )
    res_lat = np.radians([r.lat for r in residents]).astype(np.float64)
    vol_lat = np.radians([v.lat for v in volunteers]).astype(np.float64)
    return Encoded(
        res_lat=res_lat,
        res_lon=np.radians([r.lon for r in residents]).astype(np.float64),
        res_cos_lat=np.cos(res_lat),
        vol_lat=vol_lat,
        vol_lon=np.radians([v.lon for v in volunteers]).astype(np.float64),
        vol_cos_lat=np.cos(vol_lat),
        res_reach_km=np.array([r.max_distance_km or math.inf for r in residents], dtype=np.float64),
        vol_reach_km=np.array([v.max_distance_km or math.inf for v in volunteers], dtype=np.float64),
        res_slots=res_slots,
        res_slot_count=res_slot_count,
        vol_slots=vol_slots,
        vol_slot_count=vol_slot_count,
        res_interests=res_interests,
        res_interest_count=res_interest_count,
        vol_interests=vol_interests,
        vol_interest_count=vol_interest_count,
        res_languages=res_languages,
        res_language_count=res_language_count,
        vol_languages=vol_languages,
        vol_language_count=vol_language_count,
        res_programme=res_programme,
        offers=offers,
        vol_age_ok=vol_age_ok,
        res_age_ok=res_age_ok,
        vol_gender=np.array([NO_GENDER if v.gender is None else genders[v.gender] for v in volunteers], dtype=np.int64),
        res_preference=np.array(
            [
                NO_PREFERENCE if r.preferred_gender is None else genders.get(r.preferred_gender, len(genders))
                for r in residents
            ],
            dtype=np.int64,
        ),
        waiting=np.minimum(
            np.array([r.waiting_days for r in residents], dtype=np.float64) / rules.waiting_horizon_days, 1
        ),
        excluded_keys=np.sort(np.array(excluded, dtype=np.int64)),
        capacity=np.array([v.capacity for v in volunteers], dtype=np.int64),
        weights=weights / weights.sum(),
        rules=rules,
    )


def _shared(left: BitArray, right: BitArray) -> IntArray:
    """How many items two broadcast bit-set arrays (..., words) have in common."""
    return np.asarray(np.bitwise_count(left & right).sum(axis=-1), dtype=np.int64)


def _ratio(shared: IntArray, left: IntArray, right: IntArray) -> FloatArray:
    """shared / min(|A|, |B|), 0 where either set is empty."""
    smaller = np.minimum(left, right)
    return np.asarray(np.divide(shared, smaller, out=np.zeros(shared.shape), where=smaller > 0), dtype=np.float64)


def judge(enc: Encoded, res: IntArray, vol: IntArray) -> tuple[BoolArray, FloatArray]:
    """Feasibility and score of pairs (res, vol); the two index arrays broadcast (a block or a list of pairs)."""
    rules = enc.rules
    half_dlat = (enc.vol_lat[vol] - enc.res_lat[res]) / 2.0
    half_dlon = (enc.vol_lon[vol] - enc.res_lon[res]) / 2.0
    hav = np.sin(half_dlat) ** 2 + enc.res_cos_lat[res] * enc.vol_cos_lat[vol] * np.sin(half_dlon) ** 2
    distance_km = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(hav)))
    limit_km = np.minimum(np.minimum(enc.res_reach_km[res], enc.vol_reach_km[vol]), rules.max_distance_km)

    shared_slots = _shared(enc.res_slots[res], enc.vol_slots[vol])
    res_languages = enc.res_language_count[res]
    vol_languages = enc.vol_language_count[vol]
    preference = enc.res_preference[res]
    programme = enc.res_programme[res]

    feasible = enc.offers[vol, programme]
    feasible &= distance_km <= limit_km
    feasible &= shared_slots >= rules.min_common_slots
    if rules.require_common_language:
        feasible &= (
            (res_languages == 0) | (vol_languages == 0) | (_shared(enc.res_languages[res], enc.vol_languages[vol]) > 0)
        )
    feasible &= (preference == NO_PREFERENCE) | (enc.vol_gender[vol] == preference)
    feasible &= enc.res_age_ok[res] & enc.vol_age_ok[vol, programme]
    if len(enc.excluded_keys):
        keys = res * enc.n_volunteers + vol
        here = enc.excluded_keys[np.isin(enc.excluded_keys // enc.n_volunteers, res)]
        feasible &= ~np.isin(keys, here)
    feasible &= enc.capacity[vol] >= 1

    w = enc.weights
    score = w[0] * (1.0 - distance_km / limit_km)
    score += w[1] * _ratio(
        _shared(enc.res_interests[res], enc.vol_interests[vol]),
        enc.res_interest_count[res],
        enc.vol_interest_count[vol],
    )
    score += w[2] * _ratio(shared_slots, enc.res_slot_count[res], enc.vol_slot_count[vol])
    score += w[3] * enc.waiting[res]
    feasible &= score >= rules.min_score
    return feasible, score


@dataclass(frozen=True)
class BaselineResult:
    """The baseline's assignment (row indices into the input lists) and its timings."""

    resident: IntArray
    volunteer: IntArray
    score: FloatArray
    matrix_bytes: int
    seconds_build: float
    seconds_solve: float


def dense_matrix_bytes(n_residents: int, capacity_units: int) -> int:
    """Bytes of the baseline's float64 matrix: one row per resident, one column per unit of capacity."""
    return 8 * n_residents * capacity_units


def build_matrix(enc: Encoded) -> tuple[FloatArray, IntArray, bool]:
    """The dense matrix of -(bonus + score) (0 where infeasible), its column volunteers, and whether it is transposed.

    scipy's LSA copies a matrix with more rows than columns to transpose it, so that case is built
    transposed (units x residents) from the start.
    """
    n_res, n_vol = enc.n_residents, enc.n_volunteers
    unit_volunteer = np.repeat(np.arange(n_vol, dtype=np.int64), enc.capacity)
    transposed = n_res > len(unit_volunteer)
    matrix = np.empty((len(unit_volunteer), n_res) if transposed else (n_res, len(unit_volunteer)))
    rows_view = matrix.T if transposed else matrix
    bonus = n_res + 1.0
    chunk = max(1, CHUNK_ELEMENTS // max(1, n_vol))
    all_volunteers = np.arange(n_vol, dtype=np.int64)[None, :]
    for start in range(0, n_res, chunk):
        stop = min(start + chunk, n_res)
        feasible, score = judge(enc, np.arange(start, stop, dtype=np.int64)[:, None], all_volunteers)
        value = np.where(feasible, -(bonus + score), 0.0)
        rows_view[start:stop] = value[:, unit_volunteer]
    return matrix, unit_volunteer, transposed


def solve(volunteers: Sequence[Volunteer], residents: Sequence[Resident], rules: MatchRules) -> BaselineResult:
    """Encode, build the dense matrix and solve it with scipy's LSA, timing the build and the solve."""
    started = time.perf_counter()
    enc = encode(volunteers, residents, rules)
    matrix, unit_volunteer, transposed = build_matrix(enc)
    built = time.perf_counter()
    rows, cols = linear_sum_assignment(matrix)
    solved = time.perf_counter()
    feasible = matrix[rows, cols] < 0.0
    matrix_bytes = matrix.nbytes
    del matrix
    res_idx, unit_idx = (cols, rows) if transposed else (rows, cols)
    resident = res_idx[feasible].astype(np.int64)
    volunteer = unit_volunteer[unit_idx[feasible]]
    order = np.argsort(resident)
    resident, volunteer = resident[order], volunteer[order]
    _, score = judge(enc, resident, volunteer)
    return BaselineResult(resident, volunteer, score, matrix_bytes, built - started, solved - built)


@dataclass(frozen=True)
class PairCheck:
    """Another solver's pairs judged by the baseline's own rules."""

    pairs: int
    all_feasible: bool
    within_capacity: bool
    one_per_resident: bool
    total_score: float
    max_score_difference: float


def check_pairs(
    volunteers: Sequence[Volunteer],
    residents: Sequence[Resident],
    rules: MatchRules,
    pairs: Sequence[tuple[Hashable, Hashable, float]],
) -> PairCheck:
    """Judge (volunteer id, resident id, claimed score) pairs by the baseline's rules and score."""
    enc = encode(volunteers, residents, rules)
    volunteer_row = {v.id: i for i, v in enumerate(volunteers)}
    resident_row = {r.id: i for i, r in enumerate(residents)}
    vol = np.array([volunteer_row[v] for v, _, _ in pairs], dtype=np.int64)
    res = np.array([resident_row[r] for _, r, _ in pairs], dtype=np.int64)
    claimed = np.array([s for _, _, s in pairs], dtype=np.float64)
    feasible, score = judge(enc, res, vol)
    return PairCheck(
        pairs=len(pairs),
        all_feasible=bool(feasible.all()),
        within_capacity=bool((np.bincount(vol, minlength=enc.n_volunteers) <= enc.capacity).all()),
        one_per_resident=len(np.unique(res)) == len(res),
        total_score=math.fsum(score.tolist()),
        max_score_difference=float(np.abs(score - claimed).max()) if len(pairs) else 0.0,
    )
