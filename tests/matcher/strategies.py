"""Small random matching instances near Rijswijk: Hypothesis strategies and a seeded twin.

One description of the input space, :func:`build_instance`, draws from a :class:`Source`. Hypothesis
drives it through :class:`DrawSource` (so failures shrink), and the seeded oracle comparison drives it
through :class:`RandomSource` (so hundreds of instances run fast and the same ones every time).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

from hypothesis import settings
from hypothesis import strategies as st

from matcher import SLOTS, AgeRule, MatchRules, ProgrammeRules, Resident, Rule, Volunteer, Weights
from tests.matcher import oracle

T = TypeVar("T")

#: Shared by the property tests: no deadline (timings are not a test), and the same examples on every
#: run, so that a property fails or passes reproducibly; each test sets its own ``max_examples``.
PROPERTY_SETTINGS = settings(deadline=None, derandomize=True)

#: Rijswijk's bounding box, roughly: about 4.4 km north to south and 3.4 km east to west.
LAT_RANGE = (52.02, 52.06)
LON_RANGE = (4.30, 4.35)
INTERESTS = ("koken", "wandelen", "fietsen", "lezen", "muziek", "tuinieren")
LANGUAGES = ("nl", "en", "tr", "ar")
PROGRAMMES = ("buddy", "wandelmaatje", "jong-ontmoet-oud")
#: A programme the rules may name but nobody joins or asks for.
UNUSED_PROGRAMME = "taalmaatje"
GENDERS = ("vrouw", "man", "x")
WAITING_HORIZONS = (90, 180, 365)
#: Part-days many people offer; drawing from them often keeps enough pairs feasible to compete for.
POPULAR_SLOTS = ("mon-afternoon", "tue-morning", "wed-afternoon", "thu-evening", "sat-morning", "sun-afternoon")


class Source(Protocol):
    """Where the random choices come from."""

    def integer(self, low: int, high: int) -> int: ...

    def real(self, low: float, high: float) -> float: ...

    def chance(self, percent: int) -> bool: ...

    def choice(self, options: Sequence[T]) -> T: ...

    def subset(self, options: Sequence[T], low: int, high: int) -> frozenset[T]: ...


class RandomSource:
    """Choices from a seeded :class:`random.Random`."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        return self._rng.randint(low, high)

    def real(self, low: float, high: float) -> float:
        return self._rng.uniform(low, high)

    def chance(self, percent: int) -> bool:
        return self._rng.randrange(100) < percent

    def choice(self, options: Sequence[T]) -> T:
        return options[self._rng.randrange(len(options))]

    def subset(self, options: Sequence[T], low: int, high: int) -> frozenset[T]:
        return frozenset(self._rng.sample(list(options), self._rng.randint(low, min(high, len(options)))))


class DrawSource:
    """Choices drawn by Hypothesis; every choice shrinks towards the simplest case (absent, first, small)."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self._draw = draw

    def integer(self, low: int, high: int) -> int:
        return int(self._draw(st.integers(low, high)))

    def real(self, low: float, high: float) -> float:
        return float(self._draw(st.floats(low, high, allow_nan=False, allow_infinity=False)))

    def chance(self, percent: int) -> bool:
        return bool(self._draw(st.integers(0, 99)) >= 100 - percent)

    def choice(self, options: Sequence[T]) -> T:
        return options[self.integer(0, len(options) - 1)]

    def subset(self, options: Sequence[T], low: int, high: int) -> frozenset[T]:
        picked = self._draw(st.lists(st.sampled_from(list(options)), min_size=low, max_size=high, unique=True))
        return frozenset(picked)


@dataclass(frozen=True)
class Instance:
    """One matching run's input."""

    volunteers: tuple[Volunteer, ...]
    residents: tuple[Resident, ...]
    rules: MatchRules


def _position(src: Source, centroids: Sequence[tuple[float, float]]) -> tuple[float, float]:
    # The web app places people on postcode centroids, so several people often share coordinates.
    if centroids and src.chance(50):
        return src.choice(centroids)
    return src.real(*LAT_RANGE), src.real(*LON_RANGE)


def _availability(src: Source) -> frozenset[str]:
    return src.subset(POPULAR_SLOTS, 1, 4) if src.chance(75) else src.subset(SLOTS, 0, 7)


def _languages(src: Source) -> frozenset[str]:
    # Mostly Dutch, sometimes another language too, sometimes none given.
    if src.chance(80):
        return frozenset({"nl"}) | src.subset(LANGUAGES[1:], 0, 1)
    return src.subset(LANGUAGES[1:], 0, 2)


def _optional_age(src: Source) -> int | None:
    return src.integer(16, 95) if src.chance(75) else None


def _optional_gender(src: Source) -> str | None:
    return src.choice(GENDERS) if src.chance(80) else None


def _optional_limit(src: Source) -> float | None:
    return src.real(0.2, 4.0) if src.chance(25) else None


def _volunteer(src: Source, index: int, centroids: Sequence[tuple[float, float]]) -> Volunteer:
    lat, lon = _position(src, centroids)
    return Volunteer(
        id=f"v{index}",
        lat=lat,
        lon=lon,
        availability=_availability(src),
        interests=src.subset(INTERESTS, 0, 3),
        languages=_languages(src),
        programmes=src.subset(PROGRAMMES, 1, 3) | ({PROGRAMMES[0]} if src.chance(60) else set()),
        capacity=src.choice((1, 0, 1, 1, 2, 3)),
        age=_optional_age(src),
        gender=_optional_gender(src),
        max_distance_km=_optional_limit(src),
    )


def _resident(src: Source, index: int, centroids: Sequence[tuple[float, float]]) -> Resident:
    lat, lon = _position(src, centroids)
    return Resident(
        id=f"r{index}",
        lat=lat,
        lon=lon,
        programme=src.choice(PROGRAMMES[:2]) if src.chance(80) else PROGRAMMES[2],
        availability=_availability(src),
        interests=src.subset(INTERESTS, 0, 3),
        languages=_languages(src),
        age=_optional_age(src),
        gender=_optional_gender(src),
        preferred_gender=src.choice(GENDERS[:2]) if src.chance(20) else None,
        max_distance_km=_optional_limit(src),
        waiting_days=src.integer(0, 400),
    )


def _weights(src: Source) -> Weights:
    values = [0.0 if src.chance(30) else src.real(0.05, 1.0) for _ in range(4)]
    if not any(values):
        values[src.integer(0, 3)] = src.real(0.05, 1.0)
    return Weights(*values)


def _optional_bounds(src: Source) -> tuple[int | None, int | None]:
    low = src.integer(16, 70) if src.chance(50) else None
    high = src.integer(low or 16, 95) if src.chance(50) else None
    return low, high


def _age_rules(src: Source) -> dict[str, AgeRule]:
    rules = {}
    for programme in PROGRAMMES:
        if src.chance(30):
            volunteer_min, volunteer_max = _optional_bounds(src)
            resident_min, resident_max = _optional_bounds(src)
            rules[programme] = AgeRule(volunteer_min, volunteer_max, resident_min, resident_max)
    return rules


def _programme_rules(src: Source, rules_km: float) -> tuple[dict[str, ProgrammeRules], float]:
    """Half the runs give some programmes their own weights, minimum of slots or travel limit.

    Returns them with the run's limit, which such a run often tightens below ``rules_km`` while its
    programmes' limits stay around ``rules_km``: programme limits then both unblock and block pairs.
    """
    if not src.chance(50):
        return {}, rules_km
    rules = {
        programme: _programme_rule(src, rules_km) for programme in (*PROGRAMMES, UNUSED_PROGRAMME) if src.chance(70)
    }
    return rules, rules_km * src.real(0.3, 1.0) if src.chance(50) else rules_km


def _programme_rule(src: Source, rules_km: float) -> ProgrammeRules:
    return ProgrammeRules(
        weights=_weights(src) if src.chance(50) else None,
        max_distance_km=rules_km * src.real(0.3, 1.5) if src.chance(60) else None,
        min_common_slots=src.choice((0, 1, 2, 3)) if src.chance(40) else None,
    )


def _excluded_pairs(
    src: Source, volunteers: Sequence[Volunteer], residents: Sequence[Resident]
) -> frozenset[tuple[Hashable, Hashable]]:
    pairs = [(v.id, r.id) for v in volunteers for r in residents]
    if not pairs or not src.chance(40):
        return frozenset()
    return src.subset(pairs, 1, 3)


def _rules(src: Source, volunteers: Sequence[Volunteer], residents: Sequence[Resident]) -> MatchRules:
    rules = MatchRules(
        weights=_weights(src),
        max_distance_km=src.real(1.5, 6.0),
        min_common_slots=src.choice((1, 0, 1, 2)),
        waiting_horizon_days=src.choice(WAITING_HORIZONS),
        require_common_language=src.chance(80),
        age_rules=_age_rules(src),
        excluded_pairs=_excluded_pairs(src, volunteers, residents),
        min_score=src.real(0.0, 0.6) if src.chance(40) else 0.0,
    )
    # Drawn last, so that the seeded instances without programme rules are what they were before them.
    programme_rules, rules_km = _programme_rules(src, rules.max_distance_km)
    return replace(rules, max_distance_km=rules_km, programme_rules=programme_rules)


def build_instance(src: Source, residents: tuple[int, int], volunteers: tuple[int, int]) -> Instance:
    """An instance with a number of residents and volunteers in the given (low, high) ranges."""
    centroids = [(src.real(*LAT_RANGE), src.real(*LON_RANGE)) for _ in range(src.integer(0, 3))]
    resident_list = [_resident(src, i, centroids) for i in range(src.integer(*residents))]
    volunteer_list = [_volunteer(src, i, centroids) for i in range(src.integer(*volunteers))]
    return Instance(tuple(volunteer_list), tuple(resident_list), _rules(src, volunteer_list, resident_list))


def random_instance(seed: int, residents: tuple[int, int] = (0, 6), volunteers: tuple[int, int] = (0, 5)) -> Instance:
    """The seeded twin of :func:`instances`: the same input space, the same instance for the same seed."""
    return build_instance(RandomSource(seed), residents, volunteers)


def instances(residents: tuple[int, int] = (0, 6), volunteers: tuple[int, int] = (0, 5)) -> st.SearchStrategy[Instance]:
    """Hypothesis strategy for instances with residents and volunteers in the given (low, high) ranges."""

    @st.composite
    def draw_instance(draw: st.DrawFn) -> Instance:
        return build_instance(DrawSource(draw), residents, volunteers)

    return draw_instance()


@dataclass(frozen=True)
class RecruitingCase:
    """A run's input and hypothetical volunteers to add to it one at a time (ids ``n0``, ``n1``, ...)."""

    instance: Instance
    recruits: tuple[Volunteer, ...]


def _recruit(src: Source, index: int, residents: Sequence[Resident]) -> Volunteer:
    # Mostly where someone waits, with their programme, part-days and languages; sometimes anyone, anywhere.
    if not residents or src.chance(25):
        return replace(_volunteer(src, index, ()), id=f"n{index}")
    resident = src.choice(residents)
    slots = sorted(resident.availability)
    return Volunteer(
        id=f"n{index}",
        lat=resident.lat,
        lon=resident.lon,
        availability=src.subset(slots, 1, 2) if slots else _availability(src),
        languages=src.subset(sorted(resident.languages), 0, 1) if resident.languages else frozenset(),
        programmes={resident.programme} | src.subset(PROGRAMMES, 0, 1),
        capacity=src.choice((1, 2, 1, 3)),
        age=_optional_age(src),
        gender=resident.preferred_gender if src.chance(70) else _optional_gender(src),
        max_distance_km=_optional_limit(src),
    )


def build_recruiting_case(
    src: Source, residents: tuple[int, int], volunteers: tuple[int, int], recruits: tuple[int, int]
) -> RecruitingCase:
    instance = build_instance(src, residents, volunteers)
    return RecruitingCase(instance, tuple(_recruit(src, i, instance.residents) for i in range(src.integer(*recruits))))


def random_recruiting_case(
    seed: int,
    residents: tuple[int, int] = (0, 6),
    volunteers: tuple[int, int] = (0, 5),
    recruits: tuple[int, int] = (1, 3),
) -> RecruitingCase:
    """The seeded twin of :func:`recruiting_cases`."""
    return build_recruiting_case(RandomSource(seed), residents, volunteers, recruits)


def recruiting_cases(
    residents: tuple[int, int] = (0, 6), volunteers: tuple[int, int] = (0, 5), recruits: tuple[int, int] = (1, 3)
) -> st.SearchStrategy[RecruitingCase]:
    """Hypothesis strategy for a run and recruits to judge against it."""

    @st.composite
    def draw_case(draw: st.DrawFn) -> RecruitingCase:
        return build_recruiting_case(DrawSource(draw), residents, volunteers, recruits)

    return draw_case()


def one_programme_rules() -> st.SearchStrategy[ProgrammeRules]:
    """Hypothesis strategy for the rules of one programme, each field set or not."""

    @st.composite
    def draw_programme_rules(draw: st.DrawFn) -> ProgrammeRules:
        src = DrawSource(draw)
        return _programme_rule(src, src.real(1.5, 6.0))

    return draw_programme_rules()


def programme_rules_repeating(rules: MatchRules) -> st.SearchStrategy[dict[str, ProgrammeRules]]:
    """Programme rules for some programmes whose every field is None or the same as in ``rules``."""

    @st.composite
    def draw_repeating(draw: st.DrawFn) -> dict[str, ProgrammeRules]:
        src = DrawSource(draw)
        repeating = {}
        for programme in (*PROGRAMMES, UNUSED_PROGRAMME):
            if src.chance(70):
                repeating[programme] = ProgrammeRules(
                    weights=replace(rules.weights) if src.chance(50) else None,
                    max_distance_km=rules.max_distance_km if src.chance(50) else None,
                    min_common_slots=rules.min_common_slots if src.chance(50) else None,
                )
        return repeating

    return draw_repeating()


def medium_instances(low: int = 30, high: int = 60) -> st.SearchStrategy[Instance]:
    """Instances of ``low`` to ``high`` people per side, built from a Hypothesis-chosen seed."""
    return st.builds(random_instance, st.integers(0, 2**32 - 1), st.just((low, high)), st.just((low, high)))


def is_clear_of_boundaries(instance: Instance, tolerance: float = 1e-9) -> bool:
    """False when some pair sits within rounding of the distance limit or of ``min_score``.

    There the README's rules and any floating-point implementation may disagree by one unit in the
    last place; the comparisons with the oracle skip such instances (the boundary tests cover them).
    """
    rules = instance.rules
    for v in instance.volunteers:
        for r in instance.residents:
            limit = oracle.limit_km(v, r, rules)
            if abs(oracle.haversine(v.lat, v.lon, r.lat, r.lon) - limit) <= tolerance * limit:
                return False
            if oracle.first_failed_rule(v, r, rules) in (None, Rule.MIN_SCORE) and (
                abs(oracle.score(v, r, rules) - rules.min_score) <= tolerance and rules.min_score > 0
            ):
                return False
    return True


def feasible_pairs(instance: Instance) -> list[tuple[int, int, float]]:
    """(resident index, volunteer index, score) of every pair the oracle finds feasible."""
    return [
        (i, j, oracle.score(v, r, instance.rules))
        for i, r in enumerate(instance.residents)
        for j, v in enumerate(instance.volunteers)
        if oracle.first_failed_rule(v, r, instance.rules) is None
    ]


def scarce_instances(low: int = 30, high: int = 60) -> st.SearchStrategy[Instance]:
    """Waiting lists with more residents than capacity: ``low`` to ``high`` residents, a quarter as many
    volunteers (capacity 0 to 3, so about a third as many units), all in one small town, so that the
    candidate graph is mostly one large component and many residents stay unmatched."""
    return st.builds(random_instance, st.integers(0, 2**32 - 1), st.just((low, high)), st.just((low // 4, high // 4)))
