"""The engine's vocabulary: plain frozen dataclasses in, plain frozen dataclasses out.

Constructors only normalise (any iterable of strings becomes a ``frozenset``); every check happens at
the entry of :func:`matcher.propose_matches` and :func:`matcher.rank_candidates`, so a caller gets
all its input judged in one place and one error type, :class:`MatcherInputError`.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_PARTS: tuple[str, ...] = ("morning", "afternoon", "evening")
#: The 21 availability slots in week order, e.g. ``"tue-evening"``.
SLOTS: tuple[str, ...] = tuple(f"{day}-{part}" for day in DAYS for part in DAY_PARTS)

#: Mean Earth radius (IUGG) used for every great-circle distance.
EARTH_RADIUS_KM = 6371.0088


class MatcherInputError(ValueError):
    """Raised when the engine's input is invalid; the message names the id and the field."""


def _as_frozenset(value: Any) -> Any:
    # A bare string is left alone so that validation can reject it by name instead of silently
    # turning "tue-evening" into a set of characters.
    if isinstance(value, (str, bytes, frozenset)) or value is None:
        return value
    if isinstance(value, Iterable):
        return frozenset(value)
    return value


def _normalise_collections(obj: object, names: Iterable[str]) -> None:
    for name in names:
        object.__setattr__(obj, name, _as_frozenset(getattr(obj, name)))


@dataclass(frozen=True)
class Volunteer:
    """A screened volunteer who can take ``capacity`` residents at once.

    ``programmes`` lists the programmes the volunteer joins; ``max_distance_km`` is how far they
    will travel (``None``: the rules' limit applies).
    """

    id: Hashable
    lat: float
    lon: float
    availability: frozenset[str]
    interests: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    programmes: frozenset[str] = frozenset()
    capacity: int = 1
    age: int | None = None
    gender: str | None = None
    max_distance_km: float | None = None

    def __post_init__(self) -> None:
        _normalise_collections(self, ("availability", "interests", "languages", "programmes"))


@dataclass(frozen=True)
class Resident:
    """A resident waiting for one volunteer in one ``programme``."""

    id: Hashable
    lat: float
    lon: float
    programme: str
    availability: frozenset[str]
    interests: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    age: int | None = None
    gender: str | None = None
    preferred_gender: str | None = None
    max_distance_km: float | None = None
    waiting_days: int = 0

    def __post_init__(self) -> None:
        _normalise_collections(self, ("availability", "interests", "languages"))


@dataclass(frozen=True)
class Weights:
    """Relative weights of the four score components; the score is their weighted mean."""

    distance: float = 0.35
    interests: float = 0.30
    availability: float = 0.20
    waiting: float = 0.15


@dataclass(frozen=True)
class AgeRule:
    """Age bounds for one programme, per side; ``None`` leaves that bound open.

    A side with any bound set requires that side's age to be known.
    """

    volunteer_min_age: int | None = None
    volunteer_max_age: int | None = None
    resident_min_age: int | None = None
    resident_max_age: int | None = None

    @property
    def bounds_volunteer(self) -> bool:
        return self.volunteer_min_age is not None or self.volunteer_max_age is not None

    @property
    def bounds_resident(self) -> bool:
        return self.resident_min_age is not None or self.resident_max_age is not None


@dataclass(frozen=True)
class ProgrammeRules:
    """Settings of one programme that replace those of :class:`MatchRules` for its residents.

    A pair's programme is the resident's programme. Each field that is set replaces the
    :class:`MatchRules` field of the same name for that programme's pairs, so a programme's
    ``max_distance_km`` may be larger or smaller than the run's; ``None`` keeps the run's value.

    Attributes
    ----------
    weights : Weights or None
        The score weights of the programme's pairs.
    max_distance_km : float or None
        The programme's travel limit; the volunteer's and the resident's own limits still cap it.
    min_common_slots : int or None
        How many availability slots the programme's pairs must share.

    Examples
    --------
    Walking buddies meet within 2 km; buddies keep the run's 5 km. Each proposal reports the limit
    that applied to it:

    >>> from matcher import MatchRules, ProgrammeRules, Resident, Volunteer, propose_matches
    >>> anna = Volunteer(id="anna", lat=52.040, lon=4.320, availability={"tue-evening"},
    ...                  programmes={"buddy", "wandelmaatje"}, capacity=2)
    >>> kees = Resident(id="kees", lat=52.045, lon=4.325, programme="buddy", availability={"tue-evening"})
    >>> ria = Resident(id="ria", lat=52.045, lon=4.325, programme="wandelmaatje", availability={"tue-evening"})
    >>> rules = MatchRules(max_distance_km=5.0, programme_rules={"wandelmaatje": ProgrammeRules(max_distance_km=2.0)})
    >>> [(p.resident_id, p.max_distance_km) for p in propose_matches([anna], [kees, ria], rules).proposals]
    [('kees', 5.0), ('ria', 2.0)]
    """

    weights: Weights | None = None
    max_distance_km: float | None = None
    min_common_slots: int | None = None


@dataclass(frozen=True)
class MatchRules:
    """The hard rules and weights of a matching run (see the README for their meaning).

    ``weights``, ``max_distance_km`` and ``min_common_slots`` hold for every programme unless
    ``programme_rules`` sets them for the resident's programme (see :class:`ProgrammeRules`);
    ``age_rules`` and ``programme_rules`` are keyed by programme name, and a programme no resident
    asks for is simply not used.

    Examples
    --------
    Walking buddies meet within 2 km and need two common part-days; everyone else keeps the
    run's 5 km and one part-day:

    >>> from matcher import MatchRules, ProgrammeRules
    >>> rules = MatchRules(
    ...     max_distance_km=5.0,
    ...     programme_rules={"wandelmaatje": ProgrammeRules(max_distance_km=2.0, min_common_slots=2)},
    ... )
    >>> rules.programme_rules["wandelmaatje"].max_distance_km, rules.max_distance_km
    (2.0, 5.0)
    """

    weights: Weights = field(default_factory=Weights)
    max_distance_km: float = 5.0
    min_common_slots: int = 1
    waiting_horizon_days: int = 180
    require_common_language: bool = True
    age_rules: Mapping[str, AgeRule] = field(default_factory=dict)
    excluded_pairs: frozenset[tuple[Hashable, Hashable]] = frozenset()
    min_score: float = 0.0
    programme_rules: Mapping[str, ProgrammeRules] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("age_rules", "programme_rules"):
            value = getattr(self, name)
            if isinstance(value, Mapping):
                object.__setattr__(self, name, MappingProxyType(dict(value)))
        _normalise_collections(self, ("excluded_pairs",))


class Rule(enum.Enum):
    """The hard rules in the order they are checked; the first one that fails names the block."""

    PROGRAMME = "programme"
    DISTANCE = "distance"
    AVAILABILITY = "availability"
    LANGUAGE = "language"
    GENDER = "gender"
    AGE = "age"
    EXCLUDED = "excluded"
    CAPACITY = "capacity"
    MIN_SCORE = "min_score"


class ReasonCode(enum.Enum):
    """Why a resident is left waiting.

    ``BLOCKED_BY_*`` reasons count the volunteers that rule ruled out (the first failing rule
    counts); ``ASSIGNED_ELSEWHERE`` counts the feasible volunteers who all went to other
    residents; ``NO_VOLUNTEERS`` says the run had no volunteers at all.
    """

    BLOCKED_BY_PROGRAMME = "blocked_by_programme"
    BLOCKED_BY_DISTANCE = "blocked_by_distance"
    BLOCKED_BY_AVAILABILITY = "blocked_by_availability"
    BLOCKED_BY_LANGUAGE = "blocked_by_language"
    BLOCKED_BY_GENDER = "blocked_by_gender"
    BLOCKED_BY_AGE = "blocked_by_age"
    BLOCKED_BY_EXCLUDED = "blocked_by_excluded"
    BLOCKED_BY_CAPACITY = "blocked_by_capacity"
    BLOCKED_BY_MIN_SCORE = "blocked_by_min_score"
    ASSIGNED_ELSEWHERE = "assigned_elsewhere"
    NO_VOLUNTEERS = "no_volunteers"

    @classmethod
    def blocked_by(cls, rule: Rule) -> ReasonCode:
        return cls["BLOCKED_BY_" + rule.name]


@dataclass(frozen=True)
class Reason:
    """One structured reason: ``volunteers`` is how many volunteers it concerns."""

    code: ReasonCode
    volunteers: int


@dataclass(frozen=True)
class ScoreComponents:
    """The four score components, each in [0, 1]."""

    distance: float
    interests: float
    availability: float
    waiting: float


@dataclass(frozen=True)
class Proposal:
    """A proposed (volunteer, resident) pair with its score and the facts behind it.

    ``max_distance_km`` is the limit D that applied to this pair; ``shared_slots`` are in week
    order, ``shared_interests`` and ``shared_languages`` sorted.
    """

    volunteer_id: Hashable
    resident_id: Hashable
    score: float
    components: ScoreComponents
    distance_km: float
    max_distance_km: float
    shared_interests: tuple[str, ...]
    shared_slots: tuple[str, ...]
    shared_languages: tuple[str, ...]
    waiting_days: int


@dataclass(frozen=True)
class UnmatchedResident:
    """A resident the run could not match, with at least one reason."""

    resident_id: Hashable
    reasons: tuple[Reason, ...]
    feasible_volunteers: int


@dataclass(frozen=True)
class MatchStats:
    """Figures about one run. Timings are excluded from equality so equal inputs give equal results."""

    volunteers: int
    residents: int
    feasible_pairs: int
    candidate_pairs: int
    matched: int
    total_score: float
    certificate_rounds: int
    seconds_scoring: float = field(default=0.0, compare=False)
    seconds_solving: float = field(default=0.0, compare=False)
    seconds_total: float = field(default=0.0, compare=False)


@dataclass(frozen=True)
class MatchResult:
    """The outcome of :func:`matcher.propose_matches`."""

    proposals: tuple[Proposal, ...]
    unmatched: tuple[UnmatchedResident, ...]
    stats: MatchStats
