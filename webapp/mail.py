"""Handing a mail from the outbox to the world: a folder of .eml files (``make run``) or an SMTP server.

``SAMEN_MAIL_BACKEND`` chooses: ``file`` writes each mail as ``<outbox id>.eml`` into ``SAMEN_MAIL_DIR`` (created
when missing; writing the same mail again replaces the file), ``smtp`` sends through ``SAMEN_SMTP_HOST`` and
``SAMEN_SMTP_PORT`` with the standard library's smtplib (STARTTLS and login when configured, a timeout on every
connection). Each mail's Message-ID is derived from its outbox row, so that a mail that reached a server twice
(after a crash between the server's acceptance and the commit of ``sent_at``) is recognisable as one mail.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from datetime import UTC
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Protocol

from webapp.models import OutboxMail

SMTP_TIMEOUT_SECONDS = 30


class MailError(Exception):
    """A mail was not handed over; ``permanent`` when trying again cannot help (the server refused the
    recipient for good)."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class MailBackend(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand the message over, or raise ``MailError``."""

    def close(self) -> None: ...


def message_id(mail: OutboxMail, sender: str) -> str:
    """The same Message-ID at every attempt for one outbox row (its id and creation time), in the sender's domain."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "samen.invalid"
    return f"<samen-outbox-{mail.id}.{mail.created_at:%Y%m%d%H%M%S}@{domain}>"


def build_message(mail: OutboxMail, sender: str) -> EmailMessage:
    """The outbox row as a plain-text e-mail in UTF-8."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at.replace(tzinfo=UTC))
    message["Message-ID"] = message_id(mail, sender)
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies to a machine
    message.set_content(mail.body)
    return message


class FileBackend:
    """Writes each mail into a folder, for development: open the .eml files with any mail program."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def send(self, message: EmailMessage) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = str(message["Message-ID"]).strip("<>").partition("@")[0]
            temporary = self.directory / f".{name}.tmp"
            temporary.write_bytes(message.as_bytes())
            temporary.replace(self.directory / f"{name}.eml")  # whole or not at all
        except OSError as error:
            raise MailError(f"{type(error).__name__}: {error.strerror or error}") from error

    def close(self) -> None:
        pass


class SmtpBackend:
    """Sends through one SMTP connection, opened at the first mail and opened again after a failure."""

    def __init__(
        self,
        host: str,
        port: int,
        user: str = "",
        password: str = "",
        starttls: bool = False,
        timeout: float = SMTP_TIMEOUT_SECONDS,
    ) -> None:
        self.host, self.port, self.user, self.password = host, port, user, password
        self.starttls, self.timeout = starttls, timeout
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                connection.starttls(context=ssl.create_default_context())
            if self.user:
                connection.login(self.user, self.password)
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, message: EmailMessage) -> None:
        try:
            if self._connection is None:
                self._connection = self._connect()
            refused = self._connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = sorted({code for code, _ in error.recipients.values()})
            raise MailError(f"recipient refused ({', '.join(map(str, codes))})", permanent=min(codes) >= 500) from None
        except smtplib.SMTPResponseException as error:
            self.close()
            text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else ""
            raise MailError(f"{type(error).__name__}: {error.smtp_code} {text}") from None
        except (OSError, smtplib.SMTPException) as error:  # refused connection, timeout, TLS, a dropped connection
            self.close()
            raise MailError(f"{type(error).__name__}: {error}") from None
        if refused:  # some recipients refused; we only ever send to one, so this does not happen
            raise MailError("recipient refused")

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (OSError, smtplib.SMTPException):
                self._connection.close()
            self._connection = None


def backend_from(config: Mapping[str, Any]) -> MailBackend:
    """The backend the settings choose."""
    kind = config["SAMEN_MAIL_BACKEND"]
    if kind == "file":
        return FileBackend(config["SAMEN_MAIL_DIR"])
    if kind == "smtp":
        return SmtpBackend(
            config["SAMEN_SMTP_HOST"],
            int(config["SAMEN_SMTP_PORT"]),
            config["SAMEN_SMTP_USER"],
            config["SAMEN_SMTP_PASSWORD"],
            bool(config["SAMEN_SMTP_STARTTLS"]),
            float(config.get("SAMEN_SMTP_TIMEOUT", SMTP_TIMEOUT_SECONDS)),
        )
    raise ValueError(f"SAMEN_MAIL_BACKEND must be 'file' or 'smtp', not {kind!r}")
