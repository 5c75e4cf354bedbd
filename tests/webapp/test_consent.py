"""Consent per purpose in one table: giving, withdrawing and giving again; a withdrawal stops that processing at
once (matching runs, choosing by hand, approving, the referrer's notices and view); the pages' consent section and
its forms; who may use them; and migration 0006, which moves the inline consent columns into the table."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from tests.webapp.conftest import AuthActions
from tests.webapp.factories import today
from tests.webapp.runs_helpers import run_engine
from webapp import convert
from webapp.enums import AuditAction, ConsentGiver, ConsentMethod, ConsentPurpose, ReferralStatus
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    Consent,
    OrganisationKind,
    OutboxMail,
    Proposal,
    ProposalStatus,
    Resident,
    Role,
    RunWaitingResident,
    User,
    Volunteer,
)
from webapp.reasons import waiting_reasons
from webapp.rules import NO_CONSENT, Blocker, eligibility_blockers
from webapp.services import consent, matches, matching
from webapp.services.errors import Conflict, DomainError
from webapp.services.residents import record_intake
from webapp.services.volunteers import VolunteerSignup, register_volunteer

MATCHING = ConsentPurpose.INTAKE_MATCHING
SHARING = ConsentPurpose.SHARE_STATUS


def _given(purpose: ConsentPurpose = MATCHING, **overrides: Any) -> consent.GivenConsent:
    values: dict[str, Any] = {
        "purpose": purpose,
        "given_by": ConsentGiver.PERSON,
        "method": ConsentMethod.SCHRIFTELIJK,
        "given_on": today() - timedelta(days=3),
        "text_version": "2026-11",
    }
    values.update(overrides)
    return consent.GivenConsent(**values)


def _rows(person: Resident | Volunteer, purpose: ConsentPurpose | None = None) -> list[Consent]:
    db.session.expire_all()
    owner = Consent.resident_id if isinstance(person, Resident) else Consent.volunteer_id
    query = select(Consent).where(owner == person.id).order_by(Consent.id)
    if purpose is not None:
        query = query.where(Consent.purpose == purpose)
    return list(db.session.scalars(query))


def _audit(action: AuditAction) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _fingerprint() -> tuple[Any, ...]:
    """Everything a consent form could write: consents, their audit rows, proposals."""
    db.session.expire_all()
    return (
        db.session.execute(
            select(Consent.id, Consent.withdrawn_at, Consent.withdrawal_note).order_by(Consent.id)
        ).all(),
        db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action.like("consent.%"))),
        db.session.execute(select(Proposal.id, Proposal.status).order_by(Proposal.id)).all(),
    )


@pytest.fixture
def staff(make: Any) -> User:
    return make.user(Role.COORDINATOR, name="Carla Coördinator")


@pytest.fixture
def flatcoach(make: Any) -> User:
    organisation = make.organisation("Rijswijk Wonen", kind=OrganisationKind.WONEN)
    return make.user(Role.REFERRER, email="flatcoach@rijswijkwonen.nl", organisation=organisation, name="Fatima")


# -- giving, withdrawing, giving again (the service) -------------------------------------------------------------


def test_a_consent_records_its_text_version_giver_method_recorder_and_day(make: Any, staff: User) -> None:
    resident = make.resident(consents=())

    row = consent.give(db.session, resident, _given(ConsentPurpose.LONELINESS), staff)
    db.session.commit()

    assert (row.purpose, row.text_version, row.given_by, row.method, row.given_on, row.recorded_by_id) == (
        ConsentPurpose.LONELINESS,
        "2026-11",
        ConsentGiver.PERSON,
        ConsentMethod.SCHRIFTELIJK,
        today() - timedelta(days=3),
        staff.id,
    )
    assert row.recorded_at is not None
    assert row.withdrawn_at is None
    assert consent.has_consent(db.session, ConsentPurpose.LONELINESS, resident_id=resident.id)
    assert not consent.has_consent(db.session, MATCHING, resident_id=resident.id)


def test_current_lists_every_purpose_with_its_standing_or_latest_consent(make: Any, staff: User) -> None:
    resident = make.resident()
    consent.give(db.session, resident, _given(ConsentPurpose.EVALUATION), staff)
    consent.withdraw(db.session, resident, ConsentPurpose.EVALUATION, staff)

    states = {state.purpose: state for state in consent.current(db.session, resident)}

    assert list(states) == list(ConsentPurpose)
    assert states[MATCHING].given
    assert states[ConsentPurpose.EVALUATION].withdrawn
    assert states[SHARING].consent is None
    assert not states[SHARING].given


def test_a_volunteer_has_no_referrer_to_share_a_status_with(make: Any, staff: User) -> None:
    volunteer = make.volunteer()

    assert [state.purpose for state in consent.current(db.session, volunteer)] == list(consent.VOLUNTEER_PURPOSES)
    with pytest.raises(consent.ConsentError) as refused:
        consent.give(db.session, volunteer, _given(SHARING), staff)
    assert refused.value.field == "purpose"


def test_a_second_consent_for_a_standing_purpose_is_refused(make: Any, staff: User) -> None:
    resident = make.resident()

    with pytest.raises(Conflict, match="al toestemming gegeven"):
        consent.give(db.session, resident, _given(MATCHING), staff)
    assert len(_rows(resident, MATCHING)) == 1


def test_the_database_holds_one_standing_consent_per_person_and_purpose(make: Any, staff: User) -> None:
    resident = make.resident()
    db.session.commit()

    db.session.add(
        Consent(
            resident_id=resident.id,
            purpose=MATCHING,
            text_version="2026-11",
            given_by=ConsentGiver.PERSON,
            method=ConsentMethod.MONDELING,
            given_on=today(),
            recorded_by_id=staff.id,
            withdrawal_note="",
        )
    )

    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_withdrawing_is_one_action_and_giving_again_is_a_new_row(make: Any, staff: User) -> None:
    resident = make.resident()
    db.session.commit()

    withdrawal = consent.withdraw(db.session, resident, MATCHING, staff, "  Belde zelf op.  ")
    db.session.commit()
    assert not consent.has_consent(db.session, MATCHING, resident_id=resident.id)
    assert (withdrawal.consent.withdrawn_by_id, withdrawal.consent.withdrawal_note) == (staff.id, "Belde zelf op.")

    again = consent.give(db.session, resident, _given(MATCHING, given_on=today()), staff)
    db.session.commit()

    rows = _rows(resident, MATCHING)
    assert [row.id for row in rows] == [withdrawal.consent.id, again.id]
    assert rows[0].withdrawn_at is not None
    assert rows[1].withdrawn_at is None
    assert consent.has_consent(db.session, MATCHING, resident_id=resident.id)


def test_withdrawing_what_is_not_given_is_refused(make: Any, staff: User) -> None:
    resident = make.resident()
    consent.withdraw(db.session, resident, MATCHING, staff)

    with pytest.raises(Conflict, match="niets in te trekken"):
        consent.withdraw(db.session, resident, MATCHING, staff)
    with pytest.raises(Conflict, match="niets in te trekken"):
        consent.withdraw(db.session, resident, ConsentPurpose.EVALUATION, staff)


def test_the_audit_trail_names_the_consent_and_purpose_and_never_the_note(make: Any, staff: User) -> None:
    resident = make.resident(consents=())
    row = consent.give(db.session, resident, _given(MATCHING), staff)
    consent.withdraw(db.session, resident, MATCHING, staff, "Wil niet meer gebeld worden: 06 1234 5678")
    db.session.commit()

    (given,) = _audit(AuditAction.CONSENT_GIVEN)
    (withdrawn,) = _audit(AuditAction.CONSENT_WITHDRAWN)
    assert (given.user_id, given.subject_type, given.subject_id) == (staff.id, "resident", resident.id)
    assert given.detail == {"consent": row.id, "purpose": "intake_koppelen"}
    assert withdrawn.detail == {"consent": row.id, "purpose": "intake_koppelen", "lapsed_proposals": 0}
    assert "1234" not in repr(withdrawn.detail)


def test_a_resident_under_16_needs_a_legal_representative(make: Any, staff: User) -> None:
    resident = make.resident(consents=(), birth_date=today().replace(year=today().year - 12))

    with pytest.raises(consent.ConsentError, match="jonger dan 16") as refused:
        consent.give(db.session, resident, _given(MATCHING), staff)
    assert refused.value.field == "given_by"
    assert _rows(resident) == []

    row = consent.give(db.session, resident, _given(MATCHING, given_by=ConsentGiver.REPRESENTATIVE), staff)
    assert row.given_by is ConsentGiver.REPRESENTATIVE


def test_a_representative_for_someone_of_16_or_older_is_a_warning_not_a_refusal(make: Any, staff: User) -> None:
    resident = make.resident(consents=(), birth_date=date(1950, 3, 1))
    given = _given(MATCHING, given_by=ConsentGiver.REPRESENTATIVE)

    consent.give(db.session, resident, given, staff)

    warning = consent.representative_warning(resident, given)
    assert warning is not None
    assert "curatele" in warning
    assert consent.representative_warning(resident, _given(MATCHING)) is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"given_on": today() + timedelta(days=1)}, "given_on"),
        ({"text_version": "   "}, "text_version"),
        ({"text_version": "x" * 21}, "text_version"),
        ({"method": ConsentMethod.ONLINE}, "method"),
    ],
)
def test_a_consent_the_form_should_have_caught_is_refused_by_the_service(
    make: Any, staff: User, overrides: dict[str, Any], field: str
) -> None:
    resident = make.resident(consents=())

    with pytest.raises(consent.ConsentError) as refused:
        consent.give(db.session, resident, _given(MATCHING, **overrides), staff)

    assert refused.value.field == field
    assert _rows(resident) == []


def test_the_volunteers_sign_up_form_gives_the_consent_for_intake_and_matching_online(app: Flask) -> None:
    signup = VolunteerSignup(
        first_name="Anna",
        last_name="de Vries",
        email="anna@example.org",
        phone="06 12345678",
        birth_date=date(1990, 5, 17),
        postcode="2282 AB",
        pc4="2282",
        gender=None,
        programmes=("buddy",),
        interests=("wandelen",),
        availability=("tue-evening",),
        languages=("nl",),
        max_distance_km=5.0,
        capacity=1,
        motivation="",
        lonely_themselves=False,
        consent_version="2026-11",
    )

    volunteer = register_volunteer(db.session, signup)

    (row,) = _rows(volunteer)
    assert (row.purpose, row.given_by, row.method, row.recorded_by_id, row.text_version, row.given_on) == (
        MATCHING,
        ConsentGiver.PERSON,
        ConsentMethod.ONLINE,
        None,
        "2026-11",
        today(),
    )


def test_merging_a_duplicate_keeps_its_consents(make: Any, staff: User) -> None:
    from webapp.services import volunteers

    kept = make.volunteer(email="anna@example.org")
    other = make.volunteer(email="Anna@Example.org", consents=(MATCHING, ConsentPurpose.EVALUATION))
    consent.withdraw(db.session, other, MATCHING, staff)
    db.session.commit()

    volunteers.merge_volunteers(db.session, kept, other, staff, kept.version, other.version)
    db.session.commit()

    rows = _rows(kept)
    assert sorted((row.purpose.value, row.withdrawn_at is None) for row in rows) == [
        ("evaluatie_contact", True),
        ("intake_koppelen", False),
        ("intake_koppelen", True),
    ]


# -- withdrawing consent for matching stops it at once -----------------------------------------------------------


def test_a_resident_who_withdraws_leaves_the_next_run_and_is_told_why(app: Flask, make: Any, staff: User) -> None:
    volunteer = make.volunteer()
    resident = make.resident()
    consent.withdraw(db.session, resident, MATCHING, staff)
    db.session.commit()

    run = run_engine(db.session, staff, None, app.config)
    db.session.commit()

    proposed = db.session.scalars(select(Proposal.resident_id).where(Proposal.run_id == run.id)).all()
    assert proposed == []
    (waiting,) = db.session.scalars(select(RunWaitingResident).where(RunWaitingResident.run_id == run.id)).all()
    assert (waiting.resident_id, waiting.reasons) == (resident.id, [{"code": NO_CONSENT, "volunteers": 0}])
    assert waiting_reasons(waiting.reasons) == ["de bewoner heeft geen toestemming (meer) gegeven voor koppelen"]
    assert (run.stats["residents"], run.stats["proposals"], run.stats["waiting"]) == (1, 0, 1)
    assert volunteer.places_taken == 0


def test_giving_the_consent_again_brings_the_resident_back_into_runs(app: Flask, make: Any, staff: User) -> None:
    volunteer = make.volunteer()
    resident = make.resident()
    consent.withdraw(db.session, resident, MATCHING, staff)
    consent.give(db.session, resident, _given(MATCHING, given_on=today()), staff)
    db.session.commit()

    run = run_engine(db.session, staff, None, app.config)
    db.session.commit()

    proposed = db.session.execute(select(Proposal.volunteer_id, Proposal.resident_id).where(Proposal.run_id == run.id))
    assert proposed.all() == [(volunteer.id, resident.id)]


def test_withdrawing_lapses_the_residents_open_proposal_which_can_no_longer_be_approved(make: Any, staff: User) -> None:
    resident = make.resident()
    proposal = make.proposal(make.volunteer(), resident)
    db.session.commit()

    withdrawal = consent.withdraw(db.session, resident, MATCHING, staff)
    db.session.commit()

    assert withdrawal.lapsed_proposals == 1
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.VERVALLEN
    with pytest.raises(Conflict, match="vervallen"):
        matches.approve_proposal(db.session, proposal.id, staff)
    db.session.rollback()
    assert make.holding_matches(resident_id=resident.id) == 0


def test_an_open_proposal_without_the_residents_consent_is_not_approved(make: Any, staff: User) -> None:
    resident = make.resident()
    consent.withdraw(db.session, resident, MATCHING, staff)
    proposal = make.proposal(make.volunteer(), resident)  # as if a run had left one behind
    db.session.commit()

    with pytest.raises(DomainError, match="geen toestemming"):
        matches.approve_proposal(db.session, proposal.id, staff)
    db.session.rollback()

    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.OPEN
    assert make.holding_matches(resident_id=resident.id) == 0


def test_approving_on_the_run_page_after_the_withdrawal_changes_nothing(
    as_coordinator: FlaskClient, make: Any, coordinator: User
) -> None:
    resident = make.resident()
    proposal = make.proposal(make.volunteer(), resident)
    consent.withdraw(db.session, resident, MATCHING, coordinator)
    db.session.commit()

    response = as_coordinator.post(f"/koppelen/voorstellen/{proposal.id}/goedkeuren", follow_redirects=True)

    assert response.status_code == 200
    assert "vervallen" in response.text
    assert make.holding_matches(resident_id=resident.id) == 0


def test_a_resident_without_consent_cannot_be_chosen_by_hand(app: Flask, make: Any, staff: User) -> None:
    resident = make.resident()
    volunteer = make.volunteer()
    consent.withdraw(db.session, resident, MATCHING, staff)

    with pytest.raises(Conflict, match="geen toestemming"):
        matching.candidates_for(db.session, resident.id, app.config)
    with pytest.raises(Conflict, match="geen toestemming"):
        matching.choose_volunteer(db.session, resident.id, volunteer.id, staff, app.config)
    assert make.holding_matches(resident_id=resident.id) == 0


def test_the_candidates_page_says_why_a_resident_without_consent_is_not_matched(
    as_coordinator: FlaskClient, make: Any, coordinator: User
) -> None:
    resident = make.resident(recorded_by=coordinator)
    make.volunteer()
    consent.withdraw(db.session, resident, MATCHING, coordinator)
    db.session.commit()

    response = as_coordinator.get(f"/koppelen/bewoners/{resident.id}/kandidaten")

    assert response.status_code == 200
    assert "geen toestemming (meer) gegeven voor intake en koppelen" in response.text


def test_a_volunteer_who_withdraws_is_not_proposed_and_their_proposals_lapse(
    app: Flask, make: Any, staff: User
) -> None:
    volunteer = make.volunteer()
    proposal = make.proposal(volunteer, make.resident())
    db.session.commit()

    withdrawal = consent.withdraw(db.session, volunteer, MATCHING, staff)
    db.session.commit()

    assert withdrawal.lapsed_proposals == 1
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.VERVALLEN
    blockers = eligibility_blockers(volunteer, convert.load_programmes(db.session), today(), 3)
    assert Blocker.NO_CONSENT in blockers["buddy"]
    assert volunteer.id not in {v.id for v in convert.candidate_volunteers(db.session)}
    run = run_engine(db.session, staff, None, app.config)
    assert db.session.scalar(select(func.count(Proposal.id)).where(Proposal.run_id == run.id)) == 0


def test_a_proposal_with_a_volunteer_without_consent_is_not_approved(make: Any, staff: User) -> None:
    volunteer = make.volunteer()
    consent.withdraw(db.session, volunteer, MATCHING, staff)
    proposal = make.proposal(volunteer, make.resident())
    db.session.commit()

    with pytest.raises(DomainError, match="geen toestemming"):
        matches.approve_proposal(db.session, proposal.id, staff)
    db.session.rollback()

    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.OPEN


def test_withdrawing_during_a_match_says_the_match_goes_on_until_it_is_ended(make: Any, staff: User) -> None:
    resident = make.resident()
    make.match(make.volunteer(), resident)

    withdrawal = consent.withdraw(db.session, resident, MATCHING, staff)

    assert withdrawal.running_match
    assert make.holding_matches(resident_id=resident.id) == 1


# -- sharing the status with the referrer ------------------------------------------------------------------------


def _status_mails(referral: Any) -> list[OutboxMail]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboxMail).where(OutboxMail.dedupe_key.startswith(f"referral-status:{referral.id}:"))
        )
    )


def test_withdrawing_the_consent_to_share_the_status_stops_the_notices(make: Any, flatcoach: User, staff: User) -> None:
    referral = make.referral(flatcoach)
    consent.withdraw(db.session, referral.resident, SHARING, staff)

    record_intake(db.session, staff, referral.resident, today())
    db.session.commit()

    assert referral.status is ReferralStatus.IN_BEHANDELING
    assert _status_mails(referral) == []


def test_a_notice_already_queued_is_dropped_when_the_consent_is_withdrawn(
    make: Any, flatcoach: User, staff: User
) -> None:
    referral = make.referral(flatcoach)
    record_intake(db.session, staff, referral.resident, today())
    db.session.commit()
    assert len(_status_mails(referral)) == 1

    consent.withdraw(db.session, referral.resident, SHARING, staff)
    db.session.commit()

    assert _status_mails(referral) == []


def test_the_referrer_sees_only_that_the_consent_was_withdrawn(
    client: FlaskClient, auth: AuthActions, make: Any, flatcoach: User, staff: User
) -> None:
    referral = make.referral(flatcoach, phone="070 7654321")
    record_intake(db.session, staff, referral.resident, today())
    consent.withdraw(db.session, referral.resident, SHARING, staff)
    db.session.commit()
    auth.login_as(flatcoach)

    page = client.get(f"/verwijzingen/{referral.id}").text
    listed = client.get("/verwijzingen/").text
    filtered = client.get("/verwijzingen/?status=in+behandeling").text

    assert "toestemming ingetrokken" in page.lower()
    assert referral.resident.full_name in page
    for secret in ("in behandeling", "Stappen", "070 7654321", "Contactgegevens corrigeren", "Verwijzing intrekken"):
        assert secret not in page
    assert "toestemming ingetrokken" in listed
    assert ">in behandeling</span>" not in listed
    assert referral.resident.full_name not in filtered


def test_the_referrer_cannot_correct_or_withdraw_once_the_consent_is_withdrawn(
    client: FlaskClient, auth: AuthActions, make: Any, flatcoach: User, staff: User
) -> None:
    referral = make.referral(flatcoach)
    consent.withdraw(db.session, referral.resident, SHARING, staff)
    db.session.commit()
    auth.login_as(flatcoach)
    before = referral.resident.phone

    corrected = client.post(
        f"/verwijzingen/{referral.id}/wijzigen",
        data={"first_name": "X", "last_name": "Y", "phone": "0612345678", "postcode": "2282 AB", "version": "1"},
    )
    withdrawn = client.post(f"/verwijzingen/{referral.id}/intrekken", data={"reason": "Wil niet meer."})

    assert corrected.status_code == 409
    assert "toestemming ingetrokken" in corrected.text
    assert withdrawn.status_code == 409
    db.session.expire_all()
    resident = db.session.get(Resident, referral.resident_id)
    assert (resident.phone, resident.closed_at) == (before, None)


# -- the pages ---------------------------------------------------------------------------------------------------


def test_the_residents_page_shows_each_purpose_with_its_status(
    as_coordinator: FlaskClient, make: Any, coordinator: User
) -> None:
    resident = make.resident(recorded_by=coordinator, consents=(MATCHING, ConsentPurpose.EVALUATION))
    consent.withdraw(db.session, resident, ConsentPurpose.EVALUATION, coordinator)
    db.session.commit()

    html = as_coordinator.get(f"/bewoners/{resident.id}").text

    assert 'id="toestemming"' in html
    assert "intake en koppelen aan een maatje" in html
    assert "tekstversie 2026-11" in html
    assert "Vastgelegd door Carla Coördinator" in html
    assert "ingetrokken" in html
    assert "niet gegeven" in html
    assert f'action="/bewoners/{resident.id}/toestemming/intake_koppelen/intrekken"' in html
    assert "De bewoner doet dan niet meer mee aan koppelrondes" in html
    assert f'action="/bewoners/{resident.id}/toestemming"' in html


def test_a_coordinator_withdraws_a_consent_on_the_residents_page(
    as_coordinator: FlaskClient, make: Any, coordinator: User
) -> None:
    resident = make.resident(recorded_by=coordinator)
    proposal = make.proposal(make.volunteer(), resident)
    db.session.commit()

    response = as_coordinator.post(
        f"/bewoners/{resident.id}/toestemming/intake_koppelen/intrekken",
        data={"intrekken-intake_koppelen-note": "Belde op 2 december."},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/bewoners/{resident.id}#toestemming"
    (row,) = _rows(resident, MATCHING)
    assert (row.withdrawn_by_id, row.withdrawal_note) == (coordinator.id, "Belde op 2 december.")
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.VERVALLEN
    page = as_coordinator.get(f"/bewoners/{resident.id}").text
    assert "De toestemming voor intake en koppelen aan een maatje is ingetrokken." in page
    assert "1 open voorstel is vervallen." in page


def test_a_coordinator_records_a_consent_on_the_residents_page(
    as_coordinator: FlaskClient, make: Any, coordinator: User
) -> None:
    resident = make.resident(recorded_by=coordinator)
    db.session.commit()

    response = as_coordinator.post(
        f"/bewoners/{resident.id}/toestemming",
        data={
            "toestemming-purpose": "eenzaamheid_meten",
            "toestemming-given_by": "persoon",
            "toestemming-method": "mondeling",
            "toestemming-given_on": today().isoformat(),
            "toestemming-text_version": "2026-11",
        },
    )

    assert response.status_code == 302
    (row,) = _rows(resident, ConsentPurpose.LONELINESS)
    assert (row.method, row.recorded_by_id, row.given_on) == (ConsentMethod.MONDELING, coordinator.id, today())


def _give_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "purpose": "eenzaamheid_meten",
        "given_by": "persoon",
        "method": "mondeling",
        "given_on": today().isoformat(),
        "text_version": "2026-11",
    }
    data.update(overrides)
    return {f"toestemming-{key}": value for key, value in data.items() if value is not None}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"purpose": None}, "Kies het doel van de toestemming."),
        ({"purpose": "intake_koppelen"}, "Ongeldige keuze."),  # already given: not on offer
        ({"purpose": "iets_anders"}, "Ongeldige keuze."),
        ({"given_by": None}, "Kies wie toestemming gaf."),
        ({"method": "online"}, "Ongeldige keuze."),
        ({"given_on": ""}, "Vul de datum in waarop de toestemming is gegeven."),
        ({"given_on": (today() + timedelta(days=1)).isoformat()}, "kan niet in de toekomst liggen"),
        ({"text_version": ""}, "Vul de versie van de toestemmingstekst in."),
        ({"text_version": "x" * 21}, "Maximaal 20 tekens."),
    ],
)
def test_bad_input_is_refused_with_a_dutch_message_and_nothing_is_written(
    as_coordinator: FlaskClient, make: Any, coordinator: User, overrides: dict[str, Any], message: str
) -> None:
    resident = make.resident(recorded_by=coordinator)
    db.session.commit()
    before = _fingerprint()

    response = as_coordinator.post(f"/bewoners/{resident.id}/toestemming", data=_give_post(**overrides))

    assert response.status_code == 422
    assert message in response.text
    assert "Het formulier is niet verwerkt." in response.text
    assert _fingerprint() == before


def test_a_resident_under_16_is_refused_a_consent_of_their_own_on_the_page(
    as_coordinator: FlaskClient, make: Any, coordinator: User
) -> None:
    resident = make.resident(recorded_by=coordinator, birth_date=today().replace(year=today().year - 10))
    db.session.commit()
    before = _fingerprint()

    page = as_coordinator.get(f"/bewoners/{resident.id}").text
    response = as_coordinator.post(f"/bewoners/{resident.id}/toestemming", data=_give_post())

    assert "jonger dan 16 jaar" in page
    assert response.status_code == 422
    assert "jonger dan 16 jaar" in response.text
    assert _fingerprint() == before


def test_a_representative_for_an_adult_is_recorded_with_a_warning(
    as_coordinator: FlaskClient, make: Any, coordinator: User
) -> None:
    resident = make.resident(recorded_by=coordinator, birth_date=date(1948, 2, 2))
    db.session.commit()

    response = as_coordinator.post(
        f"/bewoners/{resident.id}/toestemming", data=_give_post(given_by="vertegenwoordiger"), follow_redirects=True
    )

    assert response.status_code == 200
    assert "curatele of mentorschap" in response.text
    assert _rows(resident, ConsentPurpose.LONELINESS)[0].given_by is ConsentGiver.REPRESENTATIVE


def test_a_too_long_withdrawal_note_is_refused_and_the_consent_stands(
    as_coordinator: FlaskClient, make: Any, coordinator: User
) -> None:
    resident = make.resident(recorded_by=coordinator)
    db.session.commit()
    before = _fingerprint()

    response = as_coordinator.post(
        f"/bewoners/{resident.id}/toestemming/intake_koppelen/intrekken",
        data={"intrekken-intake_koppelen-note": "x" * 1001},
    )

    assert response.status_code == 422
    assert "Maximaal 1000 tekens." in response.text
    assert _fingerprint() == before


def test_withdrawing_a_consent_that_is_not_given_answers_409(
    as_coordinator: FlaskClient, make: Any, coordinator: User
) -> None:
    resident = make.resident(recorded_by=coordinator)
    db.session.commit()
    before = _fingerprint()

    response = as_coordinator.post(f"/bewoners/{resident.id}/toestemming/evaluatie_contact/intrekken")

    assert response.status_code == 409
    assert "niets in te trekken" in response.text
    assert _fingerprint() == before


@pytest.mark.parametrize(
    "path",
    [
        "/bewoners/{resident}/toestemming/onzin/intrekken",
        "/bewoners/999999/toestemming/intake_koppelen/intrekken",
        "/bewoners/999999/toestemming",
        "/vrijwilligers/{volunteer}/toestemming/status_delen/intrekken",
        "/vrijwilligers/999999/toestemming",
    ],
)
def test_an_unknown_person_or_purpose_is_not_found(
    as_coordinator: FlaskClient, make: Any, coordinator: User, path: str
) -> None:
    resident, volunteer = make.resident(recorded_by=coordinator), make.volunteer()
    db.session.commit()

    response = as_coordinator.post(path.format(resident=resident.id, volunteer=volunteer.id))

    assert response.status_code == 404


def test_the_volunteers_page_withdraws_and_records_again(
    as_coordinator: FlaskClient, make: Any, coordinator: User
) -> None:
    volunteer = make.volunteer()
    db.session.commit()

    page = as_coordinator.get(f"/vrijwilligers/{volunteer.id}").text
    withdrawn = as_coordinator.post(f"/vrijwilligers/{volunteer.id}/toestemming/intake_koppelen/intrekken")
    blocked = as_coordinator.get(f"/vrijwilligers/{volunteer.id}").text
    given = as_coordinator.post(
        f"/vrijwilligers/{volunteer.id}/toestemming", data=_give_post(purpose="intake_koppelen", method="schriftelijk")
    )

    assert "Zelf aangevinkt op het formulier van Samen." in page
    assert "De vrijwilliger kan dan niet meer gekoppeld worden" in page
    assert "de status delen met de verwijzer" not in page
    assert withdrawn.status_code == 302
    assert given.status_code == 302
    assert "geen toestemming (meer) gegeven voor intake en koppelen" in blocked
    rows = _rows(volunteer, MATCHING)
    assert [(row.method, row.withdrawn_at is None) for row in rows] == [
        (ConsentMethod.ONLINE, False),
        (ConsentMethod.SCHRIFTELIJK, True),
    ]
    assert db.session.get(Volunteer, volunteer.id).consents_to_matching


def test_the_volunteers_form_refuses_bad_input_without_writing(
    as_coordinator: FlaskClient, make: Any, coordinator: User
) -> None:
    volunteer = make.volunteer()
    db.session.commit()
    before = _fingerprint()

    response = as_coordinator.post(
        f"/vrijwilligers/{volunteer.id}/toestemming", data=_give_post(purpose="status_delen")
    )

    assert response.status_code == 422
    assert "Ongeldige keuze." in response.text
    assert _fingerprint() == before


CONSENT_ROUTES = [
    "/bewoners/{resident}/toestemming",
    "/bewoners/{resident}/toestemming/intake_koppelen/intrekken",
    "/vrijwilligers/{volunteer}/toestemming",
    "/vrijwilligers/{volunteer}/toestemming/intake_koppelen/intrekken",
]


@pytest.mark.parametrize("path", CONSENT_ROUTES)
def test_only_coordinators_and_admins_may_record_or_withdraw(
    client: FlaskClient, auth: AuthActions, make: Any, flatcoach: User, path: str
) -> None:
    resident, volunteer = make.resident(), make.volunteer()
    db.session.commit()
    before = _fingerprint()
    url = path.format(resident=resident.id, volunteer=volunteer.id)

    anonymous = client.post(url, data=_give_post())
    auth.login_as(flatcoach)
    referrer = client.post(url, data=_give_post())

    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/inloggen")
    assert referrer.status_code == 403
    assert _fingerprint() == before


def test_an_admin_may_withdraw(client: FlaskClient, auth: AuthActions, make: Any) -> None:
    resident = make.resident()
    admin = make.user(Role.ADMIN)
    db.session.commit()
    auth.login_as(admin)

    response = client.post(f"/bewoners/{resident.id}/toestemming/intake_koppelen/intrekken")

    assert response.status_code == 302
    assert _rows(resident, MATCHING)[0].withdrawn_by_id == admin.id


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_withdrawal_without_the_csrf_token_changes_nothing(
    as_coordinator: FlaskClient, make: Any, coordinator: User, app_config: dict[str, Any]
) -> None:
    resident = make.resident(recorded_by=coordinator)
    db.session.commit()
    before = _fingerprint()

    response = as_coordinator.post(f"/bewoners/{resident.id}/toestemming/intake_koppelen/intrekken")

    assert response.status_code == 400
    assert _fingerprint() == before


# -- consent given with a referral and an intake -----------------------------------------------------------------


def test_the_intake_form_records_the_optional_purposes_ticked(as_coordinator: FlaskClient, coordinator: User) -> None:
    from tests.webapp.residents_helpers import intake_post

    response = as_coordinator.post("/bewoners/nieuw", data=intake_post(consent_evaluation="y"))

    assert response.status_code == 302
    resident = db.session.scalars(select(Resident)).one()
    assert [(row.purpose, row.recorded_by_id) for row in _rows(resident)] == [
        (MATCHING, coordinator.id),
        (ConsentPurpose.EVALUATION, coordinator.id),
    ]


def test_the_intake_form_refuses_an_own_consent_from_a_resident_under_16(
    as_coordinator: FlaskClient, coordinator: User
) -> None:
    from tests.webapp.residents_helpers import intake_post

    young = today().replace(year=today().year - 14).isoformat()
    response = as_coordinator.post("/bewoners/nieuw", data=intake_post(birth_date=young))

    assert response.status_code == 422
    assert "jonger dan 16 jaar" in response.text
    assert db.session.scalar(select(func.count(Resident.id))) == 0
    assert db.session.scalar(select(func.count(Consent.id))) == 0


# -- migration 0006 -----------------------------------------------------------------------------------------------

NOW = datetime(2026, 11, 20, 12, 0)


def _execute(statement: str, **params: Any) -> Any:
    with db.engine.begin() as connection:
        return connection.execute(sa.text(statement), params)


def _all(statement: str, **params: Any) -> list[Any]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(statement), params)]


def _scalar(statement: str, **params: Any) -> Any:
    with db.engine.connect() as connection:
        return connection.execute(sa.text(statement), params).scalar()


def _seed_at_0005() -> dict[str, int]:
    """At 0005: a coordinator and a referrer; a referred resident who came in after 0004 (consent only inline), a
    resident taken in by the coordinator who withdrew their consent for matching, and a volunteer who signed up
    after 0004."""
    _execute("INSERT INTO organisations (name, kind, active, created_at) VALUES ('W', 'welzijn', true, :now)", now=NOW)
    org = _scalar("SELECT id FROM organisations")
    for email, role in (("c@x.nl", "coordinator"), ("f@x.nl", "referrer")):
        _execute(
            "INSERT INTO users (email, name, password_hash, role, organisation_id, active, must_change_password, "
            "created_at) VALUES (:email, 'U', 'x', :role, :org, true, false, :now)",
            email=email,
            role=role,
            org=org,
            now=NOW,
        )
    coordinator = _scalar("SELECT id FROM users WHERE role = 'coordinator'")
    referrer = _scalar("SELECT id FROM users WHERE role = 'referrer'")
    ids = {"coordinator": coordinator, "referrer": referrer}
    for key, by, who, method, source in (
        ("referred", referrer, "vertegenwoordiger", "schriftelijk", "verwijzing"),
        ("withdrawn", coordinator, "bewoner", "mondeling", "coordinator"),
    ):
        _execute(
            "INSERT INTO residents (first_name, last_name, phone, email, postcode, pc4, address, programme_code, "
            "interests, languages, availability, notes, source, status, waiting_since, closed_reason, consent_by, "
            "consent_on, consent_method, consent_recorded_by_id, created_at, updated_at, version) VALUES "
            "(:name, 'R', '', '', '2282 AB', '2282', '', 'buddy', '[]', '[]', '[]', '', :source, 'wachtend', "
            ":on, '', :who, :on, :method, :by, :now, :now, 1)",
            name=key,
            source=source,
            on=date(2026, 11, 10),
            who=who,
            method=method,
            by=by,
            now=NOW,
        )
        ids[key] = _scalar("SELECT max(id) FROM residents")
    _execute(
        "INSERT INTO referrals (resident_id, referrer_id, organisation_id, reason, created_at, status, "
        "status_changed_at) VALUES (:r, :f, :org, 'Alleen', :now, 'ontvangen', :now)",
        r=ids["referred"],
        f=referrer,
        org=org,
        now=NOW,
    )
    _execute(
        "INSERT INTO consents (resident_id, purpose, text_version, given_by, method, given_on, recorded_by_id, "
        "recorded_at, withdrawn_at, withdrawn_by_id, withdrawal_note) VALUES (:r, 'intake_koppelen', '2026-11', "
        "'persoon', 'mondeling', :on, :c, :now, :now, :c, 'Wil niet meer.')",
        r=ids["withdrawn"],
        on=date(2026, 11, 10),
        c=coordinator,
        now=NOW,
    )
    _execute(
        "INSERT INTO volunteers (first_name, last_name, email, phone, birth_date, postcode, pc4, interests, "
        "languages, availability, max_distance_km, capacity, places_taken, motivation, lonely_themselves, "
        "consent_at, consent_version, intake_notes, vog_status, created_at, updated_at, version) VALUES "
        "('V', 'V', 'v@x.nl', '0612345678', :born, '2282 AB', '2282', '[]', '[]', '[]', 3, 1, 0, '', false, :at, "
        "'2026-10', '', 'niet_aangevraagd', :at, :at, 1)",
        born=date(1980, 1, 1),
        at=datetime(2026, 11, 15, 9, 30),
    )
    ids["volunteer"] = _scalar("SELECT id FROM volunteers")
    return ids


def _consents_of(column: str, person_id: int) -> list[tuple[Any, ...]]:
    return [
        (purpose, given_by, method, str(given_on), recorded_by, version, withdrawn is not None)
        for purpose, given_by, method, given_on, recorded_by, version, withdrawn in _all(
            "SELECT purpose, given_by, method, given_on, recorded_by_id, text_version, withdrawn_at FROM consents "
            f"WHERE {column} = :id ORDER BY id",
            id=person_id,
        )
    ]


def test_migration_0006_copies_the_inline_consents_it_would_lose_and_drops_the_columns(empty_app: Flask) -> None:
    upgrade(revision="0005")
    ids = _seed_at_0005()

    upgrade(revision="0006")

    assert _consents_of("resident_id", ids["referred"]) == [
        ("intake_koppelen", "vertegenwoordiger", "schriftelijk", "2026-11-10", ids["referrer"], "2026-11", False),
        (
            "status_delen",
            "vertegenwoordiger",
            "schriftelijk",
            "2026-11-10",
            ids["referrer"],
            "verwijzing-2026-11",
            False,
        ),
    ]
    # A withdrawal is never undone by the copy.
    assert _consents_of("resident_id", ids["withdrawn"]) == [
        ("intake_koppelen", "persoon", "mondeling", "2026-11-10", ids["coordinator"], "2026-11", True)
    ]
    assert _consents_of("volunteer_id", ids["volunteer"]) == [
        ("intake_koppelen", "persoon", "online", "2026-11-15", None, "2026-10", False)
    ]
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("residents")}
    columns |= {c["name"] for c in sa.inspect(db.engine).get_columns("volunteers")}
    assert not {c for c in columns if c.startswith("consent_")}


def test_migration_0006_goes_down_with_the_consents_in_the_old_columns_and_up_again(empty_app: Flask) -> None:
    upgrade(revision="0005")
    ids = _seed_at_0005()
    upgrade(revision="0006")
    # After 0006, an online consent of a volunteer given again on another version.
    _execute("UPDATE consents SET withdrawn_at = :now WHERE volunteer_id = :v", now=NOW, v=ids["volunteer"])
    _execute(
        "INSERT INTO consents (volunteer_id, purpose, text_version, given_by, method, given_on, recorded_at, "
        "withdrawal_note) VALUES (:v, 'intake_koppelen', '2026-12', 'persoon', 'online', :on, :at, '')",
        v=ids["volunteer"],
        on=date(2026, 12, 1),
        at=datetime(2026, 12, 1, 8, 0),
    )

    downgrade(revision="0005")

    residents = _all(
        "SELECT id, consent_by, consent_method, consent_on, consent_recorded_by_id FROM residents ORDER BY id"
    )
    assert [(r[0], r[1], r[2], str(r[3]), r[4]) for r in residents] == [
        (ids["referred"], "vertegenwoordiger", "schriftelijk", "2026-11-10", ids["referrer"]),
        (ids["withdrawn"], "bewoner", "mondeling", "2026-11-10", ids["coordinator"]),
    ]
    (volunteer,) = _all("SELECT consent_version, consent_at FROM volunteers")
    assert (volunteer[0], str(volunteer[1])[:16]) == ("2026-12", "2026-12-01 08:00")
    assert _scalar("SELECT count(*) FROM consents") == 5  # nothing was deleted on the way down

    upgrade()
    assert _scalar("SELECT count(*) FROM consents") == 5
