"""Stored moments are naive UTC; the coordinators' days are Dutch days."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from webapp.clock import local_date, stored_moment


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 12, 1, 22, 59), date(2026, 12, 1)),
        (datetime(2026, 12, 1, 23, 0), date(2026, 12, 2)),  # midnight in winter time
        (datetime(2026, 6, 30, 22, 0), date(2026, 7, 1)),  # midnight in summer time
        (datetime(2026, 6, 30, 21, 59), date(2026, 6, 30)),
    ],
)
def test_a_stored_moment_falls_on_the_dutch_day(moment: datetime, day: date) -> None:
    assert local_date(moment) == day


@pytest.mark.parametrize(
    ("day", "wall_time", "moment"),
    [
        (date(2026, 12, 2), time(0, 30), datetime(2026, 12, 1, 23, 30)),
        (date(2026, 7, 1), time(11, 0), datetime(2026, 7, 1, 9, 0)),
    ],
)
def test_a_dutch_wall_clock_time_is_stored_in_utc(day: date, wall_time: time, moment: datetime) -> None:
    assert stored_moment(day, wall_time) == moment
    assert local_date(stored_moment(day, wall_time)) == day
