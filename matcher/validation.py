"""Input checks at the engine's entry: one error type, a message that names the id and the field."""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

from matcher.model import (
    SLOTS,
    AgeRule,
    MatcherInputError,
    MatchRules,
    ProgrammeRules,
    Resident,
    Volunteer,
    Weights,
)

_SLOT_SET = frozenset(SLOTS)


# The plain float and int come first: checking against the abstract numbers classes takes several times longer,
# which shows at tens of thousands of people.
def _is_real(value: Any) -> bool:
    return type(value) in (float, int) or (isinstance(value, numbers.Real) and not isinstance(value, bool))


def _is_int(value: Any) -> bool:
    return type(value) is int or (isinstance(value, numbers.Integral) and not isinstance(value, bool))


def _fail(who: str, field: str, message: str) -> MatcherInputError:
    return MatcherInputError(f"{who}: {field} {message}")


def _check_coordinate(who: str, field: str, value: Any, limit: float) -> None:
    if not _is_real(value) or not math.isfinite(value) or not -limit <= value <= limit:
        raise _fail(who, field, f"must be a finite number between -{limit:g} and {limit:g}, got {value!r}")


def _check_strings(who: str, field: str, value: Any) -> None:
    if isinstance(value, (str, bytes)) or not isinstance(value, frozenset):
        raise _fail(who, field, f"must be a collection of strings, got {value!r}")
    for item in value:
        if not isinstance(item, str) or not item:
            raise _fail(who, field, f"must contain non-empty strings only, got {item!r}")


def _check_availability(who: str, value: Any) -> None:
    _check_strings(who, "availability", value)
    unknown = sorted(value - _SLOT_SET)
    if unknown:
        raise _fail(
            who,
            "availability",
            f"has unknown slot {unknown[0]!r}; slots look like 'tue-evening' "
            "(day mon..sun, part morning/afternoon/evening)",
        )


def _check_optional_age(who: str, value: Any) -> None:
    if value is not None and (not _is_int(value) or value < 0):
        raise _fail(who, "age", f"must be a non-negative whole number or None, got {value!r}")


def _check_optional_text(who: str, field: str, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise _fail(who, field, f"must be a string or None, got {value!r}")


def _check_optional_distance(who: str, value: Any) -> None:
    if value is not None and (not _is_real(value) or not math.isfinite(value) or value <= 0):
        raise _fail(who, "max_distance_km", f"must be a positive finite number or None, got {value!r}")


def _check_person(who: str, person: Volunteer | Resident) -> None:
    _check_coordinate(who, "lat", person.lat, 90.0)
    _check_coordinate(who, "lon", person.lon, 180.0)
    _check_availability(who, person.availability)
    _check_strings(who, "interests", person.interests)
    _check_strings(who, "languages", person.languages)
    _check_optional_age(who, person.age)
    _check_optional_text(who, "gender", person.gender)
    _check_optional_distance(who, person.max_distance_km)


def _check_ids(side: str, people: Sequence[Volunteer | Resident]) -> None:
    seen: set[Hashable] = set()
    for person in people:
        try:
            is_duplicate = person.id in seen
        except TypeError:
            raise MatcherInputError(f"{side} {person.id!r}: id must be hashable") from None
        if is_duplicate:
            raise MatcherInputError(f"{side} {person.id!r}: id appears more than once")
        seen.add(person.id)


def validate_volunteers(volunteers: Iterable[Any]) -> tuple[Volunteer, ...]:
    """Return the volunteers as a tuple after checking every field."""
    people = tuple(volunteers)
    for volunteer in people:
        if not isinstance(volunteer, Volunteer):
            raise MatcherInputError(f"volunteers must contain Volunteer objects, got {volunteer!r}")
        who = f"volunteer {volunteer.id!r}"
        _check_person(who, volunteer)
        _check_strings(who, "programmes", volunteer.programmes)
        if not _is_int(volunteer.capacity) or volunteer.capacity < 0:
            raise _fail(who, "capacity", f"must be a whole number >= 0, got {volunteer.capacity!r}")
    _check_ids("volunteer", people)
    return people


def validate_residents(residents: Iterable[Any]) -> tuple[Resident, ...]:
    """Return the residents as a tuple after checking every field."""
    people = tuple(residents)
    for resident in people:
        if not isinstance(resident, Resident):
            raise MatcherInputError(f"residents must contain Resident objects, got {resident!r}")
        who = f"resident {resident.id!r}"
        _check_person(who, resident)
        if not isinstance(resident.programme, str) or not resident.programme:
            raise _fail(who, "programme", f"must be a non-empty string, got {resident.programme!r}")
        _check_optional_text(who, "preferred_gender", resident.preferred_gender)
        if not _is_int(resident.waiting_days) or resident.waiting_days < 0:
            raise _fail(who, "waiting_days", f"must be a whole number >= 0, got {resident.waiting_days!r}")
    _check_ids("resident", people)
    return people


def _check_weights(weights: Any, where: str = "rules: weights") -> None:
    if not isinstance(weights, Weights):
        raise MatcherInputError(f"{where} must be a Weights object, got {weights!r}")
    values = {name: getattr(weights, name) for name in ("distance", "interests", "availability", "waiting")}
    for name, value in values.items():
        if not _is_real(value) or not math.isfinite(value) or value < 0:
            raise MatcherInputError(f"{where}.{name} must be a finite number >= 0, got {value!r}")
    if sum(values.values()) <= 0:
        raise MatcherInputError(f"{where} must not all be zero")


def _is_distance_limit(value: Any) -> bool:
    return _is_real(value) and math.isfinite(value) and value > 0


def _is_slot_count(value: Any) -> bool:
    return _is_int(value) and 0 <= value <= len(SLOTS)


def _check_age_rule(programme: Any, rule: Any) -> None:
    where = f"rules: age_rules[{programme!r}]"
    if not isinstance(programme, str) or not isinstance(rule, AgeRule):
        raise MatcherInputError(f"{where} must map a programme name to an AgeRule, got {rule!r}")
    for side in ("volunteer", "resident"):
        low, high = getattr(rule, f"{side}_min_age"), getattr(rule, f"{side}_max_age")
        for name, value in ((f"{side}_min_age", low), (f"{side}_max_age", high)):
            if value is not None and (not _is_int(value) or value < 0):
                raise MatcherInputError(f"{where}.{name} must be a whole number >= 0 or None, got {value!r}")
        if low is not None and high is not None and low > high:
            raise MatcherInputError(f"{where}.{side}_min_age ({low}) exceeds {side}_max_age ({high})")


def _check_programme_rules(programme_rules: Any) -> None:
    if not isinstance(programme_rules, Mapping):
        raise MatcherInputError(
            f"rules: programme_rules must map programme names to ProgrammeRules, got {programme_rules!r}"
        )
    for programme, own in programme_rules.items():
        where = f"rules: programme_rules[{programme!r}]"
        if not isinstance(programme, str) or not isinstance(own, ProgrammeRules):
            raise MatcherInputError(f"{where} must map a programme name to a ProgrammeRules, got {own!r}")
        if own.weights is not None:
            _check_weights(own.weights, f"{where}.weights")
        if own.max_distance_km is not None and not _is_distance_limit(own.max_distance_km):
            raise MatcherInputError(
                f"{where}.max_distance_km must be a positive finite number or None, got {own.max_distance_km!r}"
            )
        if own.min_common_slots is not None and not _is_slot_count(own.min_common_slots):
            raise MatcherInputError(
                f"{where}.min_common_slots must be a whole number from 0 to {len(SLOTS)} or None, "
                f"got {own.min_common_slots!r}"
            )


def validate_rules(rules: Any) -> MatchRules:
    """Check a MatchRules object and return it."""
    if not isinstance(rules, MatchRules):
        raise MatcherInputError(f"rules must be a MatchRules object, got {rules!r}")
    _check_weights(rules.weights)
    if not _is_distance_limit(rules.max_distance_km):
        raise MatcherInputError(
            f"rules: max_distance_km must be a positive finite number, got {rules.max_distance_km!r}"
        )
    if not _is_slot_count(rules.min_common_slots):
        raise MatcherInputError(
            f"rules: min_common_slots must be a whole number from 0 to {len(SLOTS)}, got {rules.min_common_slots!r}"
        )
    if not _is_int(rules.waiting_horizon_days) or rules.waiting_horizon_days <= 0:
        raise MatcherInputError(
            f"rules: waiting_horizon_days must be a whole number > 0, got {rules.waiting_horizon_days!r}"
        )
    if not isinstance(rules.require_common_language, bool):
        raise MatcherInputError(
            f"rules: require_common_language must be True or False, got {rules.require_common_language!r}"
        )
    for programme, rule in rules.age_rules.items():
        _check_age_rule(programme, rule)
    if not isinstance(rules.excluded_pairs, frozenset):
        raise MatcherInputError(
            f"rules: excluded_pairs must be a set of (volunteer_id, resident_id), got {rules.excluded_pairs!r}"
        )
    for pair in rules.excluded_pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise MatcherInputError(f"rules: excluded_pairs must hold (volunteer_id, resident_id) tuples, got {pair!r}")
    if not _is_real(rules.min_score) or not 0.0 <= rules.min_score <= 1.0:
        raise MatcherInputError(f"rules: min_score must be a number from 0 to 1, got {rules.min_score!r}")
    _check_programme_rules(rules.programme_rules)
    return rules
