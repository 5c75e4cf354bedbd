"""``flask samen outbox ...``: sending the e-mails waiting in the outbox, and the coordinators' daily digest.

``send`` goes once through the mails that are due, in id order, each in its own transaction (claimed with a row
lock, handed to the backend, marked sent or failed, committed: see ``webapp.services.outbox`` for why none is sent
twice); ``send --loop --interval 60`` keeps doing so, as a worker process. ``digest`` puts the day's digest in the
outbox for every active coordinator (once a day, however often it runs). ``status`` counts, ``retry`` revives the
mails that were given up. Logs name mails by id and kind, never by address, subject or body.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import FrameType

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from webapp.clock import local_today
from webapp.extensions import db
from webapp.mail import MailBackend, MailError, backend_from, build_message
from webapp.models import utcnow
from webapp.services import outbox as outbox_service
from webapp.services import outbox_notices

log = logging.getLogger("webapp.outbox")


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0  # of which ``given_up`` have no attempts left
    given_up: int = 0

    def __str__(self) -> str:
        return (
            f"Outbox: {self.sent} sent, {self.failed - self.given_up} failed (tried again later), "
            f"{self.given_up} given up."
        )


def send_due(
    session: Session,
    backend: MailBackend,
    sender: str,
    attempts_limit: int,
    clock: Callable[[], datetime] = utcnow,
    stop: Callable[[], bool] = lambda: False,
) -> SendReport:
    """Go once through the due mails in id order, each in its own transaction: sent only counts once the backend
    accepted the mail; a failure counts the attempt, keeps the error and sets the next attempt (backoff)."""
    report = SendReport()
    after_id = 0
    try:
        while not stop():
            mail = outbox_service.claim_next(session, clock(), attempts_limit, after_id)
            if mail is None:
                break
            after_id = mail.id
            try:
                backend.send(build_message(mail, sender))
            except Exception as error:
                permanent = isinstance(error, MailError) and error.permanent
                reason = str(error) if isinstance(error, MailError) else f"{type(error).__name__}: {error}"
                outbox_service.mark_failed(session, mail, reason, clock(), attempts_limit, permanent)
                report.failed += 1
                if mail.attempts >= attempts_limit:
                    report.given_up += 1
                    log.warning(
                        "outbox mail %d (%s) given up after %d attempts: %s",
                        *(mail.id, mail.kind, mail.attempts, mail.last_error),
                    )
                else:
                    log.info(
                        "outbox mail %d (%s) attempt %d failed, next attempt at %s UTC: %s",
                        *(mail.id, mail.kind, mail.attempts, mail.next_attempt_at, mail.last_error),
                    )
            else:
                outbox_service.mark_sent(session, mail, clock())
                report.sent += 1
                log.info("outbox mail %d (%s) sent", mail.id, mail.kind)
            session.commit()
        session.commit()  # ends the last (reading) transaction
    except BaseException:
        session.rollback()
        raise
    finally:
        backend.close()
    return report


outbox = click.Group("outbox", help="The outbox of e-mails: send what is due, retry what failed.")


@outbox.command("send")
@click.option("--once/--loop", default=True, help="Send what is due and stop (default), or keep doing so.")
@click.option("--interval", default=60, show_default=True, type=click.IntRange(min=1), help="Seconds between rounds.")
@with_appcontext
def send(once: bool, interval: int) -> None:
    """Send the e-mails that are due (file backend: write them into SAMEN_MAIL_DIR)."""
    config = current_app.config
    attempts_limit = outbox_service.max_attempts(config)
    if once:
        report = send_due(db.session, backend_from(config), config["SAMEN_MAIL_FROM"], attempts_limit)
        click.echo(str(report))
        return

    stopping = threading.Event()

    def _stop(signal_number: int, _frame: FrameType | None) -> None:
        stopping.set()  # finish the mail in hand, then stop

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"Outbox worker: sending every {interval} s ({config['SAMEN_MAIL_BACKEND']} backend).")
    while not stopping.is_set():
        try:
            report = send_due(
                db.session, backend_from(config), config["SAMEN_MAIL_FROM"], attempts_limit, stop=stopping.is_set
            )
            if report.sent or report.failed:
                log.info("%s", report)
        except SQLAlchemyError as error:  # the database is away for a moment: try again next round
            log.error("outbox round failed: %s", type(error).__name__)
        finally:
            db.session.remove()
        stopping.wait(interval)
    click.echo("Outbox worker stopped.")


@outbox.command("digest")
@with_appcontext
def digest() -> None:
    """Put today's digest in the outbox for every active coordinator (once a day: running it again adds none)."""
    added = outbox_notices.enqueue_digests(db.session, current_app.config, local_today())
    db.session.commit()
    click.echo(f"Digest queued for {added} coordinator(s); send it with 'flask samen outbox send'.")


@outbox.command("status")
@with_appcontext
def status() -> None:
    """How many mails were sent, wait for an attempt, or were given up."""
    counts = outbox_service.counts(db.session, outbox_service.max_attempts(current_app.config))
    oldest = f", oldest waiting since {counts.oldest_waiting:%Y-%m-%d %H:%M} UTC" if counts.oldest_waiting else ""
    click.echo(f"Outbox: {counts.sent} sent, {counts.waiting} waiting{oldest}, {counts.given_up} given up.")


@outbox.command("retry")
@with_appcontext
def retry() -> None:
    """Make the mails that were given up due again, with a fresh count of attempts (after fixing the cause)."""
    revived = outbox_service.retry_given_up(db.session, outbox_service.max_attempts(current_app.config), utcnow())
    db.session.commit()
    click.echo(f"{revived} mail(s) due again.")


#: The commands this module adds to ``flask samen``.
COMMANDS: list[click.Command] = [outbox]
