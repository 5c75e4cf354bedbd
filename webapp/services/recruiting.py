"""Wie zoeken we? Which new volunteers would help the residents for whom nobody fits now.

From the waiting list as it is now (a run's input, ``convert.load_run_input``), the engine's run says which
waiting residents have no feasible volunteer at all. For each of them, each of their part-days (or, when their
programme asks for more common part-days, that many of theirs in a row) and each of their languages, a typical new
volunteer is imagined in their postcode area (a profile): one place, screened, with the VOG their programme asks
for, travelling as far as the current volunteers' median, of an age the programme's rule allows, of the gender the
resident asks for. ``matcher.evaluate_recruits`` then says exactly, per profile, how many more residents the
optimal run would match with one such volunteer added, and which residents without any feasible volunteer would
have one. Profiles are ranked by those two numbers (the best one per programme and area is listed); areas, part-days,
languages and programmes by their best profile. Each matching run's worker works this out for the waiting list it
saw, with its own result (no second run), and stores it with the run (``match_runs.recruiting``, as
:func:`as_json`); the page shows the latest (:func:`latest_report`).
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import matcher
from webapp import convert
from webapp.models import MatchRun, Resident, RunStatus, utcnow

#: How many rows each list shows.
TOP = 10
#: The age of a new volunteer when a programme bounds it and no current volunteer's age is known.
DEFAULT_VOLUNTEER_AGE = 40


@dataclass(frozen=True)
class Profile:
    """A volunteer to look for: where they live, when they can, what they speak, for which programme."""

    programme: str
    pc4: str
    slots: tuple[str, ...]  # in week order
    language: str | None  # None: the residents gave no language, so any will do
    gender: str | None  # the gender the residents ask for, or None

    @property
    def sort_key(self) -> tuple[str, str, tuple[int, ...], str, str]:
        week_order = tuple(matcher.SLOTS.index(slot) for slot in self.slots)
        return (self.programme, self.pc4, week_order, self.language or "", self.gender or "")


@dataclass(frozen=True)
class ProfileGain:
    """What one new volunteer of a profile would change."""

    profile: Profile
    matched_gain: int  # residents more that the best run matches
    unblocked: int  # residents without any feasible volunteer who would have this one
    feasible_waiting: int  # every waiting resident this volunteer could be matched with

    @property
    def rank_key(self) -> tuple[int, int, int, tuple[str, str, tuple[int, ...], str, str]]:
        """Most residents matched first, then most unblocked, then most waiting residents it fits."""
        return (-self.matched_gain, -self.unblocked, -self.feasible_waiting, self.profile.sort_key)


@dataclass(frozen=True)
class GapRow:
    """One area, part-day, language or programme: its residents without any feasible volunteer, and the best single
    new volunteer there."""

    key: str
    without_feasible: int
    best: ProfileGain


@dataclass(frozen=True)
class RecruitingGaps:
    """The page: the figures of the waiting list, the best profiles and the four lists."""

    computed_at: datetime
    programme_code: str | None
    residents: int  # residents in the run
    waiting: int  # of them, left waiting by the best run
    without_feasible: int  # of those, with no feasible volunteer at all
    beyond_recruiting: int  # of those, residents no profile gives a feasible volunteer (e.g. an age rule)
    without_location: int  # waiting residents whose postcode area is unknown (no volunteer can be placed there)
    without_intake: int  # waiting residents nobody held the intake talk with yet (not in runs)
    volunteers: int  # volunteers in the run
    typical_distance_km: float | None  # the travel distance given to the profiles (None: the programme's limit)
    profiles: int
    best_profiles: tuple[ProfileGain, ...]
    areas: tuple[GapRow, ...]
    slots: tuple[GapRow, ...]
    languages: tuple[GapRow, ...]
    programmes: tuple[GapRow, ...]
    seconds: float


def _median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def _typical_age(rule: matcher.AgeRule | None, ages: Sequence[int]) -> int | None:
    """An age a programme's volunteer-side rule allows: the current volunteers' median, moved within the bounds."""
    if rule is None or not rule.bounds_volunteer:
        return None
    age = int(statistics.median(ages)) if ages else DEFAULT_VOLUNTEER_AGE
    if rule.volunteer_max_age is not None:
        age = min(age, rule.volunteer_max_age)
    if rule.volunteer_min_age is not None:
        age = max(age, rule.volunteer_min_age)
    return age


def _min_common_slots(rules: matcher.MatchRules, programme: str) -> int:
    own = rules.programme_rules.get(programme)
    return own.min_common_slots if own is not None and own.min_common_slots is not None else rules.min_common_slots


def slot_choices(availability: Iterable[str], needed: int) -> list[tuple[str, ...]]:
    """The part-days a profile offers, from one resident's: each single part-day, or when the programme asks for
    ``needed`` > 1 in common, each run of that many of theirs in week order (wrapping round the week)."""
    own = [slot for slot in matcher.SLOTS if slot in set(availability)]
    size = max(1, needed)
    if len(own) < size:
        return []
    if size == 1:
        return [(slot,) for slot in own]
    doubled = own + own
    return [tuple(doubled[i : i + size]) for i in range(len(own))]


def _profiles_for(
    resident: matcher.Resident, pc4: str, rules: matcher.MatchRules
) -> Iterable[tuple[Profile, frozenset[str]]]:
    languages: list[str | None] = [*sorted(resident.languages)] or [None]
    for slots in slot_choices(resident.availability, _min_common_slots(rules, resident.programme)):
        for language in languages:
            profile = Profile(resident.programme, pc4, slots, language, resident.preferred_gender)
            yield profile, frozenset({language} if language else ())


def _best_by(
    gains: Iterable[ProfileGain],
    keys_of: Callable[[Profile], Iterable[str]],
    residents: Iterable[tuple[matcher.Resident, str]],
    resident_keys: Callable[[matcher.Resident, str], Iterable[str]],
) -> tuple[GapRow, ...]:
    best: dict[str, ProfileGain] = {}
    for gain in gains:
        for key in keys_of(gain.profile):
            current = best.get(key)
            if current is None or gain.rank_key < current.rank_key:
                best[key] = gain
    counts: dict[str, int] = defaultdict(int)
    for resident, pc4 in residents:
        for key in set(resident_keys(resident, pc4)):
            counts[key] += 1
    rows = [GapRow(key, counts[key], gain) for key, gain in best.items()]
    rows.sort(key=lambda row: (*row.best.rank_key[:3], -row.without_feasible, row.key))
    return tuple(rows[:TOP])


def _best_per_area(ranked: Iterable[ProfileGain]) -> tuple[ProfileGain, ...]:
    """The best profiles, one per programme and area: the part-days and languages that do as well show in their own
    lists."""
    seen: set[tuple[str, str]] = set()
    best = []
    for gain in ranked:
        where = (gain.profile.programme, gain.profile.pc4)
        if where not in seen:
            seen.add(where)
            best.append(gain)
    return tuple(best[:TOP])


def recruiting_gaps(session: Session, config: Mapping[str, Any], programme_code: str | None = None) -> RecruitingGaps:
    """Where one new volunteer would help most, from the waiting list as it is now (one programme, or all).

    A whole run of the engine and then the profiles: over a region that takes longer than a web request may
    (25,000 volunteers and 44,000 residents: 38 s, cut off by gunicorn at 30 s), so the page shows what each
    run's worker stored (:func:`gaps_after_run`, :func:`latest_report`); this is for the benchmark and tests.
    """
    started = time.perf_counter()
    data = convert.load_run_input(session, config, programme_code)
    baseline = matcher.propose_matches(data.volunteers, data.residents, data.rules)
    return gaps_after_run(session, data, baseline, programme_code, started)


def gaps_after_run(
    session: Session,
    data: convert.EngineInput,
    baseline: matcher.MatchResult,
    programme_code: str | None,
    started: float | None = None,
) -> RecruitingGaps:
    """Wie zoeken we? for the waiting list a run saw (``data``) and the run's own result (``baseline``)."""
    started = time.perf_counter() if started is None else started
    stuck_ids = {u.resident_id for u in baseline.unmatched if u.feasible_volunteers == 0}
    pc4_of: dict[Hashable, str] = (
        dict(session.execute(select(Resident.id, Resident.pc4).where(Resident.id.in_(stuck_ids))).all())
        if stuck_ids
        else {}
    )
    stuck = [(r, pc4_of[r.id]) for r in data.residents if r.id in stuck_ids]

    distance = _median([v.max_distance_km for v in data.volunteers if v.max_distance_km is not None])
    ages = [v.age for v in data.volunteers if v.age is not None]
    recruits: dict[Profile, matcher.Volunteer] = {}
    for resident, pc4 in stuck:
        age = _typical_age(data.rules.age_rules.get(resident.programme), ages)
        for profile, languages in _profiles_for(resident, pc4, data.rules):
            if profile in recruits:
                continue
            recruit = convert.to_engine_recruit(
                profile, pc4, profile.programme, profile.slots, languages, profile.gender, age, distance
            )
            if recruit is not None:
                recruits[profile] = recruit

    report = matcher.evaluate_recruits(
        data.volunteers, data.residents, list(recruits.values()), data.rules, baseline=baseline
    )
    gains = [
        ProfileGain(profile, o.matched_gain, len(o.unblocked), len(o.feasible_waiting))
        for profile, o in zip(recruits, report.outcomes, strict=True)
    ]
    # A profile that helps nobody is no advice.
    helpful = sorted((g for g in gains if g.matched_gain or g.unblocked), key=lambda g: g.rank_key)
    unblocked = {rid for o in report.outcomes for rid in o.unblocked}
    return RecruitingGaps(
        computed_at=utcnow(),
        programme_code=programme_code,
        residents=len(data.residents),
        waiting=len(baseline.unmatched),
        without_feasible=len(stuck),
        beyond_recruiting=sum(1 for r, _ in stuck if r.id not in unblocked),
        without_location=len(data.residents_without_location),
        without_intake=data.residents_without_intake,
        volunteers=len(data.volunteers),
        typical_distance_km=distance,
        profiles=len(recruits),
        best_profiles=_best_per_area(helpful),
        areas=_best_by(helpful, lambda p: (p.pc4,), stuck, lambda r, pc4: (pc4,)),
        slots=_best_by(helpful, lambda p: p.slots, stuck, lambda r, pc4: r.availability),
        languages=_best_by(helpful, lambda p: (p.language,) if p.language else (), stuck, lambda r, pc4: r.languages),
        programmes=_best_by(helpful, lambda p: (p.programme,), stuck, lambda r, pc4: (r.programme,)),
        seconds=time.perf_counter() - started,
    )


# -- stored with the run ------------------------------------------------------------------------------------


def as_json(gaps: RecruitingGaps) -> dict[str, Any]:
    """The report as the run's ``recruiting`` column keeps it; :func:`from_json` reads it back."""
    return dataclasses.asdict(gaps) | {"computed_at": gaps.computed_at.isoformat()}


def _profile_gain(data: Mapping[str, Any]) -> ProfileGain:
    profile = Profile(**(data["profile"] | {"slots": tuple(data["profile"]["slots"])}))
    return ProfileGain(profile, data["matched_gain"], data["unblocked"], data["feasible_waiting"])


def from_json(data: Mapping[str, Any]) -> RecruitingGaps:
    def rows(name: str) -> tuple[GapRow, ...]:
        return tuple(GapRow(row["key"], row["without_feasible"], _profile_gain(row["best"])) for row in data[name])

    return RecruitingGaps(
        **{name: data[name] for name in _FIGURES},
        computed_at=datetime.fromisoformat(data["computed_at"]),
        best_profiles=tuple(_profile_gain(gain) for gain in data["best_profiles"]),
        areas=rows("areas"),
        slots=rows("slots"),
        languages=rows("languages"),
        programmes=rows("programmes"),
    )


_FIGURES = tuple(
    f.name
    for f in dataclasses.fields(RecruitingGaps)
    if f.name not in {"computed_at", "best_profiles", "areas", "slots", "languages", "programmes"}
)


@dataclass(frozen=True)
class LatestReport:
    """What the page shows: the newest finished run of the scope and its report (None: the run kept none)."""

    run: MatchRun | None
    gaps: RecruitingGaps | None
    failed: bool  # the run's worker could not work it out
    running: MatchRun | None  # a run of the scope queued or running now


def latest_report(session: Session, programme_code: str | None) -> LatestReport:
    """The report of the newest finished run over exactly this scope (one programme, or the whole list)."""
    scope = MatchRun.programme_code.is_(None) if programme_code is None else MatchRun.programme_code == programme_code
    newest = select(MatchRun).where(scope).order_by(MatchRun.started_at.desc(), MatchRun.id.desc()).limit(1)
    run = session.scalar(newest.where(MatchRun.status == RunStatus.KLAAR))
    running = session.scalar(newest.where(MatchRun.status.in_((RunStatus.WACHTRIJ, RunStatus.BEZIG))))
    stored = run.recruiting if run is not None else None
    failed = stored is not None and "error" in stored
    gaps = from_json(stored) if stored is not None and not failed else None
    return LatestReport(run, gaps, failed, running)
