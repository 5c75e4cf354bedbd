"""E-mail that is never lost: the outbox written in the transaction of the change, the three mails (a volunteer's
confirmation, a referrer's notice, the coordinators' digest), the sender with its backoff, and the outbox against
a local SMTP server that is down, then up: every mail arrives, none twice."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_babel import force_locale
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from tests.webapp.factories import today
from tests.webapp.test_i18n import compile_english_catalogue
from tests.webapp.test_public import signup_data
from webapp import create_app
from webapp.cli_outbox import SendReport, send_due
from webapp.enums import ConsentPurpose, MatchStatus, ReferralStatus
from webapp.extensions import db
from webapp.labels import label
from webapp.mail import FileBackend, MailError, SmtpBackend, build_message, message_id
from webapp.models import OrganisationKind, OutboxMail, Referral, Role, User, Volunteer, utcnow
from webapp.services import matches, outbox, outbox_notices, referral_status
from webapp.services.residents import record_intake
from webapp.services.volunteers import VolunteerSignup, register_volunteer

SENDER = "Samen Rijswijk <samen@welzijnrijswijk.example>"
DEADLINE_SECONDS = 30.0


# --- helpers ---------------------------------------------------------------------------------------------------


def _mails(kind: str | None = None) -> list[OutboxMail]:
    db.session.expire_all()
    query = select(OutboxMail).order_by(OutboxMail.id)
    if kind is not None:
        query = query.where(OutboxMail.kind == kind)
    return list(db.session.scalars(query))


def _signup(email: str = "anna@example.org") -> VolunteerSignup:
    return VolunteerSignup(
        first_name="Anna",
        last_name="de Vries",
        email=email,
        phone="06 12345678",
        birth_date=today().replace(year=today().year - 40),
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


def _queue(count: int, kind: str = "test") -> list[int]:
    ids = []
    for number in range(count):
        mail = outbox.enqueue(db.session, kind, f"ontvanger{number}@example.org", f"Bericht {number}", "Hallo.\n")
        assert mail is not None
        ids.append(mail.id)
    db.session.commit()
    return ids


class RecordingBackend:
    """Accepts every mail (or fails the ones ``fail`` says), keeping what it was given."""

    def __init__(self, fail: Callable[[EmailMessage], MailError | None] = lambda message: None) -> None:
        self.fail = fail
        self.accepted: list[EmailMessage] = []
        self.attempted = 0

    def send(self, message: EmailMessage) -> None:
        self.attempted += 1
        error = self.fail(message)
        if error is not None:
            raise error
        self.accepted.append(message)

    def close(self) -> None:
        pass


def _failing(text: str = "421 service not available", permanent: bool = False) -> RecordingBackend:
    return RecordingBackend(lambda message: MailError(text, permanent=permanent))


def _send(backend: Any, at: datetime, attempts_limit: int = outbox.DEFAULT_MAX_ATTEMPTS) -> SendReport:
    return send_due(db.session, backend, SENDER, attempts_limit, clock=lambda: at)


@pytest.fixture
def now(app: Flask) -> datetime:
    """A moment just after the mails of the test were queued (they are due from when they were queued)."""
    return utcnow() + timedelta(seconds=5)


@pytest.fixture
def flatcoach(make: Any) -> User:
    organisation = make.organisation("Rijswijk Wonen", kind=OrganisationKind.WONEN)
    return make.user(Role.REFERRER, email="flatcoach@rijswijkwonen.nl", organisation=organisation, name="Fatima")


@pytest.fixture
def staff(make: Any) -> User:
    return make.user(Role.COORDINATOR, name="Carla Coördinator")


def _statuses_told(referral: Referral) -> list[str]:
    """The statuses the referrer was told, in order, read from the subjects of their notices."""
    return [
        mail.subject.rpartition(": ")[2]
        for mail in _mails(outbox_notices.REFERRAL_STATUS)
        if mail.dedupe_key and mail.dedupe_key.startswith(f"referral-status:{referral.id}:")
    ]


# --- the outbox: in the transaction of the change ----------------------------------------------------------------


def test_a_committed_sign_up_has_exactly_one_confirmation(client: FlaskClient) -> None:
    response = client.post("/aanmelden", data=signup_data(email="Anna@Example.org"))

    assert response.status_code == 302
    mails = _mails()
    volunteer = db.session.scalars(select(Volunteer)).one()
    assert [(m.kind, m.to_address, m.dedupe_key) for m in mails] == [
        (outbox_notices.VOLUNTEER_SIGNUP, "anna@example.org", f"volunteer-signup:{volunteer.id}")
    ]


def test_a_rolled_back_sign_up_leaves_no_mail(app: Flask) -> None:
    register_volunteer(db.session, _signup())
    assert len(_pending_in_transaction()) == 1  # it was there, in the transaction

    db.session.rollback()

    assert _mails() == []
    assert db.session.scalar(select(func.count(Volunteer.id))) == 0


def _pending_in_transaction() -> list[OutboxMail]:
    return list(db.session.scalars(select(OutboxMail)))


def test_a_refused_sign_up_queues_no_mail(client: FlaskClient) -> None:
    response = client.post("/aanmelden", data=signup_data(email="geen-adres"))

    assert response.status_code == 422
    assert _mails() == []


def test_the_confirmation_tells_what_happens_next_and_whom_to_call(app: Flask, client: FlaskClient) -> None:
    client.post("/aanmelden", data=signup_data())

    (mail,) = _mails()
    assert mail.subject == "Bedankt voor je aanmelding als vrijwilliger bij Samen"
    assert mail.body.startswith("Beste Anna,")
    assert "intakegesprek" in mail.body
    assert app.config["SAMEN_CONTACT_PHONE"] in mail.body
    assert app.config["SAMEN_CONTACT_EMAIL"] in mail.body


def test_the_confirmation_holds_no_personal_data_but_the_first_name(client: FlaskClient) -> None:
    client.post("/aanmelden", data=signup_data())

    (mail,) = _mails()
    for detail in ("de Vries", "06 12345678", "2282", "1990", "Ik wandel graag", "anna@example.org"):
        assert detail not in mail.subject + mail.body


def test_a_sign_up_with_an_address_that_cannot_receive_mail_is_kept_without_a_mail(app: Flask) -> None:
    register_volunteer(db.session, _signup(email="anna@localhost"))
    db.session.commit()

    assert db.session.scalar(select(func.count(Volunteer.id))) == 1
    assert _mails() == []


@pytest.mark.parametrize(
    "address", ["", "   ", None, "geen adres", "anna@", "anna@localhost", "anna@example.org\r\nBcc: x@example.org"]
)
def test_an_empty_or_invalid_address_is_skipped_quietly(app: Flask, address: str | None) -> None:
    queued = outbox.enqueue(db.session, "test", address, "Onderwerp", "Tekst")

    assert queued is None
    assert _pending_in_transaction() == []


def test_the_address_is_stored_trimmed(app: Flask) -> None:
    queued = outbox.enqueue(db.session, "test", "  anna@example.org ", "Onderwerp", "Tekst")

    assert queued is not None
    assert queued.to_address == "anna@example.org"


def test_a_subject_is_one_line(app: Flask) -> None:
    queued = outbox.enqueue(db.session, "test", "anna@example.org", "Een\r\nBcc: x@example.org", "Tekst")

    assert queued is not None
    assert queued.subject == "Een Bcc: x@example.org"


# --- one mail per event --------------------------------------------------------------------------------------------


def test_a_second_mail_with_the_same_dedupe_key_is_skipped(app: Flask) -> None:
    first = outbox.enqueue(db.session, "test", "anna@example.org", "Eerste", "Tekst", dedupe_key="gebeurtenis-1")
    second = outbox.enqueue(db.session, "test", "anna@example.org", "Tweede", "Tekst", dedupe_key="gebeurtenis-1")
    db.session.commit()

    assert first is not None
    assert second is None
    assert [m.subject for m in _mails()] == ["Eerste"]


def test_a_duplicate_from_an_earlier_transaction_is_skipped(app: Flask) -> None:
    outbox.enqueue(db.session, "test", "anna@example.org", "Eerste", "Tekst", dedupe_key="gebeurtenis-1")
    db.session.commit()

    again = outbox.enqueue(db.session, "test", "anna@example.org", "Tweede", "Tekst", dedupe_key="gebeurtenis-1")
    db.session.commit()

    assert again is None
    assert [m.subject for m in _mails()] == ["Eerste"]


def test_mails_without_a_dedupe_key_are_all_kept(app: Flask) -> None:
    outbox.enqueue(db.session, "test", "anna@example.org", "Eerste", "Tekst")
    outbox.enqueue(db.session, "test", "anna@example.org", "Tweede", "Tekst")
    db.session.commit()

    assert len(_mails()) == 2


def test_two_transactions_enqueuing_one_event_at_once_store_one_mail_and_both_commit(app: Flask) -> None:
    """The second waits for the first's commit (the unique index on PostgreSQL, the write lock on SQLite), then
    inserts nothing; its own change commits all the same."""
    first = Session(db.engine)
    outbox.enqueue(first, "test", "anna@example.org", "Eerste", "Tekst", dedupe_key="gebeurtenis-1")
    outcome: dict[str, Any] = {}

    def second_transaction() -> None:
        with app.app_context(), Session(db.engine) as second:
            outcome["mail"] = outbox.enqueue(second, "test", "anna@example.org", "Tweede", "Tekst", "gebeurtenis-1")
            outbox.enqueue(second, "test", "kim@example.org", "Ander bericht", "Tekst")
            second.commit()
            outcome["committed"] = True

    thread = threading.Thread(target=second_transaction, daemon=True)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive(), "the second transaction should wait for the first"
    first.commit()
    first.close()
    thread.join(DEADLINE_SECONDS)

    assert outcome == {"mail": None, "committed": True}
    assert sorted(m.subject for m in _mails()) == ["Ander bericht", "Eerste"]


# --- (b) the referrer's notice ------------------------------------------------------------------------------------


def test_a_new_referral_sends_no_notice(make: Any, flatcoach: User) -> None:
    make.referral(flatcoach)
    db.session.commit()

    assert _mails(outbox_notices.REFERRAL_STATUS) == []


def test_the_referrer_is_told_each_status_change(make: Any, flatcoach: User, staff: User) -> None:
    referral = make.referral(flatcoach)
    record_intake(db.session, staff, referral.resident, today())
    match = make.match(make.volunteer(), referral.resident, status=MatchStatus.ACTIEF)
    matches.end_match(db.session, match.id, staff, matches.Ending("geen_klik", today(), "", True))
    matches.close_resident(db.session, staff, referral.resident, "Verhuisd.")
    db.session.commit()

    assert _statuses_told(referral) == ["in behandeling", "gekoppeld", "in behandeling", "afgesloten"]
    assert {m.to_address for m in _mails(outbox_notices.REFERRAL_STATUS)} == {"flatcoach@rijswijkwonen.nl"}


def test_no_notice_when_the_status_did_not_change(make: Any, flatcoach: User, staff: User) -> None:
    referral = make.referral(flatcoach)
    record_intake(db.session, staff, referral.resident, today())
    db.session.commit()
    told = len(_mails())

    referral_status.refresh(db.session, referral.resident_id)
    make.proposal(make.volunteer(), referral.resident)  # a proposal alone changes nothing the referrer sees
    db.session.commit()

    assert len(_mails()) == told == 1


def test_the_notice_names_the_resident_by_first_name_and_initial_only(make: Any, flatcoach: User, staff: User) -> None:
    referral = make.referral(flatcoach, first_name="Kees", last_name="van der Steen")
    volunteer = make.volunteer(first_name="Vera", last_name="Vrijwilliger")
    record_intake(db.session, staff, referral.resident, today())
    make.match(volunteer, referral.resident, status=MatchStatus.ACTIEF)
    db.session.commit()

    mails = _mails(outbox_notices.REFERRAL_STATUS)
    assert len(mails) == 2
    for mail in mails:
        text = mail.subject + mail.body
        assert "Kees S." in mail.subject
        for secret in ("van der Steen", referral.reason, "Vera", "Vrijwilliger", referral.resident.phone):
            assert secret not in text


def test_the_notice_links_to_the_referral_and_says_whom_to_call(
    app: Flask, make: Any, flatcoach: User, staff: User
) -> None:
    referral = make.referral(flatcoach)
    record_intake(db.session, staff, referral.resident, today())
    db.session.commit()

    (mail,) = _mails()
    assert f"http://127.0.0.1:5000/verwijzingen/{referral.id}" in mail.body
    assert app.config["SAMEN_CONTACT_PHONE"] in mail.body
    assert "in behandeling" in mail.body


def test_the_notice_is_in_dutch_when_the_change_was_made_in_english(
    app: Flask, make: Any, flatcoach: User, staff: User
) -> None:
    compile_english_catalogue()
    referral = make.referral(flatcoach)
    with app.test_request_context(), force_locale("en"):
        assert str(label(ReferralStatus.IN_BEHANDELING)) != "in behandeling"  # English is really on
        record_intake(db.session, staff, referral.resident, today())
    db.session.commit()

    (mail,) = _mails()
    assert mail.subject.endswith(": in behandeling")
    assert "Een coördinator heeft contact met de bewoner" in mail.body


def test_no_notice_while_the_residents_processing_is_restricted(make: Any, flatcoach: User, staff: User) -> None:
    referral = make.referral(flatcoach, restricted_at=utcnow())
    record_intake(db.session, staff, referral.resident, today())
    db.session.commit()

    assert referral.status is ReferralStatus.IN_BEHANDELING
    assert _mails() == []


def test_no_notice_when_the_resident_withdrew_the_consent_to_share_the_status(
    make: Any, flatcoach: User, staff: User
) -> None:
    referral = make.referral(flatcoach)
    make.consent_row(referral.resident, purpose=ConsentPurpose.SHARE_STATUS, withdrawn_at=utcnow())
    record_intake(db.session, staff, referral.resident, today())
    db.session.commit()

    assert referral.status is ReferralStatus.IN_BEHANDELING
    assert _mails() == []


def test_a_notice_when_the_consent_to_share_the_status_stands(make: Any, flatcoach: User, staff: User) -> None:
    referral = make.referral(flatcoach)
    make.consent_row(referral.resident, purpose=ConsentPurpose.SHARE_STATUS)
    record_intake(db.session, staff, referral.resident, today())
    db.session.commit()

    assert _statuses_told(referral) == ["in behandeling"]


def test_no_notice_to_a_referrer_whose_account_was_deactivated(make: Any, flatcoach: User, staff: User) -> None:
    referral = make.referral(flatcoach)
    flatcoach.active = False
    record_intake(db.session, staff, referral.resident, today())
    db.session.commit()

    assert referral.status is ReferralStatus.IN_BEHANDELING
    assert _mails() == []


def test_a_status_change_that_is_rolled_back_leaves_no_notice(make: Any, flatcoach: User, staff: User) -> None:
    referral = make.referral(flatcoach)
    db.session.commit()
    record_intake(db.session, staff, referral.resident, today())
    assert len(_pending_in_transaction()) == 1

    db.session.rollback()

    assert _mails() == []


# --- (c) the coordinators' daily digest ----------------------------------------------------------------------------


@pytest.fixture
def coordinators(make: Any) -> list[User]:
    """Two active coordinators, and staff who get no digest: an inactive coordinator, an admin, a referrer."""
    welzijn = make.organisation("Welzijn Rijswijk")
    active = [make.user(Role.COORDINATOR, organisation=welzijn, email=f"co{n}@welzijnrijswijk.nl") for n in (1, 2)]
    make.user(Role.COORDINATOR, organisation=welzijn, email="oud@welzijnrijswijk.nl", active=False)
    make.user(Role.ADMIN, organisation=welzijn, email="beheer@welzijnrijswijk.nl")
    make.user(Role.REFERRER, email="verwijzer@vidomes.nl")
    db.session.commit()
    return active


def test_the_digest_goes_to_every_active_coordinator(runner: FlaskCliRunner, coordinators: list[User]) -> None:
    result = runner.invoke(args=["samen", "outbox", "digest"])

    assert result.exit_code == 0, result.output
    assert "2 coordinator(s)" in result.output
    assert sorted(m.to_address for m in _mails(outbox_notices.COORDINATOR_DIGEST)) == [
        "co1@welzijnrijswijk.nl",
        "co2@welzijnrijswijk.nl",
    ]


def test_the_digest_run_twice_on_one_day_queues_one_per_coordinator(
    runner: FlaskCliRunner, coordinators: list[User]
) -> None:
    runner.invoke(args=["samen", "outbox", "digest"])
    again = runner.invoke(args=["samen", "outbox", "digest"])

    assert "0 coordinator(s)" in again.output
    assert len(_mails(outbox_notices.COORDINATOR_DIGEST)) == 2


def test_the_digest_comes_again_the_next_day(app: Flask, coordinators: list[User]) -> None:
    outbox_notices.enqueue_digests(db.session, app.config, today())
    added = outbox_notices.enqueue_digests(db.session, app.config, today() + timedelta(days=1))
    db.session.commit()

    assert added == 2
    assert len(_mails(outbox_notices.COORDINATOR_DIGEST)) == 4


def test_the_digest_counts_the_week_pages_lists_with_links_and_no_names(
    app: Flask, make: Any, coordinators: list[User], flatcoach: User
) -> None:
    for first_name in ("Kees", "Mien", "Jopie"):
        make.referral(flatcoach, first_name=first_name, last_name="Bakker")
    make.volunteer(screened=False, first_name="Vera", last_name="Nieuw")
    db.session.commit()

    outbox_notices.enqueue_digests(db.session, app.config, today())
    db.session.commit()

    body = _mails(outbox_notices.COORDINATOR_DIGEST)[0].body
    assert "   3  verwijzingen nog niet gesproken\n      http://127.0.0.1:5000/coordinatie#nog-niet-gesproken" in body
    assert "   1  vrijwilligers wachten op een intakegesprek" in body
    for name in ("Kees", "Mien", "Jopie", "Bakker", "Vera", "Nieuw"):
        assert name not in body


# --- sending: the file backend -----------------------------------------------------------------------------------


def test_the_file_backend_writes_each_mail_as_an_eml_file(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    app.config.update(SAMEN_MAIL_BACKEND="file", SAMEN_MAIL_DIR=str(tmp_path / "mail"))
    (mail_id,) = _queue(1)

    result = runner.invoke(args=["samen", "outbox", "send"])

    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    (path,) = (tmp_path / "mail").glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert (message["To"], message["Subject"], message["From"]) == ("ontvanger0@example.org", "Bericht 0", SENDER)
    assert message["Message-ID"] == message_id(db.session.get(OutboxMail, mail_id), SENDER)
    assert message.get_content() == "Hallo.\n"  # type: ignore[attr-defined]
    assert _mails()[0].sent_at is not None


def test_a_sent_mail_is_not_sent_again(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    app.config.update(SAMEN_MAIL_BACKEND="file", SAMEN_MAIL_DIR=str(tmp_path / "mail"))
    _queue(3)
    runner.invoke(args=["samen", "outbox", "send"])

    again = runner.invoke(args=["samen", "outbox", "send"])

    assert "0 sent" in again.output
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 3


def test_writing_a_mail_again_replaces_its_file(app: Flask, tmp_path: Path) -> None:
    (mail_id,) = _queue(1)
    mail = db.session.get(OutboxMail, mail_id)
    assert mail is not None
    backend = FileBackend(tmp_path)

    backend.send(build_message(mail, SENDER))
    backend.send(build_message(mail, SENDER))

    assert len(list(tmp_path.glob("*.eml"))) == 1


def test_an_unwritable_folder_is_a_failed_attempt(app: Flask, tmp_path: Path, now: datetime) -> None:
    (tmp_path / "bestand").write_text("geen map")
    _queue(1)

    report = _send(FileBackend(tmp_path / "bestand" / "mail"), now)

    (mail,) = _mails()
    assert (report.sent, report.failed, mail.attempts, mail.sent_at) == (0, 1, 1, None)


# --- sending: failures, backoff, giving up ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempts", "minutes"), [(1, 1), (2, 2), (3, 4), (4, 8), (9, 256), (10, 360), (12, 360), (40, 360)]
)
def test_the_wait_doubles_from_one_minute_to_at_most_six_hours(attempts: int, minutes: int) -> None:
    assert outbox.retry_delay(attempts) == timedelta(minutes=minutes)


def test_a_failed_attempt_is_counted_and_the_next_is_a_minute_later(app: Flask, now: datetime) -> None:
    _queue(1)

    report = _send(_failing(), now)

    (mail,) = _mails()
    assert (report.sent, report.failed) == (0, 1)
    assert (mail.attempts, mail.sent_at, mail.next_attempt_at) == (1, None, now + timedelta(minutes=1))
    assert mail.last_error == "421 service not available"


def test_a_failed_mail_waits_for_its_time(app: Flask, now: datetime) -> None:
    _queue(1)
    _send(_failing(), now)
    backend = RecordingBackend()

    early = _send(backend, now + timedelta(seconds=59))
    on_time = _send(backend, now + timedelta(minutes=1))

    assert (early.sent, on_time.sent) == (0, 1)
    assert backend.attempted == 1


def test_the_stored_error_and_the_log_hold_no_address_and_no_body(
    app: Flask, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    _queue(1)
    caplog.set_level("INFO", logger="webapp.outbox")

    _send(_failing("450 4.2.0 <ontvanger0@example.org>: mailbox busy"), now)

    (mail,) = _mails()
    assert mail.last_error == "450 4.2.0 <<adres>>: mailbox busy"
    assert "example.org" not in caplog.text
    assert "Hallo" not in caplog.text
    assert f"outbox mail {mail.id} (test) attempt 1 failed" in caplog.text


def test_a_mail_is_given_up_after_the_maximum_number_of_attempts(app: Flask, now: datetime) -> None:
    _queue(1)
    moment = now
    for _ in range(3):
        _send(_failing(), moment, attempts_limit=3)
        moment += timedelta(hours=7)
    backend = RecordingBackend()

    report = _send(backend, moment, attempts_limit=3)

    (mail,) = _mails()
    assert (report.sent, backend.attempted, mail.attempts, mail.sent_at) == (0, 0, 3, None)
    assert outbox.counts(db.session, 3).given_up == 1


def test_the_maximum_number_of_attempts_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    bare = {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    assert outbox.max_attempts(create_app(bare).config) == 12
    monkeypatch.setenv("SAMEN_MAIL_MAX_ATTEMPTS", "5")

    assert (outbox.max_attempts({}), outbox.max_attempts(create_app(bare).config)) == (5, 5)


def test_retry_makes_a_given_up_mail_due_again(app: Flask, runner: FlaskCliRunner, now: datetime) -> None:
    app.config["SAMEN_MAIL_MAX_ATTEMPTS"] = 1
    _queue(1)
    _send(_failing(), now, attempts_limit=1)

    result = runner.invoke(args=["samen", "outbox", "retry"])
    report = _send(RecordingBackend(), utcnow() + timedelta(seconds=1), attempts_limit=1)

    assert "1 mail(s) due again" in result.output
    assert report.sent == 1


def test_a_recipient_refused_for_good_is_given_up_at_once(app: Flask, now: datetime) -> None:
    _queue(1)

    report = _send(_failing("recipient refused (550)", permanent=True), now)

    (mail,) = _mails()
    assert (report.given_up, mail.attempts) == (1, outbox.DEFAULT_MAX_ATTEMPTS)


def test_one_failing_mail_does_not_hold_up_the_others(app: Flask, now: datetime) -> None:
    _queue(3)
    backend = RecordingBackend(lambda message: MailError("boom") if message["Subject"] == "Bericht 1" else None)

    report = _send(backend, now)

    assert (report.sent, report.failed) == (2, 1)
    assert [m.sent_at is not None for m in _mails()] == [True, False, True]


def test_the_mails_go_out_in_the_order_they_were_queued(app: Flask, now: datetime) -> None:
    _queue(5)
    backend = RecordingBackend()

    _send(backend, now)

    assert [m["Subject"] for m in backend.accepted] == [f"Bericht {n}" for n in range(5)]


def test_status_counts_sent_waiting_and_given_up(app: Flask, runner: FlaskCliRunner, now: datetime) -> None:
    app.config["SAMEN_MAIL_MAX_ATTEMPTS"] = 1
    _queue(1)
    _send(RecordingBackend(), now, attempts_limit=1)
    _queue(1)
    _send(_failing(), now, attempts_limit=1)
    _queue(1)

    result = runner.invoke(args=["samen", "outbox", "status"])

    assert "1 sent, 1 waiting" in result.output
    assert "1 given up" in result.output


def test_a_crash_after_the_server_accepted_sends_the_mail_again_with_the_same_message_id(
    app: Flask, now: datetime
) -> None:
    """The window that remains (see webapp.services.outbox): the server has the mail, the commit of sent_at never
    happens. The mail goes out again, recognisable as the same one."""
    _queue(1)

    class CrashAfterAccepting(RecordingBackend):
        def send(self, message: EmailMessage) -> None:
            super().send(message)
            raise SystemExit("the process dies")

    crashing = CrashAfterAccepting()
    with pytest.raises(SystemExit):
        _send(crashing, now)
    again = RecordingBackend()
    _send(again, now)

    assert crashing.accepted[0]["Message-ID"] == again.accepted[0]["Message-ID"]
    assert _mails()[0].sent_at is not None


# --- the outbox against a local SMTP server that is down, then up --------------------------------------------------


class RecordingHandler:
    """An aiosmtpd handler that keeps each received mail's Message-ID (a little slow, so two senders overlap)."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.01)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.message_ids.append(str(message["Message-ID"]))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_port() -> int:
    return _free_port()


@pytest.fixture
def smtp_server(smtp_port: int) -> Iterator[Callable[[], RecordingHandler]]:
    """Starts the server on ``smtp_port`` when called (until then nothing listens there); stops it afterwards."""
    controllers: list[Controller] = []

    def start() -> RecordingHandler:
        handler = RecordingHandler()
        controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        controllers.append(controller)
        return handler

    yield start
    for controller in controllers:
        controller.stop()


def _sender_in_own_session(app: Flask, port: int, reports: list[SendReport]) -> None:
    with app.app_context(), Session(db.engine) as session:
        backend = SmtpBackend("127.0.0.1", port, timeout=10)
        reports.append(send_due(session, backend, SENDER, outbox.DEFAULT_MAX_ATTEMPTS))


def test_the_outbox_against_an_smtp_server_that_is_down_then_up_loses_none_and_sends_none_twice(
    app: Flask, smtp_port: int, smtp_server: Callable[[], RecordingHandler]
) -> None:
    queued = _queue(25, kind="referral_status")
    expected = {message_id(mail, SENDER) for mail in _mails()}

    down = send_due(db.session, SmtpBackend("127.0.0.1", smtp_port, timeout=5), SENDER, outbox.DEFAULT_MAX_ATTEMPTS)
    after_down = [(m.attempts, m.sent_at, m.next_attempt_at > m.created_at, m.last_error) for m in _mails()]
    handler = smtp_server()
    db.session.execute(update(OutboxMail).values(next_attempt_at=utcnow()))  # the minute of backoff has passed
    db.session.commit()
    senders = 2 if db.engine.dialect.name == "postgresql" else 1  # SQLite has one writer at a time
    reports: list[SendReport] = []
    threads = [
        threading.Thread(target=_sender_in_own_session, args=(app, smtp_port, reports), daemon=True)
        for _ in range(senders)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE_SECONDS)
    received = Counter(handler.message_ids)
    after_up = _mails()

    duplicates = sum(count - 1 for count in received.values() if count > 1)
    lost = len(expected - set(received))
    print(
        f"\noutbox vs SMTP down then up ({db.engine.dialect.name}, {senders} sender(s) at once): "
        f"mails enqueued {len(queued)}, failed while down {down.failed}, received {sum(received.values())}, "
        f"distinct {len(received)}, duplicates {duplicates}, lost {lost}; "
        f"sent per sender {[r.sent for r in reports]}"
    )
    assert (down.sent, down.failed) == (0, 25)
    assert all(attempts == 1 and sent_at is None and later for attempts, sent_at, later, _ in after_down)
    assert all("ConnectionRefusedError" in error for *_, error in after_down)
    assert len(reports) == senders
    assert set(received) == expected
    assert duplicates == 0
    assert lost == 0
    assert all(m.sent_at is not None and m.attempts == 2 for m in after_up)
    assert sum(r.sent for r in reports) == 25


def test_a_mail_one_sender_holds_is_skipped_by_another(app: Flask, now: datetime) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL): SQLite lets one sender at a time hold a mail")
    first_id, second_id = _queue(2)

    with Session(db.engine) as one, Session(db.engine) as other:
        other.execute(text("SET LOCAL lock_timeout = '5s'"))  # waiting for the held row would fail, not hang
        held = outbox.claim_next(one, now, outbox.DEFAULT_MAX_ATTEMPTS)
        taken = outbox.claim_next(other, now, outbox.DEFAULT_MAX_ATTEMPTS)
        none_left = outbox.claim_next(other, now, outbox.DEFAULT_MAX_ATTEMPTS, after_id=second_id)

        assert held is not None
        assert taken is not None
        assert (held.id, taken.id, none_left) == (first_id, second_id, None)
