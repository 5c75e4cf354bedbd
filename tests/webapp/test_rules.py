"""The pure rules of a match's life (webapp/rules.py), without a database or an app: each on its boundaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from webapp.enums import Attention, CheckInState, MatchStatus, MatchStep, ReferralStatus, ResidentStatus
from webapp.rules import (
    MatchPolicy,
    Offset,
    allowed_steps,
    check_in_outlook,
    follow_up,
    keeps_apart,
    may_be_matched,
    months_after,
    near_maximum,
    parse_schedule,
    referral_status,
    waiting_since_after,
)

START = date(2026, 1, 31)
SCHEDULE = parse_schedule("6w,3m,6m,12m")
POLICY = MatchPolicy(schedule=SCHEDULE, window_days=14, max_months=24, notice_days=60)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 5, 10), 0, date(2026, 5, 10)),
    ],
)
def test_months_after_keeps_the_day_or_takes_the_last_day_of_a_shorter_month(
    day: date, months: int, expected: date
) -> None:
    assert months_after(day, months) == expected


def test_the_schedule_is_read_in_weeks_and_months() -> None:
    assert parse_schedule(" 6w, 3m ,12m") == (Offset(weeks=6), Offset(months=3), Offset(months=12))


@pytest.mark.parametrize("text", ["", "6", "6d", "0w", "3m,6w", "3m,3m", "6w;3m", "1000m"])
def test_a_schedule_that_is_not_a_list_of_increasing_moments_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="moment"):
        parse_schedule(text)


# -- check-ins ----------------------------------------------------------------------------------------------


def test_the_first_check_in_is_not_due_until_two_weeks_before_six_weeks() -> None:
    six_weeks = START + timedelta(weeks=6)

    before = check_in_outlook(START, [], SCHEDULE, six_weeks - timedelta(days=15), 14)
    first_day = check_in_outlook(START, [], SCHEDULE, six_weeks - timedelta(days=14), 14)

    assert (before.state, before.due_on) == (CheckInState.NOT_YET, six_weeks)
    assert (first_day.state, first_day.days_late) == (CheckInState.DUE, 0)


def test_a_check_in_is_due_up_to_two_weeks_after_its_moment_and_overdue_the_day_after() -> None:
    six_weeks = START + timedelta(weeks=6)

    last_day = check_in_outlook(START, [], SCHEDULE, six_weeks + timedelta(days=14), 14)
    overdue = check_in_outlook(START, [], SCHEDULE, six_weeks + timedelta(days=15), 14)

    assert (last_day.state, last_day.days_late) == (CheckInState.DUE, 14)
    assert (overdue.state, overdue.days_late) == (CheckInState.OVERDUE, 15)


def test_a_check_in_from_two_weeks_before_a_moment_covers_it_and_the_next_moment_follows() -> None:
    six_weeks = START + timedelta(weeks=6)
    held = six_weeks - timedelta(days=14)

    outlook = check_in_outlook(START, [held], SCHEDULE, six_weeks + timedelta(days=30), 14)

    assert (outlook.state, outlook.moment, outlook.due_on) == (
        CheckInState.NOT_YET,
        Offset(months=3),
        date(2026, 4, 30),  # 31 January + 3 months: the last day of April
    )


def test_a_check_in_earlier_than_the_window_does_not_cover_the_moment() -> None:
    six_weeks = START + timedelta(weeks=6)

    outlook = check_in_outlook(START, [six_weeks - timedelta(days=15)], SCHEDULE, six_weeks, 14)

    assert (outlook.state, outlook.moment) == (CheckInState.DUE, Offset(weeks=6))


def test_one_late_check_in_covers_every_moment_it_catches_up_on() -> None:
    outlook = check_in_outlook(START, [date(2026, 8, 1)], SCHEDULE, date(2026, 8, 1), 14)

    assert (outlook.state, outlook.moment) == (CheckInState.NOT_YET, Offset(months=12))


def test_after_the_last_moment_all_check_ins_are_done() -> None:
    outlook = check_in_outlook(START, [date(2027, 1, 31)], SCHEDULE, date(2027, 6, 1), 14)

    assert outlook.state is CheckInState.ALL_DONE


# -- the whole follow-up ----------------------------------------------------------------------------------


@dataclass
class FakeMatch:
    status: MatchStatus
    introduction_on: date | None = None
    started_on: date | None = None


@pytest.mark.parametrize(
    ("match", "today", "attention"),
    [
        (FakeMatch(MatchStatus.KENNISMAKING), START, Attention.PLAN_INTRODUCTION),
        (
            FakeMatch(MatchStatus.KENNISMAKING, introduction_on=START + timedelta(days=1)),
            START,
            Attention.INTRODUCTION_PLANNED,
        ),
        (FakeMatch(MatchStatus.KENNISMAKING, introduction_on=START), START, Attention.RECORD_OUTCOME),
        (FakeMatch(MatchStatus.ACTIEF, START, START), START + timedelta(days=10), Attention.ON_TRACK),
        (FakeMatch(MatchStatus.ACTIEF, START, START), START + timedelta(weeks=6), Attention.CHECK_IN_DUE),
        (FakeMatch(MatchStatus.ACTIEF, START, START), START + timedelta(weeks=9), Attention.CHECK_IN_OVERDUE),
        (FakeMatch(MatchStatus.BEEINDIGD, START, START), START + timedelta(weeks=9), Attention.ENDED),
    ],
)
def test_follow_up_names_what_a_match_asks_now(match: FakeMatch, today: date, attention: Attention) -> None:
    assert follow_up(match, [], POLICY, today).attention is attention


def test_an_overdue_check_in_comes_before_the_ending_talk() -> None:
    match = FakeMatch(MatchStatus.ACTIEF, START, START)
    all_but_the_last = [date(2026, 3, 14), date(2026, 4, 30), date(2026, 7, 31)]

    late = follow_up(match, all_but_the_last, POLICY, date(2027, 12, 15))
    on_time = follow_up(match, [*all_but_the_last, date(2027, 1, 31)], POLICY, date(2027, 12, 15))

    assert (late.attention, late.near_maximum) == (Attention.CHECK_IN_OVERDUE, True)
    assert on_time.attention is Attention.ENDING_TALK
    assert on_time.maximum_on == date(2028, 1, 31)


def test_the_ending_talk_is_flagged_from_sixty_days_before_the_maximum() -> None:
    maximum = date(2028, 1, 31)

    assert not near_maximum(START, maximum - timedelta(days=61), 24, 60)
    assert near_maximum(START, maximum - timedelta(days=60), 24, 60)
    assert near_maximum(START, maximum + timedelta(days=100), 24, 60)


@pytest.mark.parametrize(
    ("status", "planned", "steps"),
    [
        (MatchStatus.KENNISMAKING, False, {MatchStep.PLAN_INTRODUCTION, MatchStep.CANCEL_INTRODUCTION}),
        (
            MatchStatus.KENNISMAKING,
            True,
            {MatchStep.MOVE_INTRODUCTION, MatchStep.RECORD_OUTCOME, MatchStep.CANCEL_INTRODUCTION},
        ),
        (MatchStatus.ACTIEF, True, {MatchStep.CHECK_IN, MatchStep.END}),
        (MatchStatus.BEEINDIGD, True, set()),
    ],
)
def test_the_steps_allowed_in_each_state(status: MatchStatus, planned: bool, steps: set[MatchStep]) -> None:
    assert allowed_steps(status, planned) == steps


# -- waiting, rejections, the intake gate, the referrer's status --------------------------------------------------


def test_an_introduction_counts_as_waiting_and_an_active_match_does_not() -> None:
    on_the_list = date(2026, 1, 1)

    assert waiting_since_after(on_the_list, None, date(2026, 3, 1)) == on_the_list
    assert waiting_since_after(on_the_list, date(2026, 2, 1), date(2026, 2, 11)) == date(2026, 1, 11)
    assert waiting_since_after(on_the_list, date(2026, 2, 1), date(2026, 2, 1)) == on_the_list


@pytest.mark.parametrize(
    ("until", "undone", "today", "apart"),
    [
        (None, False, date(2040, 1, 1), True),
        (date(2026, 5, 30), False, date(2026, 5, 30), True),
        (date(2026, 5, 30), False, date(2026, 5, 31), False),
        (None, True, date(2026, 1, 1), False),
    ],
)
def test_a_rejection_keeps_a_pair_apart_for_good_or_up_to_its_last_day_unless_undone(
    until: date | None, undone: bool, today: date, apart: bool
) -> None:
    assert keeps_apart(until, undone, today) is apart


@dataclass
class FakeResident:
    status: ResidentStatus
    intake_on: date | None = None
    intake_planned_on: date | None = None


@pytest.mark.parametrize(
    ("resident", "expected"),
    [
        (FakeResident(ResidentStatus.WACHTEND), False),
        (FakeResident(ResidentStatus.WACHTEND, intake_planned_on=START), False),
        (FakeResident(ResidentStatus.WACHTEND, intake_on=START), True),
        (FakeResident(ResidentStatus.KENNISMAKING, intake_on=START), False),
        (FakeResident(ResidentStatus.AFGESLOTEN, intake_on=START), False),
    ],
)
def test_only_a_waiting_resident_after_the_intake_talk_may_be_matched(resident: FakeResident, expected: bool) -> None:
    assert may_be_matched(resident) is expected


@pytest.mark.parametrize(
    ("resident", "status"),
    [
        (FakeResident(ResidentStatus.WACHTEND), ReferralStatus.ONTVANGEN),
        (FakeResident(ResidentStatus.WACHTEND, intake_planned_on=START), ReferralStatus.IN_BEHANDELING),
        (FakeResident(ResidentStatus.WACHTEND, intake_on=START), ReferralStatus.IN_BEHANDELING),
        (FakeResident(ResidentStatus.KENNISMAKING, intake_on=START), ReferralStatus.IN_BEHANDELING),
        (FakeResident(ResidentStatus.GEKOPPELD, intake_on=START), ReferralStatus.GEKOPPELD),
        (FakeResident(ResidentStatus.AFGESLOTEN), ReferralStatus.AFGESLOTEN),
    ],
)
def test_the_referrer_sees_matched_only_once_the_match_is_active(
    resident: FakeResident, status: ReferralStatus
) -> None:
    assert referral_status(resident) is status
