"""Both sides of a run turned into numpy arrays, once, so that pairs can be judged in blocks."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matcher.model import EARTH_RADIUS_KM, SLOTS, AgeRule, MatchRules, ProgrammeRules, Resident, Volunteer, Weights

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
WordArray = npt.NDArray[np.uint64]

NO_GENDER = -1
NO_PREFERENCE = -2


def unit_vectors(lat_deg: FloatArray, lon_deg: FloatArray) -> FloatArray:
    """Points on the unit sphere; the chord between two of them gives the haversine distance."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    cos_lat = np.cos(lat)
    return np.column_stack((cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)))


def chord_for_km(distance_km: FloatArray | float) -> FloatArray:
    """The straight-line chord on the unit sphere that spans ``distance_km`` along the surface."""
    angle = np.minimum(np.asarray(distance_km, dtype=np.float64) / EARTH_RADIUS_KM, math.pi)
    return np.asarray(2.0 * np.sin(angle / 2.0), dtype=np.float64)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees (haversine formula)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2.0
    half_dlambda = math.radians(lon2 - lon1) / 2.0
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2.0 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bitsets(sets: Sequence[frozenset[str]], vocabulary: Sequence[str]) -> WordArray:
    """One row of 64-bit words per person, one bit per vocabulary word: AND and popcount count overlaps.

    Bit arithmetic needs no BLAS, so a block's counting never waits on BLAS threads on a busy machine.
    """
    bit = {word: j for j, word in enumerate(vocabulary)}
    n_words = max(1, -(-len(vocabulary) // 64))
    # Gathered in Python, set in numpy at once: setting numpy elements one by one costs a microsecond each.
    person: list[int] = []
    position: list[int] = []
    for i, members in enumerate(sets):
        for member in members:
            j = bit.get(member)
            if j is not None:
                person.append(i)
                position.append(j)
    positions = np.array(position, dtype=np.int64)
    words = np.zeros((len(sets), n_words), dtype=np.uint64)
    np.bitwise_or.at(
        words,
        (np.array(person, dtype=np.int64), positions // 64),
        np.left_shift(np.uint64(1), (positions % 64).astype(np.uint64)),
    )
    return words


def _sizes(sets: Sequence[frozenset[str]]) -> IntArray:
    return np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))


def _shared_vocabulary(left: Iterable[frozenset[str]], right: Iterable[frozenset[str]]) -> list[str]:
    # Only words that occur on both sides can ever be shared; sorting keeps runs reproducible
    # whatever the interpreter's string hashing.
    return sorted(frozenset().union(*left) & frozenset().union(*right))


@dataclass
class Side:
    """One side of a run as arrays; row i is the i-th person in input order."""

    ids: tuple[Hashable, ...]
    lat: FloatArray
    lon: FloatArray
    xyz: FloatArray
    # Own travel limit capped by the rules' limit: for a resident the limit of their programme, for a
    # volunteer the largest limit of any programme in the run; min(resident's, volunteer's) is then D.
    reach_km: FloatArray
    reach_chord: FloatArray
    slots: WordArray
    slot_count: IntArray
    interests: WordArray
    interest_count: IntArray
    languages: WordArray
    language_count: IntArray
    age: FloatArray  # NaN when unknown
    gender: IntArray  # NO_GENDER when unknown


@dataclass
class Population:
    """Volunteers, residents and the rules of one run in array form."""

    volunteers: Side
    residents: Side
    rules: MatchRules
    programmes: tuple[str, ...]  # the programmes residents ask for
    resident_programme: IntArray  # index into programmes
    volunteer_offers: BoolArray  # (volunteers, programmes)
    capacity: IntArray
    preferred_gender: IntArray  # NO_PREFERENCE when none
    waiting_score: FloatArray
    waiting_days: IntArray
    volunteer_age_ok: BoolArray  # (volunteers, programmes): the programme's volunteer-side age rule
    resident_age_ok: BoolArray  # per resident, for the programme they ask for
    excluded: dict[int, IntArray]  # resident row -> volunteer rows excluded for that resident
    programme_index: dict[str, int]  # programme name -> index into programmes
    # Per programme, the MatchRules values or the ProgrammeRules that replace them (programme_settings):
    limit_km: FloatArray  # the travel limit before personal limits
    min_common_slots: IntArray
    weights: FloatArray  # (programmes, 4): distance, interests, availability, waiting; each row sums to 1

    @property
    def n_volunteers(self) -> int:
        return len(self.volunteers.ids)

    @property
    def n_residents(self) -> int:
        return len(self.residents.ids)


def _age_ok(ages: FloatArray, low: int | None, high: int | None) -> BoolArray:
    if low is None and high is None:
        return np.ones(len(ages), dtype=bool)
    ok = ~np.isnan(ages)
    if low is not None:
        ok &= ages >= low
    if high is not None:
        ok &= ages <= high
    return np.asarray(ok, dtype=bool)


def _side(
    people: Sequence[Volunteer | Resident],
    rules_limit_km: FloatArray,
    interest_words: Sequence[str],
    language_words: Sequence[str],
    gender_codes: dict[str, int],
) -> Side:
    lat = np.fromiter((p.lat for p in people), dtype=np.float64, count=len(people))
    lon = np.fromiter((p.lon for p in people), dtype=np.float64, count=len(people))
    own_limit = np.fromiter((p.max_distance_km or math.inf for p in people), dtype=np.float64, count=len(people))
    reach = np.minimum(rules_limit_km, own_limit)
    return Side(
        ids=tuple(p.id for p in people),
        lat=lat,
        lon=lon,
        xyz=unit_vectors(lat, lon),
        reach_km=reach,
        reach_chord=chord_for_km(reach),
        slots=bitsets([p.availability for p in people], SLOTS),
        slot_count=_sizes([p.availability for p in people]),
        interests=bitsets([p.interests for p in people], interest_words),
        interest_count=_sizes([p.interests for p in people]),
        languages=bitsets([p.languages for p in people], language_words),
        language_count=_sizes([p.languages for p in people]),
        age=np.array([math.nan if p.age is None else float(p.age) for p in people], dtype=np.float64),
        gender=np.array([NO_GENDER if p.gender is None else gender_codes[p.gender] for p in people], dtype=np.int64),
    )


def normalised_weights(weights: Weights) -> FloatArray:
    raw = np.array([weights.distance, weights.interests, weights.availability, weights.waiting], dtype=np.float64)
    return np.asarray(raw / raw.sum(), dtype=np.float64)


@dataclass(frozen=True)
class ProgrammeSettings:
    """The weights, travel limit and minimum of common slots that hold for one programme's pairs."""

    weights: Weights
    max_distance_km: float
    min_common_slots: int


def programme_settings(rules: MatchRules, programme: str) -> ProgrammeSettings:
    """The run's settings with those the programme sets in ``rules.programme_rules`` put in their place."""
    own = rules.programme_rules.get(programme, ProgrammeRules())
    return ProgrammeSettings(
        weights=rules.weights if own.weights is None else own.weights,
        max_distance_km=rules.max_distance_km if own.max_distance_km is None else own.max_distance_km,
        min_common_slots=rules.min_common_slots if own.min_common_slots is None else own.min_common_slots,
    )


def encode(volunteers: Sequence[Volunteer], residents: Sequence[Resident], rules: MatchRules) -> Population:
    """Turn validated input into arrays."""
    interest_words = _shared_vocabulary((v.interests for v in volunteers), (r.interests for r in residents))
    language_words = _shared_vocabulary((v.languages for v in volunteers), (r.languages for r in residents))
    people: list[Volunteer | Resident] = [*volunteers, *residents]
    genders = sorted(
        {p.gender for p in people if p.gender is not None}
        | {r.preferred_gender for r in residents if r.preferred_gender is not None}
    )
    gender_codes = {g: i for i, g in enumerate(genders)}
    programmes = tuple(sorted({r.programme for r in residents}))
    programme_index = {p: i for i, p in enumerate(programmes)}
    settings = [programme_settings(rules, p) for p in programmes]
    limit_km = np.array([s.max_distance_km for s in settings], dtype=np.float64)
    resident_programme = np.array([programme_index[r.programme] for r in residents], dtype=np.int64)

    volunteer_limit_km = np.full(len(volunteers), limit_km.max() if len(limit_km) else rules.max_distance_km)
    volunteer_side = _side(volunteers, volunteer_limit_km, interest_words, language_words, gender_codes)
    resident_side = _side(residents, limit_km[resident_programme], interest_words, language_words, gender_codes)

    offers = np.zeros((len(volunteers), len(programmes)), dtype=bool)
    for i, volunteer in enumerate(volunteers):
        for programme in volunteer.programmes:
            j = programme_index.get(programme)
            if j is not None:
                offers[i, j] = True

    volunteer_age_ok = np.ones((len(volunteers), len(programmes)), dtype=bool)
    resident_age_ok = np.ones(len(residents), dtype=bool)
    for programme, j in programme_index.items():
        age_rule = rules.age_rules.get(programme, AgeRule())
        volunteer_age_ok[:, j] = _age_ok(volunteer_side.age, age_rule.volunteer_min_age, age_rule.volunteer_max_age)
        in_programme = resident_programme == j
        resident_age_ok[in_programme] = _age_ok(
            resident_side.age[in_programme], age_rule.resident_min_age, age_rule.resident_max_age
        )

    volunteer_row = {v.id: i for i, v in enumerate(volunteers)}
    resident_row = {r.id: i for i, r in enumerate(residents)}
    excluded_lists: dict[int, list[int]] = {}
    for volunteer_id, resident_id in rules.excluded_pairs:
        v, r = volunteer_row.get(volunteer_id), resident_row.get(resident_id)
        if v is not None and r is not None:
            excluded_lists.setdefault(r, []).append(v)

    horizon = float(rules.waiting_horizon_days)
    waiting_days = np.fromiter((r.waiting_days for r in residents), dtype=np.int64, count=len(residents))
    return Population(
        volunteers=volunteer_side,
        residents=resident_side,
        rules=rules,
        programmes=programmes,
        resident_programme=resident_programme,
        volunteer_offers=offers,
        capacity=np.fromiter((v.capacity for v in volunteers), dtype=np.int64, count=len(volunteers)),
        preferred_gender=np.array(
            [NO_PREFERENCE if r.preferred_gender is None else gender_codes[r.preferred_gender] for r in residents],
            dtype=np.int64,
        ),
        waiting_score=np.minimum(waiting_days / horizon, 1.0),
        waiting_days=waiting_days,
        volunteer_age_ok=volunteer_age_ok,
        resident_age_ok=resident_age_ok,
        excluded={r: np.array(sorted(set(vs)), dtype=np.int64) for r, vs in excluded_lists.items()},
        programme_index=programme_index,
        limit_km=limit_km,
        min_common_slots=np.array([s.min_common_slots for s in settings], dtype=np.int64),
        weights=np.array([normalised_weights(s.weights) for s in settings], dtype=np.float64).reshape(-1, 4),
    )
