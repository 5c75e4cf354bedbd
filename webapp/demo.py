"""Loading the invented Rijswijk demo data from seed_data/ (for local use and demonstrations only).

The people come from the CSV files; their matches are told here as short stories, one for each state a match can
be in, and played through the same services a coordinator uses (``webapp.services.matches`` for every step),
dated in the past with their ``today=`` and ``at=`` so that timelines, check-ins and waiting times look real.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.clock import local_date, stored_moment
from webapp.enums import CheckInMethod, CheckInVerdict, CheckInWith, MatchStatus, MeasurementMoment
from webapp.loneliness import EMOTIONAL_ITEMS, ITEM_COUNT
from webapp.models import (
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    Gender,
    IntakeOutcome,
    Match,
    Organisation,
    OrganisationKind,
    Programme,
    Referral,
    Resident,
    ResidentSource,
    ResidentStatus,
    Role,
    User,
    VogStatus,
    Volunteer,
    utcnow,
)
from webapp.postcodes import parse_postcode
from webapp.rules import needs_representative
from webapp.security import hash_password
from webapp.services import consent, matches, measurements, outbox, referrals, residents, screening
from webapp.services.matching import candidates_for

SEED_DIR = Path(__file__).resolve().parent.parent / "seed_data"


@dataclass(frozen=True)
class DemoCounts:
    organisations: int
    accounts: int
    volunteers: int
    residents: int
    matches: int
    introductions: int = 0
    active: int = 0
    ended: int = 0


def _rows(name: str) -> Iterator[dict[str, str]]:
    with (SEED_DIR / name).open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def _split(value: str) -> list[str]:
    return [part for part in value.split(";") if part]


def _days_ago(today: date, value: str) -> date | None:
    return today - timedelta(days=int(value)) if value else None


def _birth_date(today: date, age: str) -> date | None:
    # Mid-year birthdays keep the stated age whatever today's date is.
    return date(today.year - int(age), 7, 1) if age else None


# The controller under the AVG: only its staff see residents' data without an admin's confirmation.
CONTROLLER = "Welzijn Rijswijk"


def database_is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Organisation))


def load_demo_data(session: Session, today: date) -> DemoCounts:
    """Add the demo organisations, accounts, volunteers, residents, their matches in every state and a few
    planned intake talks. Never commits; needs the app context (the matching engine reads its settings)."""
    organisations = {
        row["name"]: Organisation(
            name=row["name"], kind=OrganisationKind(row["kind"]), is_controller=row["name"] == CONTROLLER
        )
        for row in _rows("organisations.csv")
    }
    session.add_all(organisations.values())

    accounts = {}
    for row in _rows("accounts.csv"):
        accounts[row["email"]] = User(
            email=row["email"],
            name=row["name"],
            role=Role(row["role"]),
            organisation=organisations[row["organisation"]],
            password_hash=hash_password(row["password"]),
            must_change_password=False,
        )
    session.add_all(accounts.values())
    coordinator = accounts["coordinator@samen.test"]
    programmes = {p.code: p for p in session.scalars(select(Programme))}

    volunteers = [volunteer_from_row(row, programmes, coordinator, today) for row in _rows("volunteers.csv")]
    session.add_all(volunteers)

    people = [resident_from_row(row, programmes, accounts, coordinator, today) for row in _rows("residents.csv")]
    session.add_all(people)
    session.flush()
    record_consents(session, volunteers, people, coordinator)
    for resident in people:
        if resident.referral is not None and resident.intake_on is not None:
            # The referrer sees "in behandeling" from the day of the intake talk, as if it had been recorded then.
            referrals.refresh_status(session, resident.id, _at(resident.intake_on, 15))

    staff = (coordinator, accounts["coordinator2@samen.test"])
    made = _play_stories(session, STORIES, people, staff, today)
    measure_loneliness(session, volunteers, people, made, staff, today)
    _plan_intake_talks(session, volunteers, people, staff, today)
    outbox.discard_unsent(session)
    session.flush()
    by_status = {status: sum(1 for m in made if m.status is status) for status in MatchStatus}
    return DemoCounts(
        len(organisations),
        len(accounts),
        len(volunteers),
        len(people),
        len(made),
        introductions=by_status[MatchStatus.KENNISMAKING],
        active=by_status[MatchStatus.ACTIEF],
        ended=by_status[MatchStatus.BEEINDIGD],
    )


def volunteer_from_row(
    row: Mapping[str, str], programmes: Mapping[str, Programme], coordinator: User, today: date
) -> Volunteer:
    """A volunteer from a row shaped like seed_data/volunteers.csv (the web benchmark draws more of them)."""
    postcode, area = parse_postcode(row["postcode"])
    signed_up = _at(today - timedelta(days=int(row["signed_up_days_ago"])), 10)
    outcome = IntakeOutcome(row["intake_outcome"]) if row["intake_outcome"] else None
    vog_status = VogStatus(row["vog_status"])
    return Volunteer(
        first_name=row["first_name"],
        last_name=row["last_name"],
        email=row["email"],
        phone=row["phone"],
        birth_date=_birth_date(today, row["age"]),
        postcode=postcode,
        pc4=area.pc4,
        gender=Gender(row["gender"]),
        programmes=[programmes[code] for code in _split(row["programmes"])],
        interests=_split(row["interests"]),
        languages=_split(row["languages"]),
        availability=_split(row["availability"]),
        max_distance_km=float(row["max_distance_km"]),
        capacity=int(row["capacity"]),
        motivation=row["motivation"],
        lonely_themselves=row["lonely_themselves"] == "1",
        created_at=signed_up,
        intake_outcome=outcome,
        intake_on=_days_ago(today, row["intake_days_ago"]),
        intake_by=coordinator if outcome else None,
        vog_status=vog_status,
        vog_requested_on=_days_ago(today, row["vog_requested_days_ago"]),
        vog_issued_on=_days_ago(today, row["vog_issued_days_ago"]),
        vog_checked_by=coordinator if vog_status is VogStatus.AFGEGEVEN else None,
    )


def resident_from_row(
    row: Mapping[str, str],
    programmes: Mapping[str, Programme],
    accounts: Mapping[str, User],
    coordinator: User,
    today: date,
) -> Resident:
    """A resident, referred when ``referred_by`` names an account, from a row shaped like seed_data/residents.csv."""
    postcode, area = parse_postcode(row["postcode"])
    waiting_since = today - timedelta(days=int(row["waiting_days"]))
    referrer = accounts.get(row["referred_by"])
    intake_on = _days_ago(today, row["intake_days_ago"])
    resident = Resident(
        first_name=row["first_name"],
        last_name=row["last_name"],
        phone=row["phone"],
        birth_date=_birth_date(today, row["age"]),
        postcode=postcode,
        pc4=area.pc4,
        address=row["address"],
        gender=Gender(row["gender"]),
        preferred_gender=Gender(row["preferred_gender"]) if row["preferred_gender"] else None,
        programme=programmes[row["programme"]],
        interests=_split(row["interests"]),
        languages=_split(row["languages"]),
        availability=_split(row["availability"]),
        max_distance_km=float(row["max_distance_km"]) if row["max_distance_km"] else None,
        notes=row["notes"],
        source=ResidentSource.VERWIJZING if referrer else ResidentSource.COORDINATOR,
        waiting_since=waiting_since,
        intake_on=intake_on,
        intake_by=coordinator if intake_on else None,
        created_at=_at(waiting_since, 11),
    )
    if referrer is not None:
        resident.referral = Referral(
            referrer=referrer,
            organisation=referrer.organisation,
            reason=row["reason"],
            created_at=resident.created_at,
            status_changed_at=resident.created_at,  # received on that day; later changes move it on
        )
    return resident


DEMO_TEXT_VERSION = "2026-11"


def record_consents(
    session: Session, volunteers: Sequence[Volunteer], people: Sequence[Resident], coordinator: User
) -> None:
    """The consents the demo people gave, through the consent service (the rows must have been flushed): every
    volunteer's on the sign-up form; every resident's for intake and matching, told to their referrer or the
    coordinator on the day they signed up, and a referred resident's for sharing the status with the referrer."""
    for volunteer in volunteers:
        given = consent.GivenConsent(
            ConsentPurpose.INTAKE_MATCHING,
            ConsentGiver.PERSON,
            ConsentMethod.ONLINE,
            local_date(volunteer.created_at),
            DEMO_TEXT_VERSION,
        )
        consent.give(session, volunteer, given, None, today=given.given_on)
    for resident in people:
        purposes = [ConsentPurpose.INTAKE_MATCHING]
        if resident.referral is not None:
            purposes.append(ConsentPurpose.SHARE_STATUS)
        recorded_by = resident.referral.referrer if resident.referral is not None else coordinator
        young = needs_representative(resident.birth_date, resident.waiting_since)
        giver = ConsentGiver.REPRESENTATIVE if young else ConsentGiver.PERSON
        for purpose in purposes:
            given = consent.GivenConsent(
                purpose, giver, ConsentMethod.MONDELING, resident.waiting_since, DEMO_TEXT_VERSION
            )
            consent.give(session, resident, given, recorded_by, today=given.given_on)


# -- the matches: one story for each state ---------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInStory:
    """A check-in, ``after_days`` after the start."""

    after_days: int
    with_whom: CheckInWith = CheckInWith.BEIDEN
    method: CheckInMethod = CheckInMethod.TELEFOON
    verdict: CheckInVerdict = CheckInVerdict.GOED
    note: str = ""


@dataclass(frozen=True)
class EndingStory:
    """How an active match ended, ``days_ago``."""

    days_ago: int
    reason: str
    resident_returns: bool
    note: str = ""


@dataclass(frozen=True)
class Story:
    """One match's life, in days before today: chosen, the introduction planned (for a day that may lie ahead:
    negative days ago), its outcome or its cancellation, check-ins, the ending."""

    name: str
    chosen_days_ago: int
    planned_days_ago: int | None = None
    introduction_days_ago: int | None = None
    introduction_time: time = time(14)
    place: str = "bij de bewoner thuis"
    both_yes: bool | None = None
    cancelled: tuple[int, str] | None = None
    check_ins: tuple[CheckInStory, ...] = ()
    ending: EndingStory | None = None


# Check-ins fall due 6 weeks, 3, 6 and 12 months after the start (SAMEN_CHECK_IN_SCHEDULE), each with 14 days
# either side; a match reaches its maximum after 24 months, flagged 60 days before. The stories are dated so that
# each lands in its state with those defaults.
STORIES: tuple[Story, ...] = (
    Story("kennismaking plannen", chosen_days_ago=3),
    Story("kennismaking plannen", chosen_days_ago=6),
    Story(
        "kennismaking gepland",
        chosen_days_ago=8,
        planned_days_ago=6,
        introduction_days_ago=-4,
        introduction_time=time(10, 30),
        place="Huis van de Stad, Generaal Spoorlaan",
    ),
    Story("uitkomst vastleggen", chosen_days_ago=12, planned_days_ago=10, introduction_days_ago=2),
    Story("contactmoment nu", chosen_days_ago=55, planned_days_ago=53, introduction_days_ago=45, both_yes=True),
    Story(
        "loopt, contactmomenten op tijd",
        chosen_days_ago=112,
        planned_days_ago=110,
        introduction_days_ago=100,
        both_yes=True,
        check_ins=(
            CheckInStory(43, note="Ze wandelen elke dinsdag samen naar de markt."),
            CheckInStory(95, CheckInWith.BEWONER, CheckInMethod.BEZOEK),
        ),
    ),
    Story(
        "loopt, contactmomenten op tijd",
        chosen_days_ago=172,
        planned_days_ago=170,
        introduction_days_ago=160,
        both_yes=True,
        place="Bibliotheek aan de Vliet",
        check_ins=(
            CheckInStory(44, CheckInWith.VRIJWILLIGER),
            CheckInStory(
                90,
                CheckInWith.BEIDEN,
                CheckInMethod.BEZOEK,
                CheckInVerdict.ZORGEN,
                "Bewoner zegt vaker af; volgende keer samen bespreken wat beter past.",
            ),
        ),
    ),
    Story(
        "contactmoment te laat",
        chosen_days_ago=136,
        planned_days_ago=133,
        introduction_days_ago=125,
        both_yes=True,
        check_ins=(CheckInStory(44, CheckInWith.BEWONER),),
    ),
    Story(
        "alle contactmomenten gedaan",
        chosen_days_ago=412,
        planned_days_ago=410,
        introduction_days_ago=400,
        both_yes=True,
        check_ins=(
            CheckInStory(42),
            CheckInStory(91, CheckInWith.VRIJWILLIGER, CheckInMethod.EMAIL),
            CheckInStory(180, CheckInWith.BEIDEN, CheckInMethod.BEZOEK),
            CheckInStory(366, note="Een jaar samen; ze koken om de week bij elkaar."),
        ),
    ),
    Story(
        "bijna op de maximale duur",
        chosen_days_ago=718,
        planned_days_ago=715,
        introduction_days_ago=705,
        both_yes=True,
        place="Buurthuis De Bron",
        check_ins=(
            CheckInStory(43),
            CheckInStory(92, CheckInWith.BEWONER),
            CheckInStory(184, CheckInWith.BEIDEN, CheckInMethod.BEZOEK),
            CheckInStory(368),
            CheckInStory(545, note="Ze willen graag samen verder; rond de twee jaar een eindgesprek plannen."),
        ),
    ),
    Story("geen klik", chosen_days_ago=40, planned_days_ago=38, introduction_days_ago=33, both_yes=False),
    Story(
        "kennismaking geannuleerd",
        chosen_days_ago=28,
        planned_days_ago=27,
        introduction_days_ago=20,
        cancelled=(22, "De bewoner is opgenomen in het ziekenhuis; na het herstel opnieuw bekijken."),
    ),
    Story(
        "beëindigd: doel bereikt",
        chosen_days_ago=200,
        planned_days_ago=198,
        introduction_days_ago=190,
        both_yes=True,
        check_ins=(
            CheckInStory(42),
            CheckInStory(91, CheckInWith.BEWONER, CheckInMethod.BEZOEK),
            CheckInStory(182, note="Mevrouw gaat nu zelf twee keer per week naar de inloop in het buurthuis."),
        ),
        ending=EndingStory(6, "doel_bereikt", resident_returns=False),
    ),
    Story(
        "beëindigd: verhuisd",
        chosen_days_ago=160,
        planned_days_ago=158,
        introduction_days_ago=150,
        both_yes=True,
        check_ins=(CheckInStory(41), CheckInStory(95, CheckInWith.VRIJWILLIGER)),
        ending=EndingStory(
            25,
            "verhuisd",
            resident_returns=True,
            note="Woont een paar maanden bij de dochter in Zoetermeer; daarna graag een nieuw maatje.",
        ),
    ),
    Story(
        "beëindigd: zorgen over veiligheid",
        chosen_days_ago=92,
        planned_days_ago=90,
        introduction_days_ago=80,
        both_yes=True,
        check_ins=(
            CheckInStory(
                43,
                CheckInWith.BEWONER,
                CheckInMethod.BEZOEK,
                CheckInVerdict.ZORGEN,
                "Bewoner vertelde dat het maatje om geld vroeg.",
            ),
        ),
        ending=EndingStory(
            9,
            "veiligheid",
            resident_returns=True,
            note="De bewoner voelde zich onder druk gezet om geld te lenen. Gesprek met de vrijwilliger volgt.",
        ),
    ),
)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment at a local time on ``day``, never later than now: a step dated today happened already."""
    return min(stored_moment(day, time(hour, minute)), utcnow())


@dataclass
class _Cast:
    """Who is still free to play a part: each person has one story, so no one's timeline overlaps another's."""

    residents: list[Resident]
    used_volunteers: set[int] = field(default_factory=set)
    used_residents: set[int] = field(default_factory=set)


def _pair_for(session: Session, cast: _Cast, config: Mapping[str, Any], chosen_on: date) -> tuple[Resident, int]:
    """The longest-waiting resident (intake talk held before ``chosen_on``) with a volunteer the engine finds
    feasible on that day, screened and signed up before it; the best-ranked such volunteer."""
    waiting = sorted(
        (
            r
            for r in cast.residents
            if r.id not in cast.used_residents
            and r.status is ResidentStatus.WACHTEND
            and r.intake_on is not None
            and r.intake_on < chosen_on
        ),
        key=lambda r: (r.waiting_since, r.id),
    )
    for resident in waiting:
        ranked = candidates_for(session, resident.id, config, k=10, today=chosen_on).candidates
        for candidate in ranked:
            volunteer = candidate.volunteer
            if (
                volunteer.id not in cast.used_volunteers
                and local_date(volunteer.created_at) <= chosen_on
                and volunteer.intake_on is not None
                and volunteer.intake_on < chosen_on
            ):
                return resident, volunteer.id
    raise LookupError(f"no demo pair for a match chosen on {chosen_on}")


def _play(session: Session, story: Story, resident: Resident, volunteer_id: int, by: User, today: date) -> Match:
    """Take one pair through its story, step by step, each step dated on its day."""

    def day(days_ago: int) -> date:
        return today - timedelta(days=days_ago)

    chosen_on = day(story.chosen_days_ago)
    match = matches.match_by_hand(session, resident.id, volunteer_id, by, at=_at(chosen_on, 9, 30))
    if story.planned_days_ago is None or story.introduction_days_ago is None:
        return match
    planned_on = day(story.planned_days_ago)
    introduction_on = day(story.introduction_days_ago)
    introduction = matches.Introduction(introduction_on, story.introduction_time, story.place, coordinator_joins=True)
    matches.plan_introduction(session, match.id, by, introduction, today=planned_on, at=_at(planned_on, 10))
    if story.cancelled is not None:
        cancelled_days_ago, note = story.cancelled
        cancelled_on = day(cancelled_days_ago)
        return matches.cancel_introduction(session, match.id, by, note, today=cancelled_on, at=_at(cancelled_on, 11))
    if story.both_yes is None:
        return match
    outcome_at = _at(introduction_on, 16)
    match = matches.record_outcome(
        session,
        match.id,
        by,
        both_yes=story.both_yes,
        started_on=introduction_on if story.both_yes else None,
        today=introduction_on,
        at=outcome_at,
    )
    for check_in in story.check_ins:
        held_on = introduction_on + timedelta(days=check_in.after_days)
        record = matches.CheckInRecord(held_on, check_in.with_whom, check_in.method, check_in.verdict, check_in.note)
        matches.record_check_in(session, match.id, by, record, today=held_on, at=_at(held_on, 15))
    if story.ending is not None:
        ended_on = day(story.ending.days_ago)
        ending = matches.Ending(story.ending.reason, ended_on, story.ending.note, story.ending.resident_returns)
        match = matches.end_match(session, match.id, by, ending, today=ended_on, at=_at(ended_on, 11))
    return match


def _play_stories(
    session: Session, stories: Sequence[Story], people: list[Resident], staff: Sequence[User], today: date
) -> list[Match]:
    """Play the stories, the oldest first, each with the longest-waiting resident who has a feasible volunteer
    (as a coordinator would choose): the long matches go to the residents who signed up long ago."""
    cast = _Cast(people)
    config = current_app.config
    made = []
    oldest_first = sorted(enumerate(stories), key=lambda item: -item[1].chosen_days_ago)
    for index, story in oldest_first:
        resident, volunteer_id = _pair_for(session, cast, config, today - timedelta(days=story.chosen_days_ago))
        cast.used_residents.add(resident.id)
        cast.used_volunteers.add(volunteer_id)
        made.append(_play(session, story, resident, volunteer_id, staff[index % len(staff)], today))
    session.flush()
    for match in made:
        session.refresh(match)
    return made


def _plan_intake_talks(
    session: Session, volunteers: list[Volunteer], people: list[Resident], staff: Sequence[User], today: date
) -> None:
    """A few intake talks on the calendar: with the two oldest referrals nobody had spoken to yet, with the
    volunteer who signed up first and still waits, and with the volunteer sent back to screening."""
    coordinator = staff[0]
    not_contacted = sorted(
        (
            r
            for r in people
            if r.referral is not None
            and r.status is ResidentStatus.WACHTEND
            and r.intake_on is None
            and r.intake_planned_on is None
        ),
        key=lambda r: (r.created_at, r.id),
    )
    for resident, days_ahead, at in zip(not_contacted[:2], (2, 6), (time(10, 30), time(14)), strict=False):
        residents.plan_intake(session, coordinator, resident, today + timedelta(days=days_ahead), at, on=today)

    awaiting = sorted(
        (v for v in volunteers if v.intake_outcome is None and v.stopped_at is None), key=lambda v: (v.created_at, v.id)
    )
    to_rescreen = [v for v in volunteers if v.rescreening_since is not None]
    for volunteer, days_ahead in zip([*awaiting[:1], *to_rescreen], (1, 3, 4, 5), strict=False):
        screening.plan_intake(
            session, volunteer, coordinator, today + timedelta(days=days_ahead), volunteer.version, today=today
        )


# -- loneliness measured (De Jong Gierveld) ----------------------------------------------------------------------
# Most residents agree at their intake talk to the loneliness measurement and are measured then: mostly moderately or
# severely lonely (they are referred because they are lonely), a few very severely, a few not (any more). At each
# check-in of their match the coordinator measures again; most scores improve, not all. Residents still waiting
# after a few months are measured once in between, with little change. The volunteers who said they feel lonely (and
# take part) are measured at their intake talk, and at their check-ins or, without a match, three to six months
# later. Some answers are "wil/weet niet"; some people filled it in themselves through a link. All of it goes through
# the consent and measurement services, dated on its day (never after today).

_MEASURE_SEED = 1985  # De Jong Gierveld & Kamphuis
# The share of people with an intake talk who agree to the measurement, and of those measured through a link.
_LONELINESS_CONSENT_SHARE = 0.85
_BY_LINK_SHARE = 0.12
# (lowest, highest total, weight) of the intake scores: niet, matig, ernstig, zeer ernstig eenzaam.
_INTAKE_BANDS = ((1, 2, 5), (3, 8, 55), (9, 10, 28), (11, 11, 12))
# How many points lower the total ends up with a buddy (reached by the third check-in; mostly a few, now and then
# none or a little worse), and the change in between while waiting: (points, how many in a bag of them). Drawn from
# a bag, so that a handful of people shows the same spread on every load.
_BUDDY_EFFECT = ((-1, 1), (0, 2), (2, 4), (3, 4), (4, 3), (5, 2))
_WAITING = ((-2, 2), (-1, 5), (0, 7), (1, 4), (2, 2))
_IN_BETWEEN_AFTER_DAYS = 80  # about three months (and up to a month later)


@dataclass
class _Bag:
    """Draws without putting back, refilled (and shuffled) when empty: the spread of ``options`` holds even for a
    few draws."""

    rng: random.Random
    options: Sequence[tuple[int, int]]
    left: list[int] = field(default_factory=list)

    def draw(self) -> int:
        if not self.left:
            self.left = [value for value, count in self.options for _ in range(count)]
            self.rng.shuffle(self.left)
        return self.left.pop()


def demo_answers(rng: random.Random, total: int, missing: int = 0) -> list[str | None]:
    """Eleven answers whose total score is ``total``, with ``missing`` of them "wil/weet niet" (None)."""
    numbers = list(range(1, ITEM_COUNT + 1))
    lonely = set(rng.sample(numbers, total))
    answers: list[str | None] = []
    for number in numbers:
        emotional = number in EMOTIONAL_ITEMS
        if number in lonely:
            answers.append(rng.choice(("ja", "ja", "min of meer") if emotional else ("nee", "nee", "min of meer")))
        else:
            answers.append("nee" if emotional else "ja")
    for number in rng.sample(numbers, missing):
        answers[number - 1] = None
    return answers


def _clamped(total: int) -> int:
    return min(ITEM_COUNT, max(0, total))


def _at_check_in(rng: random.Random, intake: int, effect: int, number: int, verdict: CheckInVerdict, last: int) -> int:
    """The total at the ``number``-th check-in: on the way to ``intake - effect``, with a point of noise; worse than
    last time when the check-in brought concerns."""
    if verdict is CheckInVerdict.ZORGEN:
        return _clamped(last + rng.choice((1, 2)))
    return _clamped(intake - round(effect * min(1.0, number / 3)) + rng.choice((-1, 0, 0, 1)))


def _missing(rng: random.Random) -> int:
    """Most people answer everything; about one in twelve leaves one or two statements open."""
    roll = rng.random()
    return 2 if roll < 0.02 else 1 if roll < 0.08 else 0


def _intake_total(rng: random.Random) -> int:
    low, high, _weight = rng.choices(_INTAKE_BANDS, weights=[band[2] for band in _INTAKE_BANDS])[0]
    return rng.randint(low, high)


def _told_age(rng: random.Random) -> int | None:
    """The age a resident without a stored birth date tells at the measurement (most are older; some say nothing)."""
    roll = rng.random()
    if roll < 0.1:
        return None
    return rng.randint(66, 93) if roll < 0.72 else rng.randint(24, 64)


@dataclass
class _Measured:
    """One person's measurements as the demo takes them: the latest total, and the age they told."""

    total: int
    told_age: int | None = None


@dataclass
class _Changes:
    """Where the demo's changes of the total come from: with a buddy, and while waiting."""

    buddy: _Bag
    waiting: _Bag


def _give_loneliness_consent(session: Session, person: Resident | Volunteer, on: date, coordinator: User) -> None:
    young = needs_representative(person.birth_date, on)
    giver = ConsentGiver.REPRESENTATIVE if young else ConsentGiver.PERSON
    given = consent.GivenConsent(ConsentPurpose.LONELINESS, giver, ConsentMethod.MONDELING, on, DEMO_TEXT_VERSION)
    consent.give(session, person, given, coordinator, today=on)


def _measure(
    session: Session,
    rng: random.Random,
    person: Resident | Volunteer,
    state: _Measured,
    on: date,
    moment: MeasurementMoment,
    by: User,
    today: date,
    check_in_id: int | None = None,
) -> None:
    """One measurement with ``state.total`` as the total, taken with the coordinator or, now and then, through a
    link the person used a day or two later (when that day has come)."""
    answers = demo_answers(rng, state.total, _missing(rng))
    used_on = on + timedelta(days=rng.randint(1, 2))
    if check_in_id is None and rng.random() < _BY_LINK_SHARE and used_on <= today:
        new = measurements.create_link(session, by, person, moment, at=_at(on, 12))
        measurements.use_link(session, new.token, answers, now=_at(used_on, 19, 30))
        return
    measurements.record_measurement(
        session,
        by,
        person,
        answers,
        measured_on=on,
        moment=moment,
        check_in=check_in_id,
        age=state.told_age,
        today=today,
        at=_at(on, 14, 30),
    )


def _present(check_in_with: CheckInWith, resident: bool) -> bool:
    own = CheckInWith.BEWONER if resident else CheckInWith.VRIJWILLIGER
    return check_in_with in (own, CheckInWith.BEIDEN)


def _follow_up_at_check_ins(
    session: Session,
    rng: random.Random,
    person: Resident | Volunteer,
    state: _Measured,
    match: Match | None,
    effect: int,
    by: User,
    today: date,
) -> bool:
    """A measurement at each check-in of the person's match that they took part in, on the way to ``effect``
    points lower than at the intake; whether there was one."""
    resident = isinstance(person, Resident)
    check_ins = [c for c in match.check_ins if _present(c.with_whom, resident)] if match is not None else []
    intake = state.total
    for number, check_in in enumerate(check_ins, start=1):
        state.total = _at_check_in(rng, intake, effect, number, check_in.verdict, state.total)
        moment = MeasurementMoment.CHECK_IN
        _measure(session, rng, person, state, check_in.held_on, moment, by, today, check_in_id=check_in.id)
    return bool(check_ins)


def measure_loneliness(
    session: Session,
    volunteers: Sequence[Volunteer],
    people: Sequence[Resident],
    made: Sequence[Match],
    staff: Sequence[User],
    today: date,
) -> None:
    """The loneliness measurements of the demo's history (see the comment above)."""
    rng = random.Random(_MEASURE_SEED)
    changes = _Changes(_Bag(rng, _BUDDY_EFFECT), _Bag(rng, _WAITING))
    coordinator = staff[0]
    by_resident = {m.resident_id: m for m in made}
    by_volunteer = {m.volunteer_id: m for m in made}

    for resident in sorted(people, key=lambda r: r.id):
        match = by_resident.get(resident.id)
        # The coordinator who follows a match measures at its check-ins: those residents all agreed.
        agrees = (match is not None and bool(match.check_ins)) or rng.random() < _LONELINESS_CONSENT_SHARE
        if resident.intake_on is None or not agrees:
            continue
        _give_loneliness_consent(session, resident, resident.intake_on, coordinator)
        state = _Measured(_intake_total(rng), None if resident.birth_date else _told_age(rng))
        _measure(session, rng, resident, state, resident.intake_on, MeasurementMoment.INTAKE, coordinator, today)
        effect = changes.buddy.draw() if match is not None and match.check_ins else 0
        _follow_up_at_check_ins(session, rng, resident, state, match, effect, coordinator, today)
        in_between = resident.intake_on + timedelta(days=_IN_BETWEEN_AFTER_DAYS + rng.randint(0, 30))
        if match is None and in_between <= today and rng.random() < 0.9:
            state.total = _clamped(state.total + changes.waiting.draw())
            _measure(session, rng, resident, state, in_between, MeasurementMoment.OTHER, coordinator, today)

    for volunteer in sorted(volunteers, key=lambda v: v.id):
        taking_part = volunteer.intake_outcome in (IntakeOutcome.GESCHIKT, IntakeOutcome.TWIJFEL)
        if not volunteer.lonely_themselves or volunteer.intake_on is None or not taking_part:
            continue
        _give_loneliness_consent(session, volunteer, volunteer.intake_on, coordinator)
        state = _Measured(rng.randint(3, 9))
        _measure(session, rng, volunteer, state, volunteer.intake_on, MeasurementMoment.INTAKE, coordinator, today)
        match = by_volunteer.get(volunteer.id)
        effect = changes.buddy.draw() if match is not None and match.check_ins else 0
        followed = _follow_up_at_check_ins(session, rng, volunteer, state, match, effect, coordinator, today)
        later = volunteer.intake_on + timedelta(days=90 + rng.randint(0, 90))
        if later <= today and not followed:
            state.total = _clamped(state.total + changes.waiting.draw())
            _measure(session, rng, volunteer, state, later, MeasurementMoment.OTHER, coordinator, today)
