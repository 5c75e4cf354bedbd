"""The matching use cases: runs, approval, rejection, candidates and choosing by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.webapp.factories import FAR_PC4
from tests.webapp.runs_helpers import run_engine
from webapp import convert
from webapp.clock import local_today
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    Match,
    MatchStatus,
    Proposal,
    ProposalStatus,
    Resident,
    ResidentStatus,
    RunStatus,
    RunWaitingResident,
    Volunteer,
)
from webapp.services import matches, matching
from webapp.services.errors import Conflict, DomainError, NotFound


@pytest.fixture(autouse=True)
def request_context(app: Flask) -> Iterator[None]:
    """Messages are translated for the person asking: services run inside a request."""
    with app.test_request_context():
        yield


def _run(app: Flask, user: Any, programme: str | None = None) -> Any:
    run = run_engine(db.session, user, programme, app.config)
    db.session.commit()
    return run


def _proposals(run: Any) -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(Proposal.run_id == run.id).order_by(Proposal.id)))


def _waiting(run: Any) -> list[RunWaitingResident]:
    return list(
        db.session.scalars(
            select(RunWaitingResident).where(RunWaitingResident.run_id == run.id).order_by(RunWaitingResident.id)
        )
    )


# -- runs ---------------------------------------------------------------------------------------------


def test_run_stores_proposal_with_score_components_and_facts(app: Flask, make: Any) -> None:
    coordinator = make.user()
    volunteer = make.volunteer()
    resident = make.resident()

    run = _run(app, coordinator)

    (proposal,) = _proposals(run)
    assert (proposal.volunteer_id, proposal.resident_id, proposal.status) == (
        volunteer.id,
        resident.id,
        ProposalStatus.OPEN,
    )
    assert 0 < proposal.score <= 1
    assert proposal.distance_score == pytest.approx(1.0)
    assert proposal.interests_score == pytest.approx(0.5)
    assert proposal.availability_score == pytest.approx(0.5)
    waiting_days = (local_today() - resident.waiting_since).days
    assert proposal.waiting_score == pytest.approx(waiting_days / 180)
    assert proposal.shared_interests == ["koken"]
    assert proposal.shared_slots == ["tue-evening"]
    assert proposal.shared_languages == ["nl"]
    assert proposal.waiting_days == waiting_days
    assert proposal.max_distance_km == 5.0


def test_run_records_who_started_it_with_rules_and_figures(app: Flask, make: Any) -> None:
    coordinator = make.user()
    make.volunteer()
    make.resident()
    make.resident(languages=["tr"])

    run = _run(app, coordinator)

    assert run.started_by_id == coordinator.id
    assert run.status is RunStatus.KLAAR
    assert run.programme_code is None
    assert run.rules["max_distance_km"] == 5.0
    assert run.rules["weights"] == {"distance": 0.35, "interests": 0.30, "availability": 0.20, "waiting": 0.15}
    assert {k: run.stats[k] for k in ("volunteers", "residents", "proposals", "waiting")} == {
        "volunteers": 1,
        "residents": 2,
        "proposals": 1,
        "waiting": 1,
    }
    run_events = select(AuditEvent.action).where(
        AuditEvent.subject_type == "match_run", AuditEvent.subject_id == run.id
    )
    assert db.session.scalar(run_events) == "match_run.started"


def test_run_stores_unmatched_residents_with_structured_reasons(app: Flask, make: Any) -> None:
    coordinator = make.user()
    make.volunteer(pc4=FAR_PC4, postcode="2201 AA")
    make.volunteer(availability=["sun-morning"])
    resident = make.resident()

    run = _run(app, coordinator)

    (waiting,) = _waiting(run)
    assert waiting.resident_id == resident.id
    assert waiting.feasible_volunteers == 0
    assert sorted(waiting.reasons, key=lambda r: r["code"]) == [
        {"code": "blocked_by_availability", "volunteers": 1},
        {"code": "blocked_by_distance", "volunteers": 1},
    ]


def test_run_without_volunteers_says_so(app: Flask, make: Any) -> None:
    coordinator = make.user()
    make.resident()

    run = _run(app, coordinator)

    assert _waiting(run)[0].reasons == [{"code": "no_volunteers", "volunteers": 0}]


def test_run_reports_residents_whose_postcode_is_unknown(app: Flask, make: Any) -> None:
    coordinator = make.user()
    make.volunteer()
    lost = make.resident(pc4="9999", postcode="9999 ZZ")

    run = _run(app, coordinator)

    (waiting,) = _waiting(run)
    assert (waiting.resident_id, waiting.reasons) == (lost.id, [{"code": "no_location", "volunteers": 0}])


def test_new_run_lapses_earlier_open_proposals_of_residents_in_scope(app: Flask, make: Any) -> None:
    coordinator = make.user()
    make.volunteer()
    make.resident()
    first = _run(app, coordinator)

    second = _run(app, coordinator)

    assert [p.status for p in _proposals(first)] == [ProposalStatus.VERVALLEN]
    assert [p.status for p in _proposals(second)] == [ProposalStatus.OPEN]


def test_run_for_one_programme_leaves_other_programmes_proposals_open(app: Flask, make: Any) -> None:
    coordinator = make.user()
    make.volunteer(programmes=("buddy", "bewegen"), capacity=2)
    make.resident(programme="buddy")
    make.resident(programme="bewegen")
    first = _run(app, coordinator)

    _run(app, coordinator, "bewegen")

    statuses = {p.resident.programme_code: p.status for p in _proposals(first)}
    assert statuses == {"buddy": ProposalStatus.OPEN, "bewegen": ProposalStatus.VERVALLEN}


def test_new_run_keeps_decided_proposals(app: Flask, make: Any) -> None:
    coordinator = make.user()
    volunteer = make.volunteer()
    resident = make.resident()
    old = make.proposal(volunteer, resident, status=ProposalStatus.AFGEWEZEN)

    _run(app, coordinator)

    assert db.session.get(Proposal, old.id).status is ProposalStatus.AFGEWEZEN


def test_run_for_unknown_programme_is_refused(app: Flask, make: Any) -> None:
    with pytest.raises(NotFound):
        run_engine(db.session, make.user(), "breien", app.config)


def test_run_with_invalid_engine_input_is_stored_as_failed(app: Flask, make: Any) -> None:
    coordinator = make.user()
    make.resident()
    app.config["SAMEN_WAITING_HORIZON_DAYS"] = 0

    run = _run(app, coordinator)

    assert run.status is RunStatus.MISLUKT
    assert "waiting_horizon_days" in run.stats["error"]


# -- approval -----------------------------------------------------------------------------------------


@pytest.fixture
def open_proposal(make: Any) -> Proposal:
    return make.proposal(make.volunteer(), make.resident())


def test_approval_starts_the_introduction(open_proposal: Proposal, make: Any) -> None:
    coordinator = make.user()

    match = matches.approve_proposal(db.session, open_proposal.id, coordinator)
    db.session.commit()

    assert (match.volunteer_id, match.resident_id, match.proposal_id, match.status) == (
        open_proposal.volunteer_id,
        open_proposal.resident_id,
        open_proposal.id,
        MatchStatus.KENNISMAKING,
    )
    assert (match.created_by_id, match.run_id) == (coordinator.id, open_proposal.run_id)


def test_approval_marks_the_proposal_approved_by_whom(open_proposal: Proposal, make: Any) -> None:
    coordinator = make.user()

    matches.approve_proposal(db.session, open_proposal.id, coordinator)
    db.session.commit()

    proposal = db.session.get(Proposal, open_proposal.id)
    assert (proposal.status, proposal.decided_by_id) == (ProposalStatus.GOEDGEKEURD, coordinator.id)
    assert proposal.decided_at is not None


def test_approval_moves_the_resident_off_the_waiting_list(open_proposal: Proposal, make: Any) -> None:
    version = open_proposal.resident.version

    matches.approve_proposal(db.session, open_proposal.id, make.user())
    db.session.commit()

    resident = db.session.get(Resident, open_proposal.resident_id)
    assert resident.status is ResidentStatus.KENNISMAKING
    assert resident.version == version + 1


def test_approval_uses_one_place_of_the_volunteer(open_proposal: Proposal, make: Any) -> None:
    version = open_proposal.volunteer.version

    matches.approve_proposal(db.session, open_proposal.id, make.user())
    db.session.commit()

    volunteer = db.session.get(Volunteer, open_proposal.volunteer_id)
    assert (volunteer.places_taken, volunteer.free_capacity) == (1, 0)
    assert volunteer.version == version + 1


def test_approval_is_audited(open_proposal: Proposal, make: Any) -> None:
    matches.approve_proposal(db.session, open_proposal.id, make.user())
    db.session.commit()

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "proposal.approved"))
    assert event.subject_id == open_proposal.id


def test_approving_twice_says_it_was_already_decided(open_proposal: Proposal, make: Any) -> None:
    matches.approve_proposal(db.session, open_proposal.id, make.user())
    db.session.commit()

    with pytest.raises(Conflict, match="al besloten"):
        matches.approve_proposal(db.session, open_proposal.id, make.user())


def test_approving_a_lapsed_proposal_is_refused(open_proposal: Proposal, make: Any) -> None:
    open_proposal.status = ProposalStatus.VERVALLEN
    db.session.commit()

    with pytest.raises(Conflict, match="vervallen"):
        matches.approve_proposal(db.session, open_proposal.id, make.user())


def test_approving_an_unknown_proposal_is_not_found(app: Flask, make: Any) -> None:
    with pytest.raises(NotFound):
        matches.approve_proposal(db.session, 999, make.user())


def test_approving_for_a_volunteer_who_stopped_is_refused(open_proposal: Proposal, make: Any) -> None:
    from webapp.models import utcnow

    open_proposal.volunteer.stopped_at = utcnow()
    db.session.commit()

    with pytest.raises(DomainError, match="gestopt"):
        matches.approve_proposal(db.session, open_proposal.id, make.user())


# -- rejection ----------------------------------------------------------------------------------------


def test_rejection_stores_reason_note_and_who(open_proposal: Proposal, make: Any) -> None:
    coordinator = make.user()

    matches.reject_proposal(db.session, open_proposal.id, coordinator, "wens_bewoner", "Liever een man")
    db.session.commit()

    proposal = db.session.get(Proposal, open_proposal.id)
    assert (
        proposal.status,
        proposal.rejection_reason_code,
        proposal.rejection_note,
        proposal.decided_by_id,
        proposal.excluded_until,
    ) == (ProposalStatus.AFGEWEZEN, "wens_bewoner", "Liever een man", coordinator.id, None)


def test_rejection_needs_a_reason(open_proposal: Proposal, make: Any) -> None:
    with pytest.raises(DomainError, match="Kies een reden"):
        matches.reject_proposal(db.session, open_proposal.id, make.user(), "", "")


def test_rejection_with_reason_other_needs_a_note(open_proposal: Proposal, make: Any) -> None:
    with pytest.raises(DomainError, match="Licht de reden toe"):
        matches.reject_proposal(db.session, open_proposal.id, make.user(), "anders", "  ")


def test_rejecting_a_decided_proposal_is_refused(open_proposal: Proposal, make: Any) -> None:
    matches.approve_proposal(db.session, open_proposal.id, make.user())
    db.session.commit()

    with pytest.raises(Conflict, match="al besloten"):
        matches.reject_proposal(db.session, open_proposal.id, make.user(), "past_niet")


def test_rejected_pair_is_never_proposed_again(app: Flask, make: Any) -> None:
    coordinator = make.user()
    make.volunteer()
    make.resident()
    (first,) = _proposals(_run(app, coordinator))
    matches.reject_proposal(db.session, first.id, coordinator, "past_niet")
    db.session.commit()

    second = _run(app, coordinator)

    assert _proposals(second) == []
    assert _waiting(second)[0].reasons == [{"code": "blocked_by_excluded", "volunteers": 1}]


def test_rejected_pair_leaves_room_for_another_volunteer(app: Flask, make: Any) -> None:
    coordinator = make.user()
    make.volunteer()
    other = make.volunteer(pc4="2283", postcode="2283 AA")
    make.resident()
    best = max(_proposals(_run(app, coordinator)), key=lambda p: p.score)
    matches.reject_proposal(db.session, best.id, coordinator, "afstand")
    db.session.commit()

    (again,) = _proposals(_run(app, coordinator))

    assert again.volunteer_id == other.id != best.volunteer_id


def test_a_rejection_for_a_number_of_days_keeps_the_pair_apart_until_its_last_day(app: Flask, make: Any) -> None:
    coordinator = make.user()
    make.volunteer()
    make.resident()
    (first,) = _proposals(_run(app, coordinator))
    matches.reject_proposal(db.session, first.id, coordinator, "tijden", today=date(2026, 3, 1))
    db.session.commit()
    assert db.session.get(Proposal, first.id).excluded_until == date(2026, 5, 30)  # 90 days

    on_the_last_day = convert.excluded_pairs(db.session, today=date(2026, 5, 30))
    the_day_after = convert.excluded_pairs(db.session, today=date(2026, 5, 31))

    assert (first.volunteer_id, first.resident_id) in on_the_last_day
    assert the_day_after == frozenset()


def test_an_undone_rejection_lets_the_pair_be_proposed_again(app: Flask, make: Any) -> None:
    coordinator = make.user()
    make.volunteer()
    make.resident()
    (first,) = _proposals(_run(app, coordinator))
    matches.reject_proposal(db.session, first.id, coordinator, "past_niet")
    matches.undo_rejection(db.session, first.id, coordinator, "Per ongeluk afgewezen")
    db.session.commit()

    (again,) = _proposals(_run(app, coordinator))

    assert (again.volunteer_id, again.resident_id) == (first.volunteer_id, first.resident_id)
    undone = db.session.get(Proposal, first.id)
    assert (undone.status, undone.rejection_undo_note, undone.rejection_undone_by_id) == (
        ProposalStatus.AFGEWEZEN,
        "Per ongeluk afgewezen",
        coordinator.id,
    )


def test_undoing_needs_a_reason_and_happens_once(open_proposal: Proposal, make: Any) -> None:
    coordinator = make.user()
    matches.reject_proposal(db.session, open_proposal.id, coordinator, "past_niet")

    with pytest.raises(DomainError, match="waarom"):
        matches.undo_rejection(db.session, open_proposal.id, coordinator, " ")
    matches.undo_rejection(db.session, open_proposal.id, coordinator, "Toch wel")
    with pytest.raises(Conflict, match="al ingetrokken"):
        matches.undo_rejection(db.session, open_proposal.id, coordinator, "Nog eens")


def test_only_a_rejected_proposal_can_be_undone(open_proposal: Proposal, make: Any) -> None:
    with pytest.raises(Conflict, match="niet afgewezen"):
        matches.undo_rejection(db.session, open_proposal.id, make.user(), "Waarom niet")


def test_pair_whose_match_ended_is_never_proposed_again(app: Flask, make: Any) -> None:
    coordinator = make.user()
    volunteer = make.volunteer()
    resident = make.resident()
    make.match(volunteer, resident, coordinator, status=MatchStatus.BEEINDIGD)

    run = _run(app, coordinator)

    assert _proposals(run) == []


# -- candidates and choosing by hand ------------------------------------------------------------------


def test_candidates_are_feasible_volunteers_best_first(app: Flask, make: Any) -> None:
    far = make.volunteer(pc4="2286", postcode="2286 AA")
    near = make.volunteer()
    make.volunteer(pc4=FAR_PC4, postcode="2201 AA")
    resident = make.resident()

    result = matching.candidates_for(db.session, resident.id, app.config)

    assert [c.volunteer.id for c in result.candidates] == [near.id, far.id]
    assert result.candidates[0].proposal.score > result.candidates[1].proposal.score


def test_candidates_are_at_most_k(app: Flask, make: Any) -> None:
    for _ in range(7):
        make.volunteer()
    resident = make.resident()

    result = matching.candidates_for(db.session, resident.id, app.config, k=5)

    assert len(result.candidates) == 5


def test_candidates_leave_out_rejected_pairs(app: Flask, make: Any) -> None:
    rejected = make.volunteer()
    resident = make.resident()
    make.proposal(rejected, resident, status=ProposalStatus.AFGEWEZEN)

    result = matching.candidates_for(db.session, resident.id, app.config)

    assert result.candidates == ()
    assert result.reasons == ({"code": "blocked_by_excluded", "volunteers": 1},)


def test_candidates_count_open_proposals_to_other_residents(app: Flask, make: Any) -> None:
    volunteer = make.volunteer()
    make.proposal(volunteer, make.resident())
    resident = make.resident()

    (candidate,) = matching.candidates_for(db.session, resident.id, app.config).candidates

    assert candidate.other_open_proposals == 1


def test_candidates_for_a_resident_who_has_a_buddy_are_refused(app: Flask, make: Any) -> None:
    resident = make.match(make.volunteer(), make.resident()).resident

    with pytest.raises(Conflict, match="al een maatje"):
        matching.candidates_for(db.session, resident.id, app.config)


def test_choosing_by_hand_creates_a_match_without_proposal(app: Flask, make: Any) -> None:
    volunteer = make.volunteer()
    resident = make.resident()

    match = matching.choose_volunteer(db.session, resident.id, volunteer.id, make.user(), app.config)
    db.session.commit()

    assert (match.volunteer_id, match.resident_id, match.proposal_id, match.status) == (
        volunteer.id,
        resident.id,
        None,
        MatchStatus.KENNISMAKING,
    )
    assert db.session.get(Volunteer, volunteer.id).places_taken == 1
    assert db.session.get(Resident, resident.id).status is ResidentStatus.KENNISMAKING


def test_choosing_by_hand_from_a_run_page_belongs_to_that_run(app: Flask, make: Any) -> None:
    run = make.run()
    resident = make.resident()

    match = matching.choose_volunteer(
        db.session, resident.id, make.volunteer().id, make.user(), app.config, run_id=run.id
    )

    assert match.run_id == run.id


def test_a_resident_nobody_held_the_intake_talk_with_cannot_be_matched(app: Flask, make: Any) -> None:
    resident = make.resident(intake_on=None)

    with pytest.raises(DomainError, match="intakegesprek"):
        matching.choose_volunteer(db.session, resident.id, make.volunteer().id, make.user(), app.config)
    with pytest.raises(DomainError, match="intakegesprek"):
        matching.candidates_for(db.session, resident.id, app.config)


def test_choosing_by_hand_lapses_the_residents_open_proposal(app: Flask, make: Any) -> None:
    coordinator = make.user()
    resident = make.resident()
    proposed = make.proposal(make.volunteer(), resident)
    chosen = make.volunteer()

    matching.choose_volunteer(db.session, resident.id, chosen.id, coordinator, app.config)
    db.session.commit()

    assert db.session.get(Proposal, proposed.id).status is ProposalStatus.VERVALLEN


def test_choosing_a_volunteer_who_lives_too_far_is_refused_with_the_reason(app: Flask, make: Any) -> None:
    volunteer = make.volunteer(pc4=FAR_PC4, postcode="2201 AA")
    resident = make.resident()

    with pytest.raises(DomainError, match="te ver weg"):
        matching.choose_volunteer(db.session, resident.id, volunteer.id, make.user(), app.config)


def test_choosing_a_rejected_pair_is_refused(app: Flask, make: Any) -> None:
    coordinator = make.user()
    volunteer = make.volunteer()
    resident = make.resident()
    make.proposal(volunteer, resident, status=ProposalStatus.AFGEWEZEN)

    with pytest.raises(DomainError, match="eerder afgewezen"):
        matching.choose_volunteer(db.session, resident.id, volunteer.id, coordinator, app.config)


def test_choosing_an_unscreened_volunteer_is_refused(app: Flask, make: Any) -> None:
    volunteer = make.volunteer(screened=False)
    resident = make.resident()

    with pytest.raises(DomainError, match="kan nu niet gekoppeld worden"):
        matching.choose_volunteer(db.session, resident.id, volunteer.id, make.user(), app.config)


def test_choosing_a_full_volunteer_is_refused(app: Flask, make: Any) -> None:
    volunteer = make.volunteer(capacity=1, places_taken=1)
    resident = make.resident()

    with pytest.raises(Conflict, match="geen plek meer"):
        matching.choose_volunteer(db.session, resident.id, volunteer.id, make.user(), app.config)


def test_choosing_an_unknown_volunteer_is_not_found(app: Flask, make: Any) -> None:
    resident = make.resident()

    with pytest.raises(NotFound):
        matching.choose_volunteer(db.session, resident.id, 999, make.user(), app.config)


def test_only_one_match_row_per_choice(app: Flask, make: Any) -> None:
    volunteer = make.volunteer(capacity=2)
    resident = make.resident()

    matching.choose_volunteer(db.session, resident.id, volunteer.id, make.user(), app.config)
    db.session.commit()

    assert make.holding_matches(resident_id=resident.id) == 1
    assert db.session.scalar(select(Match.id).where(Match.resident_id == resident.id)) is not None
