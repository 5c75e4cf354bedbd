"""Decisions that together would overfill a volunteer or give one resident two buddies: the second is refused.

These run one after the other on both databases; tests/webapp/test_concurrency.py shows the same on
PostgreSQL with two coordinators at the same moment.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import IntakeOutcome, Proposal, ProposalStatus, Resident, ResidentStatus, Volunteer
from webapp.services import matches, matching
from webapp.services.errors import Conflict, DomainError


@pytest.fixture(autouse=True)
def request_context(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


def _refused(call: Any, *args: Any) -> Conflict:
    """Run a use case that must be refused, and undo what it did, as the view does."""
    with pytest.raises(Conflict) as refused:
        call(db.session, *args)
    db.session.rollback()
    return refused.value


def test_second_approval_for_a_full_volunteer_is_refused(make: Any, coordinator: Any) -> None:
    volunteer = make.volunteer(capacity=1)
    first = make.proposal(volunteer, make.resident())
    second = make.proposal(volunteer, make.resident())
    matches.approve_proposal(db.session, first.id, coordinator)
    db.session.commit()

    refused = _refused(matches.approve_proposal, second.id, coordinator)

    assert refused.message == "Deze vrijwilliger heeft geen plek meer."
    assert db.session.get(Volunteer, volunteer.id).places_taken == 1
    assert make.holding_matches(volunteer_id=volunteer.id) == 1


def test_refused_approval_leaves_the_proposal_and_resident_as_they_were(make: Any, coordinator: Any) -> None:
    volunteer = make.volunteer(capacity=1)
    first = make.proposal(volunteer, make.resident())
    second = make.proposal(volunteer, make.resident())
    matches.approve_proposal(db.session, first.id, coordinator)
    db.session.commit()

    _refused(matches.approve_proposal, second.id, coordinator)

    assert db.session.get(Proposal, second.id).status is ProposalStatus.OPEN
    assert db.session.get(Resident, second.resident_id).status is ResidentStatus.WACHTEND


def test_volunteer_with_two_places_can_take_two_residents(make: Any, coordinator: Any) -> None:
    volunteer = make.volunteer(capacity=2)
    first = make.proposal(volunteer, make.resident())
    second = make.proposal(volunteer, make.resident())

    matches.approve_proposal(db.session, first.id, coordinator)
    matches.approve_proposal(db.session, second.id, coordinator)
    db.session.commit()

    assert db.session.get(Volunteer, volunteer.id).places_taken == 2


def test_second_approval_for_the_same_resident_is_refused(make: Any, coordinator: Any) -> None:
    resident = make.resident()
    other_volunteer = make.volunteer()
    first = make.proposal(make.volunteer(), resident)
    second = make.proposal(other_volunteer, resident)
    matches.approve_proposal(db.session, first.id, coordinator)
    db.session.commit()

    refused = _refused(matches.approve_proposal, second.id, coordinator)

    assert refused.message == "Deze bewoner heeft al een maatje."
    assert make.holding_matches(resident_id=resident.id) == 1
    assert db.session.get(Volunteer, other_volunteer.id).places_taken == 0


def test_choice_by_hand_after_approval_for_the_same_resident_is_refused(
    app: Flask, make: Any, coordinator: Any
) -> None:
    resident = make.resident()
    proposal = make.proposal(make.volunteer(), resident)
    other = make.volunteer()
    matches.approve_proposal(db.session, proposal.id, coordinator)
    db.session.commit()

    refused = _refused(matching.choose_volunteer, resident.id, other.id, coordinator, app.config)

    assert refused.message == "Deze bewoner heeft al een maatje."
    assert make.holding_matches(resident_id=resident.id) == 1


def test_approval_after_choice_by_hand_of_the_same_volunteer_is_refused(
    app: Flask, make: Any, coordinator: Any
) -> None:
    volunteer = make.volunteer(capacity=1)
    proposal = make.proposal(volunteer, make.resident())
    chosen_for = make.resident()
    matching.choose_volunteer(db.session, chosen_for.id, volunteer.id, coordinator, app.config)
    db.session.commit()

    refused = _refused(matches.approve_proposal, proposal.id, coordinator)

    assert refused.message == "Deze vrijwilliger heeft geen plek meer."


def test_unique_index_backs_up_one_active_match_per_resident(make: Any, coordinator: Any) -> None:
    resident = make.resident()
    first = make.proposal(make.volunteer(), resident)
    second = make.proposal(make.volunteer(), resident)
    matches.approve_proposal(db.session, first.id, coordinator)
    # Someone put the resident back on the waiting list by hand without ending the match.
    db.session.execute(update(Resident).where(Resident.id == resident.id).values(status=ResidentStatus.WACHTEND))
    db.session.commit()

    refused = _refused(matches.approve_proposal, second.id, coordinator)

    assert refused.message == "Deze bewoner heeft al een maatje."
    assert make.holding_matches(resident_id=resident.id) == 1


def test_check_constraint_backs_up_the_capacity(make: Any) -> None:
    volunteer = make.volunteer(capacity=1, places_taken=1)
    db.session.commit()

    with pytest.raises(IntegrityError):
        db.session.execute(
            text("UPDATE volunteers SET places_taken = places_taken + 1 WHERE id = :id"),
            {"id": volunteer.id},
        )
    db.session.rollback()


def test_approval_is_refused_when_the_volunteers_vog_expired_after_the_run(make: Any, coordinator: Any) -> None:
    """Screening can change between the run and the decision; the decision checks it again."""
    volunteer, resident = make.volunteer(), make.resident()
    proposal = make.proposal(volunteer, resident)
    volunteer.vog_issued_on = date.today() - timedelta(days=4 * 365)
    db.session.commit()

    with pytest.raises(DomainError, match="te oud"):
        matches.approve_proposal(db.session, proposal.id, coordinator, vog_valid_years=3)

    db.session.rollback()
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.OPEN
    assert make.holding_matches() == 0


def test_approval_is_refused_when_the_intake_outcome_was_revised(make: Any, coordinator: Any) -> None:
    volunteer, resident = make.volunteer(), make.resident()
    proposal = make.proposal(volunteer, resident)
    volunteer.intake_outcome = IntakeOutcome.TWIJFEL
    db.session.commit()

    with pytest.raises(DomainError, match="geschikt"):
        matches.approve_proposal(db.session, proposal.id, coordinator)
