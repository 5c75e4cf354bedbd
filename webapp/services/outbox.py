"""The outbox: e-mails written in the same transaction as the change they tell about, so that none is lost.

A use case calls ``enqueue`` and its view (or command) commits the mail together with the change: a use case that
is rolled back leaves no mail, a committed one always has its mail. Nothing here sends; ``flask samen outbox send``
(``webapp.cli_outbox``) takes what is due with ``claim_next`` and records the outcome with ``mark_sent`` or
``mark_failed``, one mail per transaction.

One mail per event: a mail with a ``dedupe_key`` is stored at most once. ``enqueue`` inserts with ``INSERT ... ON
CONFLICT (dedupe_key) DO NOTHING`` (SQLite and PostgreSQL), so a second mail for the same event is skipped without
an error, also when two transactions enqueue it at the same moment: on PostgreSQL the second waits for the first to
commit and then inserts nothing (or inserts after all when the first rolled back). The use case never fails over
its mail.

No mail is better than a wrong one: an empty or invalid address is skipped quietly (logged by kind, never the
address), so a volunteer who mistyped their address still signs up.

Sending, and why no mail goes out twice: a sender takes a due row with ``SELECT ... FOR UPDATE SKIP LOCKED`` on
PostgreSQL (a second sender skips that row and takes the next one) and counts the attempt with a conditional
``UPDATE ... WHERE sent_at IS NULL AND next_attempt_at <= now``, which only one transaction can win (on SQLite the
database's single writer lock serialises senders). The row stays locked while the mail is handed to the server,
and ``sent_at`` is committed in that same transaction. What remains, in two narrow windows: a crash (or a lost
connection to the database) after the server accepted the mail and before the commit rolls the transaction back,
and a server's "accepted" reply that never arrives (a timeout after the mail's last line) counts as a failure; in
both cases the mail goes out again on a later run. Its Message-ID is the same at every attempt (derived from the
outbox row, ``webapp.mail.message_id``), so such a duplicate is recognisable as the same mail (some mail programs
show it once); none is ever sent twice because two senders took it at once.

SQLite (``make run``) has one writer at a time: while a sender holds a mail, other writers wait (up to the 10 s
busy timeout). With the file backend that is a moment; production runs on PostgreSQL, where only the row is held.

Retries: after the n-th failed attempt the next one is due after 2**(n-1) minutes (1, 2, 4, ... capped at 6 hours),
without jitter: the sender goes through the due mails one by one in id order, so retries never arrive as a burst,
and the timing stays predictable. After ``max_attempts`` failed attempts (``SAMEN_MAIL_MAX_ATTEMPTS``, default 12:
about 20 hours of trying) a mail is given up: it stays in the table (``flask samen outbox status`` counts it,
``flask samen outbox retry`` makes it due again).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from webapp.models import OutboxMail

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
_ERROR_LENGTH = 500
_SUBJECT_LENGTH = 200
_ADDRESS_LENGTH = 254
_ADDRESS_PATTERN = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")


def max_attempts(config: Mapping[str, Any]) -> int:
    """How many failed attempts before a mail is given up: ``SAMEN_MAIL_MAX_ATTEMPTS`` (app config, else the
    environment), default 12."""
    value = config.get("SAMEN_MAIL_MAX_ATTEMPTS") or os.environ.get("SAMEN_MAIL_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS
    attempts = int(value)
    if attempts < 1:
        raise ValueError("SAMEN_MAIL_MAX_ATTEMPTS must be 1 or more")
    return attempts


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 1, 2, 4, ... minutes, at most 6 hours."""
    if attempts < 1:
        raise ValueError("attempts counts from 1")
    # Capped before the power grows: 2**(attempts-1) minutes passes 6 hours at the 10th attempt.
    return min(FIRST_RETRY * (1 << min(attempts - 1, 16)), LONGEST_RETRY)


def valid_address(address: str | None) -> str | None:
    """The address as it is sent to (trimmed), or None when it is empty or not a valid e-mail address."""
    candidate = (address or "").strip()
    if not candidate or len(candidate) > _ADDRESS_LENGTH:
        return None
    try:
        # test_environment: the demo accounts' *.test addresses are mail too (written to the folder by make run).
        validate_email(candidate, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return None
    return candidate


def _one_line(text: str) -> str:
    """A header value: no line breaks (they would start a new header), at most the column's length."""
    return " ".join(text.split())[:_SUBJECT_LENGTH]


def enqueue(
    session: Session, kind: str, to_address: str | None, subject: str, body: str, dedupe_key: str | None = None
) -> OutboxMail | None:
    """Add a mail to the outbox in the session's transaction (the caller commits it with the change); returns it,
    or None when the address is empty or invalid or a mail with the same ``dedupe_key`` exists."""
    address = valid_address(to_address)
    if address is None:
        log.info("outbox: no %s mail queued: no valid address", kind)
        return None
    values = {
        "kind": kind,
        "to_address": address,
        "subject": _one_line(subject),
        "body": body,
        "dedupe_key": dedupe_key,
    }
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            dialect_insert(OutboxMail.__table__)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboxMail.__table__.c.id)
        )
        mail_id = session.execute(statement).scalar_one_or_none()
    else:  # another database: check first; a rare race then ends in an IntegrityError at commit
        if dedupe_key is not None and session.scalar(select(OutboxMail.id).where(OutboxMail.dedupe_key == dedupe_key)):
            return None
        mail = OutboxMail(**values)
        session.add(mail)
        session.flush()
        return mail
    if mail_id is None:
        return None
    return session.get(OutboxMail, mail_id)


# --- Sending: claiming a due mail and recording what happened ------------------------------------------------


def _due(now: datetime, attempts_limit: int) -> Any:
    return (
        OutboxMail.sent_at.is_(None),
        OutboxMail.next_attempt_at <= now,
        OutboxMail.attempts < attempts_limit,
    )


def claim_next(session: Session, now: datetime, attempts_limit: int, after_id: int = 0) -> OutboxMail | None:
    """The first due mail after ``after_id``, locked for this transaction and its attempt counted; None when none
    is due. The caller sends it and records the outcome in the same transaction."""
    while True:
        mail_id = session.scalar(
            select(OutboxMail.id)
            .where(OutboxMail.id > after_id, *_due(now, attempts_limit))
            .order_by(OutboxMail.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if mail_id is None:
            return None
        counted = session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id, *_due(now, attempts_limit))
            .values(attempts=OutboxMail.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if counted.rowcount == 1:  # type: ignore[attr-defined]
            mail = session.get(OutboxMail, mail_id, populate_existing=True)
            assert mail is not None
            return mail
        after_id = mail_id  # another sender took it between our SELECT and UPDATE (SQLite): the next one


def mark_sent(session: Session, mail: OutboxMail, now: datetime) -> None:
    mail.sent_at = now
    mail.last_error = ""
    session.flush()


def mark_failed(
    session: Session, mail: OutboxMail, error: str, now: datetime, attempts_limit: int, permanent: bool = False
) -> None:
    """Record a failed attempt (already counted by ``claim_next``) and when to try again; ``permanent`` (the
    server refused the recipient for good) gives the mail up at once."""
    mail.last_error = scrub(error)
    mail.next_attempt_at = now + retry_delay(mail.attempts)
    if permanent:
        mail.attempts = max(mail.attempts, attempts_limit)
    session.flush()


def scrub(error: str) -> str:
    """An error message fit to store and log: e-mail addresses removed, one line, at most 500 characters."""
    return " ".join(_ADDRESS_PATTERN.sub("<adres>", error).split())[:_ERROR_LENGTH]


def retry_given_up(session: Session, attempts_limit: int, now: datetime) -> int:
    """Make every given-up mail due again with a fresh count of attempts; returns how many."""
    result = session.execute(
        update(OutboxMail)
        .where(OutboxMail.sent_at.is_(None), OutboxMail.attempts >= attempts_limit)
        .values(attempts=0, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def discard_unsent(session: Session) -> int:
    """Drop every mail not sent yet; returns how many. For the demo loader: a history played back into an empty
    database told nobody anything, so its notices must not go out on the first ``outbox send``."""
    result = session.execute(
        delete(OutboxMail).where(OutboxMail.sent_at.is_(None)).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class OutboxCounts:
    sent: int
    waiting: int  # not sent yet, will be tried (again)
    given_up: int  # not sent, no attempts left
    oldest_waiting: datetime | None


def counts(session: Session, attempts_limit: int) -> OutboxCounts:
    """How many mails were sent, wait for (another) attempt, or were given up."""
    unsent = OutboxMail.sent_at.is_(None)
    given_up = OutboxMail.attempts >= attempts_limit
    sent = session.scalar(select(func.count(OutboxMail.id)).where(OutboxMail.sent_at.is_not(None))) or 0
    gave_up = session.scalar(select(func.count(OutboxMail.id)).where(unsent, given_up)) or 0
    waiting = session.scalar(select(func.count(OutboxMail.id)).where(unsent, ~given_up)) or 0
    oldest = session.scalar(select(func.min(OutboxMail.created_at)).where(unsent, ~given_up))
    return OutboxCounts(int(sent), int(waiting), int(gave_up), oldest)
