"""The one module that knows both worlds: database rows in, the matching engine's dataclasses out.

Ids handed to the engine are the database ids. Volunteers get the coordinates of their PC4 area, the
programmes they may work in now, and their free capacity; residents get their waiting days. The rules
come from the configuration, the ``programmes`` table (each programme's weights, distance limit, common slots
and age rule, set by admins) and the history of decisions (pairs that ended are never proposed again; a rejection
keeps a pair apart for good or until its day has passed, unless it was undone). Only waiting residents with
whom a coordinator held the intake talk take part (``webapp.rules.may_be_matched``), and of them only those whose
consent for intake and matching stands; volunteers need that consent too (``webapp.rules.Blocker.NO_CONSENT``).
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select, union
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

import matcher
from webapp.clock import local_today
from webapp.database import cycle_collection_paused
from webapp.models import (
    IntakeOutcome,
    Match,
    MatchStatus,
    Programme,
    Proposal,
    ProposalStatus,
    Resident,
    ResidentStatus,
    Volunteer,
    volunteer_programmes,
)
from webapp.postcodes import pc4_areas
from webapp.rules import age_on, eligible_programmes

log = logging.getLogger(__name__)
_SLOTS = frozenset(matcher.SLOTS)


def programmes_for(
    volunteer: Volunteer, programmes_by_code: Mapping[str, Programme], today: date, vog_valid_years: int
) -> list[str]:
    """The programmes the volunteer is eligible for today: the screening rule, kept in one place."""
    return eligible_programmes(volunteer, programmes_by_code, today, vog_valid_years)


def load_programmes(session: Session) -> dict[str, Programme]:
    return {p.code: p for p in session.scalars(select(Programme).order_by(Programme.sort_order))}


def _clean_strings(values: Iterable[str] | None) -> frozenset[str]:
    return frozenset(v for v in values or () if isinstance(v, str) and v)


def _clean_slots(owner: str, values: Iterable[str] | None) -> frozenset[str]:
    slots = _clean_strings(values)
    unknown = slots - _SLOTS
    if unknown:
        log.warning("%s: ignoring unknown availability slots %s", owner, sorted(unknown))
    return slots & _SLOTS


def _distance(value: float | None) -> float | None:
    return float(value) if value is not None and value > 0 else None


def to_engine_volunteer(
    volunteer: Volunteer, programmes_by_code: Mapping[str, Programme], today: date, vog_valid_years: int
) -> matcher.Volunteer | None:
    """The engine's view of a volunteer, or None when they cannot be matched today."""
    programmes = programmes_for(volunteer, programmes_by_code, today, vog_valid_years)
    free = volunteer.capacity - volunteer.places_taken
    area = pc4_areas().get(volunteer.pc4)
    if not programmes or free < 1 or area is None:
        return None
    return matcher.Volunteer(
        id=volunteer.id,
        lat=area.lat,
        lon=area.lon,
        availability=_clean_slots(f"volunteer {volunteer.id}", volunteer.availability),
        interests=_clean_strings(volunteer.interests),
        languages=_clean_strings(volunteer.languages),
        programmes=frozenset(programmes),
        capacity=free,
        age=age_on(volunteer.birth_date, today) if volunteer.birth_date else None,
        gender=volunteer.gender.value if volunteer.gender else None,
        max_distance_km=_distance(volunteer.max_distance_km),
    )


def to_engine_resident(resident: Resident, today: date) -> matcher.Resident | None:
    """The engine's view of a waiting resident, or None when their postcode area is unknown."""
    area = pc4_areas().get(resident.pc4)
    if area is None:
        return None
    return matcher.Resident(
        id=resident.id,
        lat=area.lat,
        lon=area.lon,
        programme=resident.programme_code,
        availability=_clean_slots(f"resident {resident.id}", resident.availability),
        interests=_clean_strings(resident.interests),
        languages=_clean_strings(resident.languages),
        age=age_on(resident.birth_date, today) if resident.birth_date else None,
        gender=resident.gender.value if resident.gender else None,
        preferred_gender=resident.preferred_gender.value if resident.preferred_gender else None,
        max_distance_km=_distance(resident.max_distance_km),
        waiting_days=max(0, (today - resident.waiting_since).days),
    )


def to_engine_recruit(
    key: Hashable,
    pc4: str,
    programme_code: str,
    slots: Iterable[str],
    languages: Iterable[str],
    gender: str | None = None,
    age: int | None = None,
    max_distance_km: float | None = None,
) -> matcher.Volunteer | None:
    """A volunteer who does not exist yet ("Wie zoeken we?"): one place, screened and with the VOG the programme
    asks, living in the ``pc4`` area; None when the area is unknown. ``key`` is its id for the engine."""
    area = pc4_areas().get(pc4)
    if area is None:
        return None
    return matcher.Volunteer(
        id=key,
        lat=area.lat,
        lon=area.lon,
        availability=_clean_slots(f"recruit {pc4}", slots),
        languages=_clean_strings(languages),
        programmes=frozenset({programme_code}),
        capacity=1,
        age=age,
        gender=gender,
        max_distance_km=_distance(max_distance_km),
    )


def age_rules(programmes_by_code: Mapping[str, Programme]) -> dict[str, matcher.AgeRule]:
    rules = {}
    for code, p in programmes_by_code.items():
        rule = matcher.AgeRule(p.volunteer_min_age, p.volunteer_max_age, p.resident_min_age, p.resident_max_age)
        if rule.bounds_volunteer or rule.bounds_resident:
            rules[code] = rule
    return rules


def excluded_pairs(
    session: Session, resident_ids: Iterable[int] | None = None, today: date | None = None
) -> frozenset[tuple[int, int]]:
    """Every (volunteer, resident) of an ended match, and of a rejection that still keeps them apart today
    (``webapp.rules.keeps_apart``, in SQL)."""
    today = today or local_today()
    rejected = select(Proposal.volunteer_id, Proposal.resident_id).where(
        Proposal.status == ProposalStatus.AFGEWEZEN,
        Proposal.rejection_undone_at.is_(None),
        or_(Proposal.excluded_until.is_(None), Proposal.excluded_until >= today),
    )
    ended = select(Match.volunteer_id, Match.resident_id).where(Match.status == MatchStatus.BEEINDIGD)
    if resident_ids is not None:
        ids = list(resident_ids)
        rejected = rejected.where(Proposal.resident_id.in_(ids))
        ended = ended.where(Match.resident_id.in_(ids))
    return frozenset((int(v), int(r)) for v, r in session.execute(union(rejected, ended)))


def programme_rules(programme: Programme) -> matcher.ProgrammeRules:
    """A programme's own weights, distance limit and common slots, as the engine takes them."""
    return matcher.ProgrammeRules(
        weights=matcher.Weights(
            distance=programme.weight_distance,
            interests=programme.weight_interests,
            availability=programme.weight_availability,
            waiting=programme.weight_waiting,
        ),
        max_distance_km=float(programme.max_distance_km),
        min_common_slots=int(programme.min_common_slots),
    )


def match_rules(
    config: Mapping[str, Any],
    programmes_by_code: Mapping[str, Programme],
    excluded: frozenset[tuple[int, int]] = frozenset(),
) -> matcher.MatchRules:
    """The engine's rules: every programme brings its own, so the run-wide values are only the engine's defaults."""
    return matcher.MatchRules(
        waiting_horizon_days=int(config["SAMEN_WAITING_HORIZON_DAYS"]),
        age_rules=age_rules(programmes_by_code),
        programme_rules={code: programme_rules(p) for code, p in programmes_by_code.items()},
        excluded_pairs=excluded,
    )


def rules_as_json(rules: matcher.MatchRules, vog_valid_years: int) -> dict[str, Any]:
    """What a run used, for the record (the excluded pairs as a count)."""

    def weights(w: matcher.Weights) -> dict[str, float]:
        return {"distance": w.distance, "interests": w.interests, "availability": w.availability, "waiting": w.waiting}

    return {
        "max_distance_km": rules.max_distance_km,
        "min_common_slots": rules.min_common_slots,
        "waiting_horizon_days": rules.waiting_horizon_days,
        "require_common_language": rules.require_common_language,
        "min_score": rules.min_score,
        "weights": weights(rules.weights),
        "programmes": {
            code: {
                "weights": weights(r.weights or rules.weights),
                "max_distance_km": r.max_distance_km if r.max_distance_km is not None else rules.max_distance_km,
                "min_common_slots": r.min_common_slots if r.min_common_slots is not None else rules.min_common_slots,
            }
            for code, r in sorted(rules.programme_rules.items())
        },
        "age_rules": {
            code: {
                "volunteer_min_age": r.volunteer_min_age,
                "volunteer_max_age": r.volunteer_max_age,
                "resident_min_age": r.resident_min_age,
                "resident_max_age": r.resident_max_age,
            }
            for code, r in sorted(rules.age_rules.items())
        },
        "excluded_pairs": len(rules.excluded_pairs),
        "vog_valid_years": vog_valid_years,
    }


def candidate_volunteers(session: Session, programme_code: str | None = None) -> list[Volunteer]:
    """Volunteers worth converting: screened as suitable, not stopped, not restricted, consenting to matching, with
    room (cheap filters in SQL), their ``programmes`` and ``consents`` loaded (the eligibility rule reads both)."""
    query = (
        select(Volunteer)
        .where(
            Volunteer.intake_outcome == IntakeOutcome.GESCHIKT,
            Volunteer.rescreening_since.is_(None),
            Volunteer.stopped_at.is_(None),
            Volunteer.restricted_at.is_(None),
            Volunteer.consents_to_matching,
            Volunteer.places_taken < Volunteer.capacity,
        )
        .options(selectinload(Volunteer.consents))
        .order_by(Volunteer.id)
    )
    if programme_code is not None:
        query = query.where(
            Volunteer.id.in_(
                select(volunteer_programmes.c.volunteer_id).where(
                    volunteer_programmes.c.programme_code == programme_code
                )
            )
        )
    volunteers = list(session.scalars(query))
    _load_programmes_of(session, volunteers, query)
    return volunteers


def _load_programmes_of(session: Session, volunteers: list[Volunteer], query: Select[Any]) -> None:
    """Fill each volunteer's ``programmes`` from one query of the link table: a selectinload would fetch every
    programme again for every volunteer (25,000 volunteers: 1.9 s against 0.2 s)."""
    programmes = load_programmes(session)
    chosen = query.with_only_columns(Volunteer.id).order_by(None)
    links = session.execute(
        select(volunteer_programmes.c.volunteer_id, volunteer_programmes.c.programme_code)
        .join(Programme, Programme.code == volunteer_programmes.c.programme_code)
        .where(volunteer_programmes.c.volunteer_id.in_(chosen))
        .order_by(volunteer_programmes.c.volunteer_id, Programme.sort_order, Programme.code)
    )
    of_volunteer: dict[int, list[Programme]] = {v.id: [] for v in volunteers}
    for volunteer_id, code in links:
        if volunteer_id in of_volunteer:
            of_volunteer[volunteer_id].append(programmes[code])
    for volunteer in volunteers:
        set_committed_value(volunteer, "programmes", of_volunteer[volunteer.id])


def _waiting_query(programme_code: str | None) -> Select[Any]:
    query = (
        select(Resident)
        .where(
            Resident.status == ResidentStatus.WACHTEND,
            Resident.intake_on.is_not(None),
            Resident.restricted_at.is_(None),
        )
        .order_by(Resident.id)
    )
    if programme_code is not None:
        query = query.where(Resident.programme_code == programme_code)
    return query


def waiting_residents(session: Session, programme_code: str | None = None) -> list[Resident]:
    """The residents in a run's scope: waiting, with the intake talk held (``webapp.rules.may_be_matched``, in SQL),
    and processing not restricted (a data subject request under the AVG). Whether they consent to matching is not
    asked here: ``load_run_input`` leaves out those who do not."""
    return list(session.scalars(_waiting_query(programme_code)))


def _waiting_residents_and_consent(session: Session, programme_code: str | None) -> list[tuple[Resident, bool]]:
    """``waiting_residents`` with whether each one's consent for matching stands, asked in SQL (the consents
    themselves, loaded as objects, took 4.9 s of 7.3 s for 44,000 residents)."""
    query = _waiting_query(programme_code).add_columns(Resident.consents_to_matching)
    return [(resident, bool(consents)) for resident, consents in session.execute(query)]


@dataclass(frozen=True)
class EngineInput:
    """Everything one call of the engine needs, plus the residents that could not be converted."""

    volunteers: tuple[matcher.Volunteer, ...]
    residents: tuple[matcher.Resident, ...]
    rules: matcher.MatchRules
    #: (id, waiting days) of waiting residents whose postcode area is not in the PC4 table.
    residents_without_location: tuple[tuple[int, int], ...]
    vog_valid_years: int
    #: Waiting residents in scope left out because nobody held the intake talk with them yet.
    residents_without_intake: int = 0
    #: (id, waiting days) of waiting residents left out because their consent for matching does not stand.
    residents_without_consent: tuple[tuple[int, int], ...] = ()


def engine_volunteers(
    volunteers: Iterable[Volunteer], programmes_by_code: Mapping[str, Programme], today: date, vog_valid_years: int
) -> tuple[matcher.Volunteer, ...]:
    converted = (to_engine_volunteer(v, programmes_by_code, today, vog_valid_years) for v in volunteers)
    return tuple(v for v in converted if v is not None)


def load_run_input(
    session: Session, config: Mapping[str, Any], programme_code: str | None = None, today: date | None = None
) -> EngineInput:
    """The engine's input for a run over every waiting resident (of one programme, when given)."""
    today = today or local_today()
    vog_valid_years = int(config["SAMEN_VOG_VALID_YEARS"])
    programmes_by_code = load_programmes(session)
    with cycle_collection_paused():
        volunteers = engine_volunteers(
            candidate_volunteers(session, programme_code), programmes_by_code, today, vog_valid_years
        )
        residents = []
        without_location = []
        without_consent = []
        for row, consents in _waiting_residents_and_consent(session, programme_code):
            if not consents:
                without_consent.append((row.id, max(0, (today - row.waiting_since).days)))
                continue
            converted = to_engine_resident(row, today)
            if converted is None:
                without_location.append((row.id, max(0, (today - row.waiting_since).days)))
            else:
                residents.append(converted)
    rules = match_rules(config, programmes_by_code, excluded_pairs(session, today=today))
    without_intake = select(func.count(Resident.id)).where(
        Resident.status == ResidentStatus.WACHTEND, Resident.intake_on.is_(None)
    )
    if programme_code is not None:
        without_intake = without_intake.where(Resident.programme_code == programme_code)
    return EngineInput(
        tuple(volunteers),
        tuple(residents),
        rules,
        tuple(without_location),
        vog_valid_years,
        residents_without_intake=int(session.scalar(without_intake) or 0),
        residents_without_consent=tuple(without_consent),
    )
