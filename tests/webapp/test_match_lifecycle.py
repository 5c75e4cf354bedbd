"""The life of a match (webapp/services/matches.py): introduction, outcome, check-ins, ending, and every refusal.

Each step is taken through the service, as the match page does; the invariants (places taken, the resident's
status, the referrer's status) are checked after every step of a long random walk too.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from webapp import convert
from webapp.clock import local_today
from webapp.enums import (
    INTRODUCTION_CANCELLED,
    NO_CLICK_AT_INTRODUCTION,
    CheckInMethod,
    CheckInVerdict,
    CheckInWith,
    MatchEventKind,
    MatchStatus,
    MatchStep,
    ReferralStatus,
    ResidentStatus,
)
from webapp.extensions import db
from webapp.models import Match, Referral, Resident, Role, Volunteer
from webapp.rules import allowed_steps, eligible_programmes, referral_status
from webapp.services import matches
from webapp.services.errors import Conflict, FieldError

TODAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def request_context(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


def _introduction(on: date = TODAY, place: str = "Bij de bewoner thuis") -> matches.Introduction:
    return matches.Introduction(on=on, at=time(14, 30), place=place, coordinator_joins=True)


def _check_in(held_on: date = TODAY, verdict: CheckInVerdict = CheckInVerdict.GOED) -> matches.CheckInRecord:
    return matches.CheckInRecord(held_on, CheckInWith.BEIDEN, CheckInMethod.BEZOEK, verdict, "Gaat samen wandelen.")


def _ending(reason: str = "doel_bereikt", returns: bool = True, on: date = TODAY, note: str = "") -> matches.Ending:
    return matches.Ending(reason_code=reason, ended_on=on, note=note, resident_returns=returns)


@pytest.fixture
def staff(make: Any) -> Any:
    return make.user(Role.COORDINATOR, name="Carla")


def _started(make: Any, staff: Any, *, waiting_days: int = 40, **resident: Any) -> Match:
    """A pair chosen by hand 10 days before TODAY: in its introduction, nothing planned yet."""
    resident_row = make.resident(waiting_since=TODAY - timedelta(days=waiting_days), **resident)
    return matches.match_by_hand(
        db.session,
        resident_row.id,
        make.volunteer().id,
        staff,
        at=datetime.combine(TODAY - timedelta(days=10), time(9)),
    )


def _planned(make: Any, staff: Any, **resident: Any) -> Match:
    match = _started(make, staff, **resident)
    matches.plan_introduction(db.session, match.id, staff, _introduction(TODAY - timedelta(days=3)), today=TODAY)
    return match


def _active(make: Any, staff: Any, started_on: date = TODAY - timedelta(days=3), **resident: Any) -> Match:
    match = _planned(make, staff, **resident)
    matches.record_outcome(db.session, match.id, staff, both_yes=True, started_on=started_on, today=TODAY)
    return match


def _reload(match: Match) -> Match:
    db.session.expire_all()
    reloaded = db.session.get(Match, match.id)
    assert reloaded is not None
    return reloaded


def _refused(call: Any, *args: Any, **kwargs: Any) -> Conflict:
    """A step that must be refused: it raises Conflict and, rolled back as the view does, leaves nothing behind."""
    with pytest.raises(Conflict) as refused:
        call(db.session, *args, **kwargs)
    db.session.rollback()
    return refused.value


def _events(match: Match) -> list[MatchEventKind]:
    return [event.kind for event in sorted(_reload(match).events, key=lambda e: e.id)]


# -- the introduction ---------------------------------------------------------------------------------------


def test_a_chosen_pair_starts_in_its_introduction_holding_a_place_and_the_resident(make: Any, staff: Any) -> None:
    match = _started(make, staff)

    assert match.status is MatchStatus.KENNISMAKING
    assert match.volunteer.places_taken == 1
    assert match.resident.status is ResidentStatus.KENNISMAKING
    assert _events(match) == [MatchEventKind.ZELF_GEKOZEN]


def test_planning_the_introduction_stores_date_time_place_and_who_joins(make: Any, staff: Any) -> None:
    match = _started(make, staff)

    matches.plan_introduction(db.session, match.id, staff, _introduction(TODAY + timedelta(days=5)), today=TODAY)
    db.session.commit()

    stored = _reload(match)
    assert (stored.introduction_on, stored.introduction_at, stored.introduction_place, stored.coordinator_joins) == (
        TODAY + timedelta(days=5),
        time(14, 30),
        "Bij de bewoner thuis",
        True,
    )
    assert stored.status is MatchStatus.KENNISMAKING
    assert _events(match)[-1] is MatchEventKind.KENNISMAKING_GEPLAND
    assert stored.events[-1].by_id == staff.id


def test_planning_twice_is_refused_and_keeps_the_first_plan(make: Any, staff: Any) -> None:
    match = _planned(make, staff)
    db.session.commit()

    refused = _refused(matches.plan_introduction, match.id, staff, _introduction(TODAY, "Elders"), today=TODAY)

    assert "al gepland" in refused.message
    assert _reload(match).introduction_place == "Bij de bewoner thuis"


@pytest.mark.parametrize(
    ("introduction", "field"),
    [
        (matches.Introduction(TODAY - timedelta(days=11), None, "Thuis", False), "on"),  # before the approval
        (matches.Introduction(TODAY + timedelta(days=400), None, "Thuis", False), "on"),
        (matches.Introduction(TODAY, None, "   ", False), "place"),
    ],
)
def test_an_impossible_plan_is_refused_on_its_field(make: Any, staff: Any, introduction: Any, field: str) -> None:
    match = _started(make, staff)

    with pytest.raises(FieldError) as refused:
        matches.plan_introduction(db.session, match.id, staff, introduction, today=TODAY)

    assert refused.value.field == field


def test_moving_the_introduction_changes_it_and_says_so_in_the_timeline(make: Any, staff: Any) -> None:
    match = _planned(make, staff)
    version = _reload(match).version

    matches.move_introduction(
        db.session, match.id, staff, _introduction(TODAY + timedelta(days=2), "Huis van de Stad"), version, today=TODAY
    )

    stored = _reload(match)
    assert (stored.introduction_on, stored.introduction_place) == (TODAY + timedelta(days=2), "Huis van de Stad")
    assert _events(match)[-1] is MatchEventKind.KENNISMAKING_VERZET


def test_moving_with_an_old_version_is_refused(make: Any, staff: Any) -> None:
    match = _planned(make, staff)
    old = _reload(match).version
    matches.move_introduction(db.session, match.id, staff, _introduction(TODAY, "Eerste wijziging"), old, today=TODAY)
    db.session.commit()

    refused = _refused(matches.move_introduction, match.id, staff, _introduction(TODAY, "Tweede"), old, today=TODAY)

    assert "net gewijzigd" in refused.message
    assert _reload(match).introduction_place == "Eerste wijziging"


def test_moving_before_planning_is_refused(make: Any, staff: Any) -> None:
    match = _started(make, staff)

    refused = _refused(matches.move_introduction, match.id, staff, _introduction(), 1, today=TODAY)

    assert refused.message == "Plan eerst de kennismaking."


def test_both_yes_makes_the_match_active_from_the_given_day(make: Any, staff: Any) -> None:
    match = _planned(make, staff)

    matches.record_outcome(
        db.session, match.id, staff, both_yes=True, started_on=TODAY - timedelta(days=2), today=TODAY
    )
    db.session.commit()

    stored = _reload(match)
    assert (stored.status, stored.started_on) == (MatchStatus.ACTIEF, TODAY - timedelta(days=2))
    assert stored.resident.status is ResidentStatus.GEKOPPELD
    assert stored.volunteer.places_taken == 1
    assert _events(match)[-1] is MatchEventKind.GESTART


def test_both_yes_without_a_day_starts_on_the_introduction_day(make: Any, staff: Any) -> None:
    match = _planned(make, staff)

    matches.record_outcome(db.session, match.id, staff, both_yes=True, today=TODAY)

    assert _reload(match).started_on == TODAY - timedelta(days=3)


@pytest.mark.parametrize("started_on", [TODAY + timedelta(days=1), TODAY - timedelta(days=11)])
def test_a_start_in_the_future_or_before_the_approval_is_refused(make: Any, staff: Any, started_on: date) -> None:
    match = _planned(make, staff)

    with pytest.raises(FieldError) as refused:
        matches.record_outcome(db.session, match.id, staff, both_yes=True, started_on=started_on, today=TODAY)

    assert refused.value.field == "started_on"


def test_an_outcome_before_the_introduction_is_planned_is_refused(make: Any, staff: Any) -> None:
    match = _started(make, staff)
    db.session.commit()

    refused = _refused(matches.record_outcome, match.id, staff, both_yes=True, today=TODAY)

    assert refused.message == "Plan eerst de kennismaking."
    assert _reload(match).status is MatchStatus.KENNISMAKING


def test_a_second_outcome_is_refused(make: Any, staff: Any) -> None:
    match = _planned(make, staff)
    matches.record_outcome(db.session, match.id, staff, both_yes=True, today=TODAY)
    db.session.commit()

    refused = _refused(matches.record_outcome, match.id, staff, both_yes=False, today=TODAY)

    assert "al geweest" in refused.message
    assert _reload(match).status is MatchStatus.ACTIEF


def test_a_no_ends_the_pair_without_blame_and_the_resident_keeps_the_waiting_time(make: Any, staff: Any) -> None:
    match = _planned(make, staff, waiting_days=40)
    waiting_since = TODAY - timedelta(days=40)

    matches.record_outcome(db.session, match.id, staff, both_yes=False, today=TODAY)
    db.session.commit()

    stored = _reload(match)
    assert (stored.status, stored.end_reason_code, stored.ended_on) == (
        MatchStatus.BEEINDIGD,
        NO_CLICK_AT_INTRODUCTION,
        TODAY,
    )
    assert (stored.resident.status, stored.resident.waiting_since) == (ResidentStatus.WACHTEND, waiting_since)
    assert stored.volunteer.places_taken == 0
    assert (stored.volunteer_id, stored.resident_id) in convert.excluded_pairs(db.session, today=TODAY)
    assert _events(match)[-1] is MatchEventKind.GEEN_KLIK


def test_cancelling_has_the_effects_of_a_no_and_keeps_the_reason(make: Any, staff: Any) -> None:
    match = _started(make, staff, waiting_days=25)

    matches.cancel_introduction(db.session, match.id, staff, "De vrijwilliger is verhuisd.", today=TODAY)
    db.session.commit()

    stored = _reload(match)
    assert (stored.status, stored.end_reason_code, stored.end_note) == (
        MatchStatus.BEEINDIGD,
        INTRODUCTION_CANCELLED,
        "De vrijwilliger is verhuisd.",
    )
    assert stored.resident.status is ResidentStatus.WACHTEND
    assert stored.resident.waiting_since == TODAY - timedelta(days=25)
    assert stored.volunteer.places_taken == 0
    assert (stored.volunteer_id, stored.resident_id) in convert.excluded_pairs(db.session, today=TODAY)


def test_cancelling_needs_a_reason(make: Any, staff: Any) -> None:
    match = _started(make, staff)

    with pytest.raises(FieldError, match="reden"):
        matches.cancel_introduction(db.session, match.id, staff, "  ", today=TODAY)


def test_an_active_match_cannot_be_cancelled_as_an_introduction(make: Any, staff: Any) -> None:
    match = _active(make, staff)
    db.session.commit()

    refused = _refused(matches.cancel_introduction, match.id, staff, "Toch niet", today=TODAY)

    assert "al geweest" in refused.message
    assert _reload(match).status is MatchStatus.ACTIEF


# -- check-ins ----------------------------------------------------------------------------------------------


def test_a_check_in_on_an_active_match_is_stored_with_its_facts(make: Any, staff: Any) -> None:
    match = _active(make, staff)

    check_in = matches.record_check_in(db.session, match.id, staff, _check_in(TODAY - timedelta(days=1)), today=TODAY)
    db.session.commit()

    stored = _reload(match).check_ins
    assert [(c.held_on, c.with_whom, c.method, c.verdict, c.note, c.recorded_by_id) for c in stored] == [
        (
            TODAY - timedelta(days=1),
            CheckInWith.BEIDEN,
            CheckInMethod.BEZOEK,
            CheckInVerdict.GOED,
            "Gaat samen wandelen.",
            staff.id,
        )
    ]
    assert _reload(match).events[-1].check_in_id == check_in.id


def test_a_check_in_during_the_introduction_is_refused(make: Any, staff: Any) -> None:
    match = _planned(make, staff)
    db.session.commit()

    refused = _refused(matches.record_check_in, match.id, staff, _check_in(), today=TODAY)

    assert refused.message == "Een contactmoment kan pas als de koppeling actief is."
    assert _reload(match).check_ins == []


def test_a_check_in_on_an_ended_match_is_refused(make: Any, staff: Any) -> None:
    match = _active(make, staff)
    matches.end_match(db.session, match.id, staff, _ending(), today=TODAY)
    db.session.commit()

    refused = _refused(matches.record_check_in, match.id, staff, _check_in(), today=TODAY)

    assert "beëindigd" in refused.message
    assert _reload(match).check_ins == []


@pytest.mark.parametrize("held_on", [TODAY + timedelta(days=1), TODAY - timedelta(days=4)])
def test_a_check_in_in_the_future_or_before_the_start_is_refused(make: Any, staff: Any, held_on: date) -> None:
    match = _active(make, staff, started_on=TODAY - timedelta(days=3))

    with pytest.raises(FieldError) as refused:
        matches.record_check_in(db.session, match.id, staff, _check_in(held_on), today=TODAY)

    assert refused.value.field == "held_on"


# -- the ending ---------------------------------------------------------------------------------------------


def test_ending_frees_the_place_and_the_resident_waits_again_with_the_time_waited_before(make: Any, staff: Any) -> None:
    # On the list 40 days ago; the introduction counts as waiting, the 3 days of the active match do not.
    match = _active(make, staff, started_on=TODAY - timedelta(days=3))
    on_the_list = TODAY - timedelta(days=40)

    matches.end_match(db.session, match.id, staff, _ending("verhuisd", note="Naar Delft."), today=TODAY)
    db.session.commit()

    stored = _reload(match)
    assert (stored.status, stored.end_reason_code, stored.ended_on, stored.end_note, stored.ended_by_id) == (
        MatchStatus.BEEINDIGD,
        "verhuisd",
        TODAY,
        "Naar Delft.",
        staff.id,
    )
    assert stored.volunteer.places_taken == 0
    resident = stored.resident
    assert resident.status is ResidentStatus.WACHTEND
    assert resident.waiting_since == on_the_list + timedelta(days=3)
    assert (TODAY - resident.waiting_since).days == 37
    assert (stored.volunteer_id, stored.resident_id) in convert.excluded_pairs(db.session, today=TODAY)


def test_ending_can_close_the_residents_sign_up(make: Any, staff: Any) -> None:
    match = _active(make, staff)

    matches.end_match(
        db.session,
        match.id,
        staff,
        _ending("doel_bereikt", returns=False, note="Gaat nu zelf naar de soos."),
        today=TODAY,
    )
    db.session.commit()

    resident = _reload(match).resident
    assert resident.status is ResidentStatus.AFGESLOTEN
    assert resident.closed_reason == "Doel bereikt: Gaat nu zelf naar de soos."
    assert _reload(match).resident_returned is False


def test_a_reason_that_closes_the_resident_cannot_send_them_back_to_the_list(make: Any, staff: Any) -> None:
    match = _active(make, staff)

    with pytest.raises(FieldError) as refused:
        matches.end_match(db.session, match.id, staff, _ending("overleden", returns=True), today=TODAY)

    assert refused.value.field == "resident_returns"


@pytest.mark.parametrize(
    ("ending", "field"),
    [
        (_ending("anders", note=""), "note"),
        (_ending("bestaat_niet"), "reason"),
        (_ending(NO_CLICK_AT_INTRODUCTION), "reason"),  # the introduction's own reasons are not for endings
        (_ending(on=TODAY + timedelta(days=1)), "ended_on"),
        (_ending(on=TODAY - timedelta(days=30)), "ended_on"),  # before the start
    ],
)
def test_an_impossible_ending_is_refused_on_its_field(make: Any, staff: Any, ending: Any, field: str) -> None:
    match = _active(make, staff)

    with pytest.raises(FieldError) as refused:
        matches.end_match(db.session, match.id, staff, ending, today=TODAY)

    assert refused.value.field == field


def test_ending_twice_is_refused(make: Any, staff: Any) -> None:
    match = _active(make, staff)
    matches.end_match(db.session, match.id, staff, _ending(), today=TODAY)
    db.session.commit()

    refused = _refused(matches.end_match, match.id, staff, _ending("verhuisd"), today=TODAY)

    assert "beëindigd" in refused.message
    assert _reload(match).end_reason_code == "doel_bereikt"


def test_an_introduction_cannot_be_ended_as_a_match(make: Any, staff: Any) -> None:
    match = _planned(make, staff)
    db.session.commit()

    refused = _refused(matches.end_match, match.id, staff, _ending(), today=TODAY)

    assert "nog in de kennismaking" in refused.message


def test_a_safety_ending_sends_the_volunteer_back_to_screening(app: Flask, make: Any, staff: Any) -> None:
    match = _active(make, staff)

    matches.end_match(
        db.session, match.id, staff, _ending("veiligheid", note="Grensoverschrijdend gedrag."), today=TODAY
    )
    db.session.commit()

    volunteer = db.session.get(Volunteer, match.volunteer_id)
    assert volunteer.rescreening_since == TODAY
    programmes = convert.load_programmes(db.session)
    assert eligible_programmes(volunteer, programmes, local_today(), 3) == []


# -- what the referrer sees -----------------------------------------------------------------------------------


def test_the_referrer_sees_in_progress_during_the_introduction_and_matched_only_once_active(
    make: Any, staff: Any
) -> None:
    referrer = make.user(Role.REFERRER)
    referral = make.referral(referrer, intake_on=TODAY - timedelta(days=20), waiting_since=TODAY - timedelta(days=30))
    volunteer = make.volunteer()

    match = matches.match_by_hand(db.session, referral.resident_id, volunteer.id, staff)
    during = db.session.get(Referral, referral.id).status
    matches.plan_introduction(db.session, match.id, staff, _introduction(local_today()), today=local_today())
    matches.record_outcome(db.session, match.id, staff, both_yes=True, today=local_today())
    active = db.session.get(Referral, referral.id).status
    matches.end_match(db.session, match.id, staff, _ending(on=local_today()), today=local_today())
    after = db.session.get(Referral, referral.id)

    assert (during, active, after.status) == (
        ReferralStatus.IN_BEHANDELING,
        ReferralStatus.GEKOPPELD,
        ReferralStatus.IN_BEHANDELING,
    )


# -- the invariants, over a long random walk ----------------------------------------------------------------


def _assert_invariants() -> None:
    db.session.expire_all()
    for volunteer in db.session.scalars(select(Volunteer)):
        holding = db.session.scalar(
            select(func.count()).select_from(Match).where(Match.volunteer_id == volunteer.id, Match.holds_place)
        )
        assert volunteer.places_taken == holding, volunteer.id
    for resident in db.session.scalars(select(Resident)):
        held = db.session.scalars(select(Match).where(Match.resident_id == resident.id, Match.holds_place)).all()
        assert len(held) <= 1
        expected = (
            {
                MatchStatus.KENNISMAKING: ResidentStatus.KENNISMAKING,
                MatchStatus.ACTIEF: ResidentStatus.GEKOPPELD,
            }.get(held[0].status)
            if held
            else None
        )
        if expected is not None:
            assert resident.status is expected, resident.id
        else:
            assert resident.status in (ResidentStatus.WACHTEND, ResidentStatus.AFGESLOTEN), resident.id
        if resident.referral is not None:
            assert resident.referral.status is referral_status(resident)


def test_every_step_keeps_places_residents_and_referrals_consistent(make: Any, staff: Any) -> None:
    chance = random.Random(20261201)
    referrer = make.user(Role.REFERRER)
    volunteers = [make.volunteer(capacity=2) for _ in range(5)]
    residents = [make.resident() for _ in range(8)] + [
        make.referral(referrer, intake_on=TODAY - timedelta(days=20)).resident for _ in range(6)
    ]
    db.session.commit()
    today = local_today()
    steps = {
        "choose": lambda: matches.match_by_hand(
            db.session, chance.choice(residents).id, chance.choice(volunteers).id, staff
        ),
        "plan": lambda m: matches.plan_introduction(db.session, m.id, staff, _introduction(today), today=today),
        "yes": lambda m: matches.record_outcome(db.session, m.id, staff, both_yes=True, today=today),
        "no": lambda m: matches.record_outcome(db.session, m.id, staff, both_yes=False, today=today),
        "cancel": lambda m: matches.cancel_introduction(db.session, m.id, staff, "Gaat niet door", today=today),
        "check_in": lambda m: matches.record_check_in(db.session, m.id, staff, _check_in(today), today=today),
        "end": lambda m: matches.end_match(
            db.session, m.id, staff, _ending(on=today, returns=chance.random() < 0.8), today=today
        ),
    }
    by_step = {
        MatchStep.PLAN_INTRODUCTION: ["plan"],
        MatchStep.RECORD_OUTCOME: ["yes", "no"],
        MatchStep.CANCEL_INTRODUCTION: ["cancel"],
        MatchStep.CHECK_IN: ["check_in"],
        MatchStep.END: ["end"],
    }
    taken: dict[str, int] = dict.fromkeys(steps, 0)
    refused = 0
    for _ in range(400):
        known = db.session.scalars(select(Match).order_by(Match.id)).all()
        running = [m for m in known if m.status is not MatchStatus.BEEINDIGD]
        match = chance.choice(running if running and chance.random() < 0.85 else known) if known else None
        if match is None or chance.random() < 0.25:
            name = "choose"
        elif chance.random() < 0.7:  # mostly a step the match allows, sometimes any step (to be refused)
            # In the enumeration's order: a set's order changes with the hash seed, and the walk must not.
            now = sorted(allowed_steps(match.status, match.introduction_on is not None), key=list(MatchStep).index)
            allowed = [n for step in now for n in by_step.get(step, [])]
            name = chance.choice(allowed or list(steps))
        else:
            name = chance.choice(list(steps))
        try:
            steps[name]() if name == "choose" else steps[name](match)
            db.session.commit()
            taken[name] += 1
        except (Conflict, FieldError):
            db.session.rollback()
            refused += 1
        _assert_invariants()

    # The walk took every step and had steps refused too.
    assert min(taken.values()) >= 5, taken
    assert refused > 30
