"""Retention (webapp/services/retention.py, ``flask samen retention run``): each period on its boundary, who is
never due, the dry run, idempotence, what is printed and audited, and that nothing identifying is left behind."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from tests.webapp.factories import today
from tests.webapp.traces import digits, traces
from webapp.clock import stored_moment
from webapp.enums import IntakeOutcome, MatchStatus, ResidentStatus
from webapp.extensions import db
from webapp.models import AuditEvent, Referral, Resident, Role, Volunteer, utcnow
from webapp.rules import months_after
from webapp.services import erasure, matches, retention
from webapp.services.retention import RetentionPolicy, RetentionRule

POLICY = RetentionPolicy(referral_months=3, resident_months=24, volunteer_months=12)
NOON = time(12)


@pytest.fixture(autouse=True)
def request_context(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


def _at(day: date) -> Any:
    """Noon of a local day, as stored (naive UTC)."""
    return stored_moment(day, NOON)


def _referral(make: Any, on: date, **resident: Any) -> Referral:
    """A referral nobody has spoken to yet, arrived (and last changed) on ``on``."""
    referral = make.referral(make.user(Role.REFERRER), **resident)
    referral.created_at = referral.status_changed_at = _at(on)
    db.session.flush()
    return referral


def _anonymised(person: Any) -> bool:
    db.session.refresh(person)
    return person.anonymised_at is not None


def _run(on: date) -> retention.RetentionReport:
    report = retention.run(db.session, POLICY, on)
    db.session.commit()
    return report


# -- the periods on their boundaries --------------------------------------------------------------------------


def test_a_referral_without_intake_is_kept_until_the_day_before_it_is_due(make: Any) -> None:
    resident = _referral(make, date(2025, 8, 31)).resident  # + 3 months: 30 November

    report = _run(date(2025, 11, 29))

    assert report.total == 0
    assert not _anonymised(resident)


def test_a_referral_without_intake_is_anonymised_on_the_day_it_is_due(make: Any) -> None:
    resident = _referral(make, date(2025, 8, 31)).resident

    report = _run(date(2025, 11, 30))

    assert report.anonymised[RetentionRule.REFERRAL] == 1
    assert _anonymised(resident)
    assert resident.status is ResidentStatus.AFGESLOTEN


def test_a_referral_counts_from_its_last_status_change(make: Any) -> None:
    referral = _referral(make, date(2025, 8, 31))
    referral.status_changed_at = _at(date(2025, 9, 10))

    assert _run(date(2025, 12, 9)).total == 0
    assert _run(date(2025, 12, 10)).anonymised[RetentionRule.REFERRAL] == 1


def test_a_referral_counts_from_a_planned_intake_talk(make: Any) -> None:
    resident = _referral(make, date(2025, 8, 31), intake_planned_on=date(2025, 9, 20)).resident

    assert _run(date(2025, 12, 19)).total == 0
    assert _run(date(2025, 12, 20)).total == 1
    assert _anonymised(resident)


def test_a_referral_with_the_intake_talk_held_is_not_due_under_the_referral_rule(make: Any) -> None:
    resident = _referral(make, date(2025, 8, 31), intake_on=date(2025, 9, 1)).resident

    assert _run(date(2030, 1, 1)).total == 0  # waiting after the intake talk: never due
    assert not _anonymised(resident)


def test_a_closed_resident_is_kept_until_the_day_before_it_is_due(make: Any) -> None:
    resident = make.resident(status=ResidentStatus.AFGESLOTEN, closed_at=_at(date(2024, 2, 29)))

    assert _run(date(2026, 2, 27)).total == 0  # + 24 months: 28 February 2026
    assert not _anonymised(resident)


def test_a_closed_resident_is_anonymised_on_the_day_it_is_due(make: Any) -> None:
    resident = make.resident(status=ResidentStatus.AFGESLOTEN, closed_at=_at(date(2024, 2, 29)))

    report = _run(date(2026, 2, 28))

    assert report.anonymised[RetentionRule.RESIDENT] == 1
    assert _anonymised(resident)


def test_a_resident_counts_from_the_later_of_closing_and_the_end_of_the_last_match(make: Any) -> None:
    staff = make.user(Role.COORDINATOR)
    resident = make.resident()
    match = make.match(make.volunteer(), resident, status=MatchStatus.ACTIEF, started_on=date(2024, 1, 10))
    ending = matches.Ending("verhuisd", date(2024, 3, 1), "", resident_returns=False)
    matches.end_match(db.session, match.id, staff, ending, today=date(2024, 3, 5), at=_at(date(2024, 3, 5)))

    assert _run(date(2026, 3, 4)).total == 0  # 24 months after the match's end would be 1 March
    assert _run(date(2026, 3, 5)).anonymised[RetentionRule.RESIDENT] == 1
    assert _anonymised(resident)


def test_a_volunteer_is_kept_until_the_day_before_it_is_due(make: Any) -> None:
    volunteer = make.volunteer(stopped_at=_at(date(2025, 3, 15)))

    assert _run(date(2026, 3, 14)).total == 0
    assert not _anonymised(volunteer)


def test_a_volunteer_is_anonymised_on_the_day_it_is_due(make: Any) -> None:
    volunteer = make.volunteer(stopped_at=_at(date(2025, 3, 15)))

    report = _run(date(2026, 3, 15))

    assert report.anonymised[RetentionRule.VOLUNTEER] == 1
    assert _anonymised(volunteer)


def test_a_volunteer_found_not_suitable_is_due_a_period_after_the_intake_talk(make: Any) -> None:
    volunteer = make.volunteer(
        created_at=_at(date(2025, 2, 1)), intake_outcome=IntakeOutcome.NIET_GESCHIKT, intake_on=date(2025, 3, 15)
    )

    assert _run(date(2026, 3, 14)).total == 0
    assert _run(date(2026, 3, 15)).anonymised[RetentionRule.VOLUNTEER] == 1
    assert _anonymised(volunteer)


def test_a_suitable_volunteer_who_has_not_stopped_is_never_due(make: Any) -> None:
    volunteer = make.volunteer(created_at=_at(date(2015, 1, 1)), intake_on=date(2015, 2, 1))

    assert _run(date(2040, 1, 1)).total == 0
    assert not _anonymised(volunteer)


# -- never due ------------------------------------------------------------------------------------------------


def test_a_waiting_resident_is_never_due(make: Any) -> None:
    resident = make.resident(waiting_since=date(2015, 1, 1), created_at=_at(date(2015, 1, 1)))
    make.match(make.volunteer(), resident, status=MatchStatus.BEEINDIGD)  # ended, and back on the waiting list

    assert _run(date(2040, 1, 1)).total == 0
    assert not _anonymised(resident)


@pytest.mark.parametrize("status", [MatchStatus.KENNISMAKING, MatchStatus.ACTIEF])
def test_a_resident_in_a_running_match_is_never_due(make: Any, status: MatchStatus) -> None:
    resident = _referral(make, date(2020, 1, 1), intake_on=date(2020, 1, 2)).resident
    volunteer = make.volunteer(created_at=_at(date(2020, 1, 1)))
    make.match(volunteer, resident, status=status)

    assert _run(date(2040, 1, 1)).total == 0
    assert not _anonymised(resident)
    assert not _anonymised(volunteer)


def test_a_restricted_person_is_skipped_and_kept(make: Any) -> None:
    resident = make.resident(status=ResidentStatus.AFGESLOTEN, closed_at=_at(date(2020, 1, 1)), restricted_at=utcnow())

    report = _run(date(2030, 1, 1))

    assert (report.total, report.skipped_restricted[RetentionRule.RESIDENT]) == (0, 1)
    assert not _anonymised(resident)


def test_an_anonymised_person_is_never_due_again(make: Any) -> None:
    volunteer = make.volunteer(stopped_at=_at(date(2020, 1, 1)))
    erasure.erase_volunteer(db.session, None, volunteer.id)
    db.session.commit()

    assert retention.due(db.session, POLICY, date(2040, 1, 1)) == []


# -- the command ----------------------------------------------------------------------------------------------


@pytest.fixture
def stopped_long_ago(make: Any) -> Volunteer:
    volunteer = make.volunteer(
        first_name="Hendrikus", last_name="Oudgediend", stopped_at=_at(months_after(today(), -36))
    )
    db.session.commit()
    return volunteer


def _retention_events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.startswith("retention."))))


def test_a_dry_run_changes_nothing(runner: FlaskCliRunner, stopped_long_ago: Volunteer) -> None:
    version = stopped_long_ago.version

    result = runner.invoke(args=["samen", "retention", "run", "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "Would anonymise: 0 referrals without an intake talk, 0 residents, 1 volunteers." in result.output
    assert "nothing was changed" in result.output
    db.session.expire_all()
    volunteer = db.session.get(Volunteer, stopped_long_ago.id)
    assert volunteer is not None
    assert (volunteer.first_name, volunteer.version, volunteer.anonymised_at) == ("Hendrikus", version, None)
    assert _retention_events() == []


def test_a_run_anonymises_what_is_due_and_says_how_many(runner: FlaskCliRunner, stopped_long_ago: Volunteer) -> None:
    result = runner.invoke(args=["samen", "retention", "run"])

    assert result.exit_code == 0, result.output
    assert "Anonymised: 0 referrals without an intake talk, 0 residents, 1 volunteers." in result.output
    assert _anonymised(stopped_long_ago)


def test_the_output_never_names_anyone(runner: FlaskCliRunner, stopped_long_ago: Volunteer) -> None:
    dry = runner.invoke(args=["samen", "retention", "run", "--dry-run"])
    real = runner.invoke(args=["samen", "retention", "run"])

    for output in (dry.output, real.output):
        assert "Hendrikus" not in output
        assert "Oudgediend" not in output


def test_a_run_writes_one_audit_record_per_person_and_a_summary(
    runner: FlaskCliRunner, stopped_long_ago: Volunteer
) -> None:
    runner.invoke(args=["samen", "retention", "run"])

    events = _retention_events()
    assert sorted((e.action, e.subject_type, e.subject_id) for e in events) == [
        ("retention.anonymised", "volunteer", stopped_long_ago.id),
        ("retention.run", "retention", None),
    ]
    summary = next(e for e in events if e.action == "retention.run")
    assert summary.detail["anonymised"] == {"referral": 0, "resident": 0, "volunteer": 1}


def test_a_second_run_does_nothing(runner: FlaskCliRunner, stopped_long_ago: Volunteer) -> None:
    runner.invoke(args=["samen", "retention", "run"])
    db.session.expire_all()
    after_first = db.session.get(Volunteer, stopped_long_ago.id)
    assert after_first is not None
    version, updated_at = after_first.version, after_first.updated_at

    again = runner.invoke(args=["samen", "retention", "run"])

    assert "Anonymised: 0 referrals without an intake talk, 0 residents, 0 volunteers." in again.output
    db.session.expire_all()
    volunteer = db.session.get(Volunteer, stopped_long_ago.id)
    assert volunteer is not None
    assert (volunteer.version, volunteer.updated_at) == (version, updated_at)
    anonymised = [e for e in _retention_events() if e.action == "retention.anonymised"]
    assert len(anonymised) == 1


def test_the_periods_come_from_the_settings(app: Flask, runner: FlaskCliRunner, make: Any) -> None:
    volunteer = make.volunteer(stopped_at=_at(today() - timedelta(days=40)))
    db.session.commit()
    app.config["SAMEN_RETAIN_VOLUNTEER_MONTHS"] = 1

    result = runner.invoke(args=["samen", "retention", "run"])

    assert "volunteers 1 months" in result.output
    assert _anonymised(volunteer)


def test_retention_leaves_no_trace_of_a_referral_nobody_reached(runner: FlaskCliRunner, make: Any) -> None:
    person = {
        "first_name": "Cornelia",
        "last_name": "Onbereikbaar",
        "email": "c.onbereikbaar@example.net",
        "phone": "06 2468 0135",
        "address": "Lindelaan 5",
        "postcode": "2284 ZZ",
    }
    referral = _referral(make, months_after(today(), -4), pc4="2284", notes="Cornelia neemt niet op.", **person)
    referral.reason = "Cornelia Onbereikbaar zit veel alleen thuis aan de Lindelaan 5."
    bystander = make.resident(first_name="Gerarda", last_name="Blauwhoed", phone="06 9753 1864")
    db.session.commit()
    needles = [*person.values(), digits(person["phone"])]
    assert all(traces(needles).values())  # planted: found before the run

    runner.invoke(args=["samen", "retention", "run"])

    db.session.expire_all()
    assert {needle: places for needle, places in traces(needles).items() if places} == {}
    assert all(traces([bystander.first_name, bystander.last_name, digits(bystander.phone)]).values())


def test_a_run_counts_people_due_under_two_rules_once(make: Any) -> None:
    referral = _referral(make, date(2020, 1, 1))
    matches.close_resident(db.session, make.user(Role.COORDINATOR), referral.resident, "Ingetrokken")

    found = retention.due(db.session, POLICY, date(2030, 1, 1))

    assert [(d.rule, d.person_id) for d in found] == [(RetentionRule.REFERRAL, referral.resident_id)]


def test_resident_rows_stay_for_the_figures(make: Any) -> None:
    make.resident(status=ResidentStatus.AFGESLOTEN, closed_at=_at(date(2020, 1, 1)))
    before = db.session.scalar(select(func.count(Resident.id)))

    _run(date(2030, 1, 1))

    assert db.session.scalar(select(func.count(Resident.id))) == before
