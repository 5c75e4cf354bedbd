"""Realistic synthetic waiting lists for the engine's benchmarks.

Two geographies: one town of about 10 x 10 km (everyone within a few km of many others), and a
country-sized area (about 200 x 250 km) with towns of Zipf-distributed size plus 8 % of people in
the countryside, so that reach splits the problem into many local ones of very different size.
People have 3-8 of 30 interest tags, a few part-days a week out of the 21-slot grid, mostly Dutch
and sometimes another language, one to three programmes (volunteers) or one (residents).
"""

from __future__ import annotations

import math
from collections.abc import Hashable

import numpy as np
from scipy.spatial import cKDTree

from matcher import SLOTS, AgeRule, MatchRules, Resident, Volunteer

PROGRAMMES = ("buddy", "jong-ontmoet-oud", "digitaal", "bewegen", "cultuur")
PROGRAMME_SHARE = (0.45, 0.15, 0.15, 0.15, 0.10)
INTERESTS = tuple(f"interest-{i:02d}" for i in range(30))
LANGUAGES = ("nl", "en", "tr", "ar", "pl", "pap")
TOWN_CENTRE = (52.04, 4.32)  # Rijswijk
KM_PER_DEGREE_LAT = 111.2


def _offsets_to_latlon(
    north_km: np.ndarray, east_km: np.ndarray, centre: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    lat0, lon0 = centre
    lat = lat0 + north_km / KM_PER_DEGREE_LAT
    lon = lon0 + east_km / (KM_PER_DEGREE_LAT * math.cos(math.radians(lat0)))
    return lat, lon


def town_positions(n: int, rng: np.random.Generator, size_km: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """Uniform over a size_km x size_km town around Rijswijk."""
    return _offsets_to_latlon(
        rng.uniform(-size_km / 2, size_km / 2, n), rng.uniform(-size_km / 2, size_km / 2, n), TOWN_CENTRE
    )


def country_positions(n: int, rng: np.random.Generator, towns: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Zipf-sized towns over a 200 x 250 km area, 8 % rural; the same seed gives the same towns."""
    town_rng = np.random.default_rng(12345)
    town_north = town_rng.uniform(0, 250, towns)
    town_east = town_rng.uniform(0, 200, towns)
    share = 1.0 / np.arange(1, towns + 1)
    share /= share.sum()
    # Big towns are wider: the largest (~15 % of people) spans about 12 km.
    radius_km = 12.0 * np.sqrt(share / share[0]) / 2 + 0.5
    rural = rng.random(n) < 0.08
    town = rng.choice(towns, size=n, p=share)
    angle = rng.uniform(0, 2 * math.pi, n)
    distance = radius_km[town] * np.sqrt(rng.random(n))
    north = np.where(rural, rng.uniform(0, 250, n), town_north[town] + distance * np.sin(angle))
    east = np.where(rural, rng.uniform(0, 200, n), town_east[town] + distance * np.cos(angle))
    return _offsets_to_latlon(north - 125, east - 100, (52.2, 5.3))


def _pick_sets(
    rng: np.random.Generator, n: int, vocabulary: tuple[str, ...], low: int, high: int
) -> list[frozenset[str]]:
    sizes = rng.integers(low, high + 1, n)
    order = np.argsort(rng.random((n, len(vocabulary))), axis=1)
    return [frozenset(vocabulary[j] for j in order[i, : sizes[i]]) for i in range(n)]


def _languages(rng: np.random.Generator, n: int) -> list[frozenset[str]]:
    out: list[frozenset[str]] = []
    for u in rng.random(n):
        if u < 0.10:
            out.append(frozenset())  # did not say
        elif u < 0.80:
            out.append(frozenset({"nl"}))
        elif u < 0.95:
            out.append(frozenset({"nl", str(rng.choice(LANGUAGES[1:]))}))
        else:
            out.append(frozenset({str(rng.choice(LANGUAGES[1:]))}))
    return out


def make_volunteers(n: int, rng: np.random.Generator, geography: str = "town") -> list[Volunteer]:
    lat, lon = (town_positions if geography == "town" else country_positions)(n, rng)
    availability = _pick_sets(rng, n, SLOTS, 2, 7)
    interests = _pick_sets(rng, n, INTERESTS, 3, 8)
    languages = _languages(rng, n)
    extra_programmes = rng.integers(0, 3, n)
    first = rng.choice(len(PROGRAMMES), size=n, p=PROGRAMME_SHARE)
    capacity = rng.choice([1, 2, 3], size=n, p=[0.6, 0.3, 0.1])
    reach = np.where(rng.random(n) < 0.5, np.nan, rng.uniform(2.0, 5.0, n))
    gender = rng.choice(["v", "m"], size=n, p=[0.65, 0.35])
    age = rng.integers(18, 81, n)
    volunteers = []
    for i in range(n):
        programmes = {PROGRAMMES[first[i]], *rng.choice(PROGRAMMES, size=extra_programmes[i], replace=False).tolist()}
        volunteers.append(
            Volunteer(
                id=i,
                lat=float(lat[i]),
                lon=float(lon[i]),
                availability=availability[i],
                interests=interests[i],
                languages=languages[i],
                programmes=frozenset(programmes),
                capacity=int(capacity[i]),
                age=int(age[i]),
                gender=str(gender[i]),
                max_distance_km=None if math.isnan(reach[i]) else float(reach[i]),
            )
        )
    return volunteers


def make_residents(n: int, rng: np.random.Generator, geography: str = "town") -> list[Resident]:
    lat, lon = (town_positions if geography == "town" else country_positions)(n, rng)
    availability = _pick_sets(rng, n, SLOTS, 3, 10)
    interests = _pick_sets(rng, n, INTERESTS, 3, 8)
    languages = _languages(rng, n)
    programme = rng.choice(len(PROGRAMMES), size=n, p=PROGRAMME_SHARE)
    reach = np.where(rng.random(n) < 0.7, np.nan, rng.uniform(1.0, 3.0, n))
    preferred = rng.random(n) < 0.10
    age = rng.integers(12, 96, n)
    waiting = rng.integers(0, 366, n)
    return [
        Resident(
            id=i,
            lat=float(lat[i]),
            lon=float(lon[i]),
            programme=PROGRAMMES[programme[i]],
            availability=availability[i],
            interests=interests[i],
            languages=languages[i],
            age=int(age[i]),
            preferred_gender="v" if preferred[i] else None,
            max_distance_km=None if math.isnan(reach[i]) else float(reach[i]),
            waiting_days=int(waiting[i]),
        )
        for i in range(n)
    ]


def waiting_list(
    n: int, geography: str = "town", seed: int = 2026, residents: int | None = None
) -> tuple[list[Volunteer], list[Resident]]:
    """n volunteers and n residents, or ``residents`` residents (the volunteers stay the same for a seed)."""
    rng = np.random.default_rng(seed)
    return make_volunteers(n, rng, geography), make_residents(n if residents is None else residents, rng, geography)


def coordinator_rules(
    volunteers: list[Volunteer], residents: list[Resident], seed: int = 2026, excluded_share: float = 0.02
) -> MatchRules:
    """The rules a coordinator would run with: every hard rule in play, not only the defaults.

    Jong-ontmoet-oud pairs a volunteer of at most 30 with a resident of 65 or older; pairs scoring
    under 0.2 are not worth proposing; ``excluded_share`` of the residents once turned down (or ended
    with) one of the ten nearest volunteers in their programme.
    """
    rng = np.random.default_rng(seed + 1)
    km_per_degree_lon = KM_PER_DEGREE_LAT * math.cos(math.radians(np.mean([r.lat for r in residents] or [0.0])))
    excluded: set[tuple[Hashable, Hashable]] = set()
    for programme in PROGRAMMES:
        offering = [v for v in volunteers if programme in v.programmes]
        asking = [r for r in residents if r.programme == programme and rng.random() < excluded_share]
        if not offering or not asking:
            continue
        tree = cKDTree(np.array([(v.lat * KM_PER_DEGREE_LAT, v.lon * km_per_degree_lon) for v in offering]))
        nearest = min(10, len(offering))
        _, found = tree.query(
            np.array([(r.lat * KM_PER_DEGREE_LAT, r.lon * km_per_degree_lon) for r in asking]), k=nearest
        )
        for resident, row in zip(asking, np.asarray(found).reshape(len(asking), nearest), strict=True):
            excluded.add((offering[int(rng.choice(row))].id, resident.id))
    return MatchRules(
        age_rules={"jong-ontmoet-oud": AgeRule(volunteer_max_age=30, resident_min_age=65)},
        excluded_pairs=frozenset(excluded),
        min_score=0.2,
    )
