"""Two coordinators deciding at the same moment, on a real PostgreSQL server.

Coordinator A makes a decision and keeps the transaction open; coordinator B makes a conflicting
decision meanwhile. B must wait for A's row locks and, once A commits, be refused with a clear message:
never may both succeed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from webapp.clock import local_today
from webapp.enums import CheckInMethod, CheckInVerdict, CheckInWith, MatchEventKind, MatchStatus, ResidentStatus
from webapp.extensions import db
from webapp.models import CheckIn, Match, MatchEvent, MatchRun, Resident, User, Volunteer
from webapp.services import matches, matching
from webapp.services.errors import Conflict

# Deadlines so that a broken build fails instead of hanging; no test asserts on timing.
DEADLINE_SECONDS = 30.0

Action = Callable[[Any, User], object]


@pytest.fixture(autouse=True)
def postgresql_only(app: Flask) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip(
            "needs PostgreSQL (set TEST_DATABASE_URL): SQLite lets one writer at a time hold the database lock, "
            "so two decisions can never be in progress at the same moment there"
        )


@dataclass
class Coordinator:
    """One coordinator in their own thread, app context, session and database transaction."""

    app: Flask
    user_id: int
    action: Action
    hold: threading.Event | None = None
    acted: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    outcome: object = None

    def run(self) -> None:
        with self.app.test_request_context():
            try:
                user = db.session.get(User, self.user_id)
                assert user is not None
                self.action(db.session, user)
                self.acted.set()
                if self.hold is not None:
                    assert self.hold.wait(DEADLINE_SECONDS), "never released"
                db.session.commit()
                self.outcome = "ok"
            except Exception as error:  # handed to the test thread to assert on
                db.session.rollback()
                self.outcome = error
            finally:
                self.acted.set()
                self.done.set()
                db.session.remove()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        return thread


def _waiting_for_a_lock(app: Flask) -> bool:
    with db.engine.connect() as connection:
        waiting = connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


def _race(app: Flask, user_id: int, first: Action, second: Action) -> tuple[object, object, bool]:
    """A acts and holds its transaction open; B acts meanwhile; then A commits. Returns both outcomes."""
    release = threading.Event()
    a = Coordinator(app, user_id, first, hold=release)
    b = Coordinator(app, user_id, second)
    thread_a = a.start()
    assert a.acted.wait(DEADLINE_SECONDS)
    thread_b = b.start()
    deadline = time.monotonic() + DEADLINE_SECONDS
    b_waited = False
    while not b.done.is_set() and time.monotonic() < deadline:
        if _waiting_for_a_lock(app):
            b_waited = True
            break
        time.sleep(0.01)
    release.set()
    thread_a.join(DEADLINE_SECONDS)
    thread_b.join(DEADLINE_SECONDS)
    db.session.expire_all()
    return a.outcome, b.outcome, b_waited


def test_two_approvals_for_the_last_place_of_a_volunteer(app: Flask, make: Any) -> None:
    coordinator = make.user()
    volunteer = make.volunteer(capacity=1)
    first = make.proposal(volunteer, make.resident())
    second = make.proposal(volunteer, make.resident())
    db.session.commit()

    a, b, b_waited = _race(
        app,
        coordinator.id,
        lambda session, user: matches.approve_proposal(session, first.id, user),
        lambda session, user: matches.approve_proposal(session, second.id, user),
    )

    assert a == "ok"
    assert isinstance(b, Conflict)
    assert b.message == "Deze vrijwilliger heeft geen plek meer."
    assert b_waited
    assert make.holding_matches(volunteer_id=volunteer.id) == 1
    assert db.session.scalar(select(Volunteer.places_taken).where(Volunteer.id == volunteer.id)) == 1


def test_two_approvals_for_the_same_resident(app: Flask, make: Any) -> None:
    coordinator = make.user()
    resident = make.resident()
    first = make.proposal(make.volunteer(), resident)
    second_volunteer = make.volunteer()
    second = make.proposal(second_volunteer, resident)
    db.session.commit()

    a, b, b_waited = _race(
        app,
        coordinator.id,
        lambda session, user: matches.approve_proposal(session, first.id, user),
        lambda session, user: matches.approve_proposal(session, second.id, user),
    )

    assert a == "ok"
    assert isinstance(b, Conflict)
    assert b.message == "Deze bewoner heeft al een maatje."
    assert b_waited
    assert make.holding_matches(resident_id=resident.id) == 1
    assert db.session.scalar(select(Volunteer.places_taken).where(Volunteer.id == second_volunteer.id)) == 0


def test_approval_and_choice_by_hand_for_the_same_resident(app: Flask, make: Any) -> None:
    coordinator = make.user()
    resident = make.resident()
    proposal = make.proposal(make.volunteer(), resident)
    chosen = make.volunteer()
    db.session.commit()

    a, b, b_waited = _race(
        app,
        coordinator.id,
        lambda session, user: matches.approve_proposal(session, proposal.id, user),
        lambda session, user: matching.choose_volunteer(session, resident.id, chosen.id, user, app.config),
    )

    assert a == "ok"
    assert isinstance(b, Conflict)
    assert b.message == "Deze bewoner heeft al een maatje."
    assert b_waited
    assert make.holding_matches(resident_id=resident.id) == 1


def test_the_same_proposal_approved_twice(app: Flask, make: Any) -> None:
    coordinator = make.user()
    proposal = make.proposal(make.volunteer(capacity=2), make.resident())
    db.session.commit()

    a, b, b_waited = _race(
        app,
        coordinator.id,
        lambda session, user: matches.approve_proposal(session, proposal.id, user),
        lambda session, user: matches.approve_proposal(session, proposal.id, user),
    )

    assert a == "ok"
    assert isinstance(b, Conflict)
    assert "al besloten" in b.message
    assert b_waited
    assert make.holding_matches(resident_id=proposal.resident_id) == 1


def test_two_overlapping_runs_queued_at_once_are_one_run(app: Flask, make: Any) -> None:
    coordinator = make.user()
    db.session.commit()

    a, b, b_waited = _race(
        app,
        coordinator.id,
        lambda session, user: matching.queue_run(session, user, None, app.config),
        lambda session, user: matching.queue_run(session, user, "bewegen", app.config),
    )

    assert a == "ok"
    assert isinstance(b, Conflict)
    assert b.message == "Er loopt al een koppelronde voor dit programma. Wacht tot die klaar is."
    assert b_waited
    assert db.session.scalars(select(MatchRun.programme_code)).all() == [None]


def test_runs_of_two_programmes_queued_at_once_both_go_ahead(app: Flask, make: Any) -> None:
    coordinator = make.user()
    db.session.commit()

    a, b, _ = _race(
        app,
        coordinator.id,
        lambda session, user: matching.queue_run(session, user, "buddy", app.config),
        lambda session, user: matching.queue_run(session, user, "bewegen", app.config),
    )

    assert (a, b) == ("ok", "ok")
    assert sorted(db.session.scalars(select(MatchRun.programme_code))) == ["bewegen", "buddy"]


# -- the life of a match: two coordinators recording conflicting steps on one match --------------------------


def _introduction_today() -> Any:
    from webapp.services import matches as lifecycle

    return lifecycle.Introduction(local_today(), None, "Buurthuis De Bron", coordinator_joins=False)


def test_two_outcomes_of_one_introduction_at_once(app: Flask, make: Any) -> None:
    coordinator = make.user()
    match = make.match(make.volunteer(), make.resident(), coordinator, status=MatchStatus.KENNISMAKING)
    db.session.commit()

    a, b, b_waited = _race(
        app,
        coordinator.id,
        lambda session, user: matches.record_outcome(session, match.id, user, both_yes=True),
        lambda session, user: matches.record_outcome(session, match.id, user, both_yes=False),
    )

    assert a == "ok"
    assert isinstance(b, Conflict)
    assert "al geweest" in b.message
    assert b_waited
    stored = db.session.get(Match, match.id)
    assert stored.status is MatchStatus.ACTIEF
    assert db.session.get(Volunteer, stored.volunteer_id).places_taken == 1


def test_an_ending_and_a_check_in_at_once(app: Flask, make: Any) -> None:
    coordinator = make.user()
    match = make.match(make.volunteer(), make.resident(), coordinator)
    db.session.commit()
    ending = matches.Ending("doel_bereikt", local_today(), "", resident_returns=True)
    check_in = matches.CheckInRecord(local_today(), CheckInWith.BEIDEN, CheckInMethod.TELEFOON, CheckInVerdict.GOED, "")

    a, b, b_waited = _race(
        app,
        coordinator.id,
        lambda session, user: matches.end_match(session, match.id, user, ending),
        lambda session, user: matches.record_check_in(session, match.id, user, check_in),
    )

    assert a == "ok"
    assert isinstance(b, Conflict)
    assert b_waited
    assert db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.match_id == match.id)) == 0
    assert db.session.get(Volunteer, match.volunteer_id).places_taken == 0


def test_two_plans_for_one_introduction_at_once(app: Flask, make: Any) -> None:
    coordinator = make.user()
    match = make.match(make.volunteer(), make.resident(), coordinator, status=MatchStatus.KENNISMAKING, planned=False)
    db.session.commit()

    a, b, b_waited = _race(
        app,
        coordinator.id,
        lambda session, user: matches.plan_introduction(session, match.id, user, _introduction_today()),
        lambda session, user: matches.plan_introduction(session, match.id, user, _introduction_today()),
    )

    assert a == "ok"
    assert isinstance(b, Conflict)
    assert b_waited
    planned_events = db.session.scalar(
        select(func.count())
        .select_from(MatchEvent)
        .where(MatchEvent.match_id == match.id, MatchEvent.kind == MatchEventKind.KENNISMAKING_GEPLAND)
    )
    assert planned_events == 1


def test_closing_a_resident_while_another_coordinator_approves_their_proposal(app: Flask, make: Any) -> None:
    coordinator = make.user()
    resident = make.resident()
    proposal = make.proposal(make.volunteer(), resident)
    db.session.commit()

    a, b, b_waited = _race(
        app,
        coordinator.id,
        lambda session, user: matches.approve_proposal(session, proposal.id, user),
        lambda session, user: matches.close_resident(session, user, session.get(Resident, resident.id), "Verhuisd"),
    )

    assert a == "ok"
    assert isinstance(b, Conflict)
    assert b_waited
    assert db.session.get(Resident, resident.id).status is ResidentStatus.KENNISMAKING
