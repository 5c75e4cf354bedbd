"""Configuration from the environment, with safe development defaults.

``SAMEN_ENV`` is ``development`` (default) or ``production``. In production a missing ``SECRET_KEY`` or
``DATABASE_URL`` stops the app at start; in development a secret is generated once into the instance
folder and the database is a SQLite file there.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from webapp.figures import parse_age_bands
from webapp.rules import parse_schedule


class ConfigurationError(RuntimeError):
    """The app cannot start with this configuration."""


def database_url(raw: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def _development_secret(instance_path: str) -> str:
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return default if value in (None, "") else float(value)


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def _str(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value in (None, "") else str(value)


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    if value.lower() not in ("0", "1", "true", "false", "yes", "no"):
        raise ConfigurationError(f"{name} must be 1 or 0, not {value!r}")
    return value.lower() in ("1", "true", "yes")


def _schedule(name: str, default: str) -> str:
    text = os.environ.get(name) or default
    try:
        parse_schedule(text)
    except ValueError as error:
        raise ConfigurationError(f"{name}: {error}") from None
    return text


def _age_bands(name: str, default: str) -> str:
    text = os.environ.get(name) or default
    try:
        parse_age_bands(text)
    except ValueError as error:
        raise ConfigurationError(f"{name}: {error}") from None
    return text


def configure(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    """Fill ``app.config`` from defaults, the environment and ``overrides`` (tests)."""
    environment = os.environ.get("SAMEN_ENV", "development")
    if environment not in ("development", "production"):
        raise ConfigurationError(f"SAMEN_ENV must be 'development' or 'production', not {environment!r}")
    production = environment == "production"
    overrides = dict(overrides or {})

    secret = overrides.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if not secret:
        if production:
            raise ConfigurationError("SECRET_KEY is not set; production needs a long random secret")
        secret = _development_secret(app.instance_path)

    url = overrides.get("SQLALCHEMY_DATABASE_URI") or os.environ.get("DATABASE_URL")
    if not url:
        if production:
            raise ConfigurationError("DATABASE_URL is not set; production runs on PostgreSQL")
        url = "sqlite:///" + str(Path(app.instance_path) / "samen.sqlite3")

    app.config.update(
        SAMEN_ENV=environment,
        SECRET_KEY=secret,
        SQLALCHEMY_DATABASE_URI=database_url(url),
        # No SQL parameters (people's data) in error messages and logs.
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "hide_parameters": True},
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        # A volunteer may take a long time over the form on a phone: the token lives as long as the session.
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="nl",
        BABEL_DEFAULT_TIMEZONE="Europe/Amsterdam",
        LANGUAGES=("nl", "en"),
        RATELIMIT_ENABLED=os.environ.get("RATELIMIT_ENABLED", "1") != "0",
        RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        RATELIMIT_HEADERS_ENABLED=True,
        # Matching policy (documented defaults; see the README). Weights, distance limits and common slots are
        # set per programme by admins in the app.
        SAMEN_WAITING_HORIZON_DAYS=_int("SAMEN_WAITING_HORIZON_DAYS", 180),
        SAMEN_VOG_VALID_YEARS=_int("SAMEN_VOG_VALID_YEARS", 3),
        SAMEN_VOG_NOTICE_DAYS=_int("SAMEN_VOG_NOTICE_DAYS", 60),
        # The life of a match.
        SAMEN_CHECK_IN_SCHEDULE=_schedule("SAMEN_CHECK_IN_SCHEDULE", "6w,3m,6m,12m"),
        SAMEN_CHECK_IN_WINDOW_DAYS=_int("SAMEN_CHECK_IN_WINDOW_DAYS", 14),
        SAMEN_MATCH_MAX_MONTHS=_int("SAMEN_MATCH_MAX_MONTHS", 24),
        SAMEN_MATCH_NOTICE_DAYS=_int("SAMEN_MATCH_NOTICE_DAYS", 60),
        # Loneliness measurement: how long a link to fill the questionnaire in oneself works, and how many requests
        # with an unknown or spent link one address may make (a guard against guessing).
        SAMEN_MEASUREMENT_LINK_DAYS=_int("SAMEN_MEASUREMENT_LINK_DAYS", 14),
        SAMEN_MEASUREMENT_LINK_LIMIT=_str("SAMEN_MEASUREMENT_LINK_LIMIT", "30 per hour"),
        SAMEN_PRIVACY_VERSION="2026-11",
        SAMEN_PAGE_SIZE=50,
        SAMEN_LOGIN_LIMIT=os.environ.get("SAMEN_LOGIN_LIMIT", "10 per minute"),
        SAMEN_LOGIN_ACCOUNT_LIMIT=_str("SAMEN_LOGIN_ACCOUNT_LIMIT", "5 per minute;20 per hour"),
        SAMEN_SIGNUP_LIMIT=os.environ.get("SAMEN_SIGNUP_LIMIT", "20 per hour"),
        SAMEN_SIGNUP_ERROR_LIMIT=_str("SAMEN_SIGNUP_ERROR_LIMIT", "200 per hour"),
        SAMEN_API_LIMIT=_str("SAMEN_API_LIMIT", "120 per minute"),
        # Trust: sessions, two-factor sign-in, the edge.
        SAMEN_IDLE_MINUTES=_int("SAMEN_IDLE_MINUTES", 30),
        SAMEN_SESSION_HOURS=_int("SAMEN_SESSION_HOURS", 12),
        SAMEN_REMEMBER_DAYS=_int("SAMEN_REMEMBER_DAYS", 14),
        SAMEN_REQUIRE_TWO_FACTOR=_flag("SAMEN_REQUIRE_TWO_FACTOR", production),
        SAMEN_PROXY_COUNT=_int("SAMEN_PROXY_COUNT", 0),
        MAX_CONTENT_LENGTH=_int("SAMEN_MAX_REQUEST_BYTES", 1024 * 1024),
        SAMEN_LOG_FORMAT=_str("SAMEN_LOG_FORMAT", "json" if production else "text"),
        # How people reach Welzijn Rijswijk (shown on the public pages, the 429 page and in e-mails).
        SAMEN_CONTACT_PHONE=_str("SAMEN_CONTACT_PHONE", "070 123 45 67"),
        SAMEN_CONTACT_EMAIL=_str("SAMEN_CONTACT_EMAIL", "samen@welzijnrijswijk.example"),
        # E-mail: "file" writes each mail to SAMEN_MAIL_DIR (make run); "smtp" sends through SAMEN_SMTP_*.
        SAMEN_MAIL_BACKEND=_str("SAMEN_MAIL_BACKEND", "smtp" if production else "file"),
        SAMEN_MAIL_DIR=_str("SAMEN_MAIL_DIR", str(Path(app.instance_path) / "mail")),
        SAMEN_MAIL_FROM=_str("SAMEN_MAIL_FROM", "Samen Rijswijk <samen@welzijnrijswijk.example>"),
        SAMEN_SMTP_HOST=_str("SAMEN_SMTP_HOST", "localhost"),
        SAMEN_SMTP_PORT=_int("SAMEN_SMTP_PORT", 25),
        SAMEN_SMTP_USER=_str("SAMEN_SMTP_USER", ""),
        SAMEN_SMTP_PASSWORD=_str("SAMEN_SMTP_PASSWORD", ""),
        SAMEN_SMTP_STARTTLS=_flag("SAMEN_SMTP_STARTTLS", production),
        SAMEN_SMTP_TIMEOUT=_float("SAMEN_SMTP_TIMEOUT", 30.0),
        # Failed attempts (with growing waits between them) before a mail is given up.
        SAMEN_MAIL_MAX_ATTEMPTS=_int("SAMEN_MAIL_MAX_ATTEMPTS", 12),
        # Where people reach the app: the links in e-mails.
        SAMEN_PUBLIC_URL=_str("SAMEN_PUBLIC_URL", "http://127.0.0.1:5000"),
        # Retention periods (defaults, see the README): months after the moment each starts counting.
        SAMEN_RETAIN_REFERRAL_MONTHS=_int("SAMEN_RETAIN_REFERRAL_MONTHS", 3),
        SAMEN_RETAIN_RESIDENT_MONTHS=_int("SAMEN_RETAIN_RESIDENT_MONTHS", 24),
        SAMEN_RETAIN_VOLUNTEER_MONTHS=_int("SAMEN_RETAIN_VOLUNTEER_MONTHS", 12),
        # The coalition's dashboard: the age bands of the loneliness figures (the targets' 12-18, 19-65, over 65), and
        # the fewest people a number a viewer sees may come from.
        SAMEN_AGE_BANDS=_age_bands("SAMEN_AGE_BANDS", "12-18,19-65,66-"),
        SAMEN_MIN_CELL=_int("SAMEN_MIN_CELL", 5),
        # Matching runs off the request path: "rq" queues them in Redis for `flask samen worker` (production),
        # "thread" runs them in a background thread of the web process (make run), "inline" at once (tests).
        REDIS_URL=_str("REDIS_URL", ""),
        SAMEN_JOB_QUEUE=_str("SAMEN_JOB_QUEUE", "rq" if production else "thread"),
        SAMEN_RQ_QUEUE=_str("SAMEN_RQ_QUEUE", "samen"),
        # A queued or running run whose worker has not shown life for this long is failed.
        SAMEN_RUN_HEARTBEAT_TIMEOUT=_int("SAMEN_RUN_HEARTBEAT_TIMEOUT", 600),
        SAMEN_RUN_HEARTBEAT_SECONDS=_float("SAMEN_RUN_HEARTBEAT_SECONDS", 10.0),
        # RQ stops a job that runs longer than this (a national run takes well under a minute).
        SAMEN_RUN_JOB_TIMEOUT=_int("SAMEN_RUN_JOB_TIMEOUT", 3600),
    )
    app.config.update(overrides)
    if app.config["SAMEN_JOB_QUEUE"] not in ("rq", "thread", "inline"):
        raise ConfigurationError(f"SAMEN_JOB_QUEUE must be rq, thread or inline, not {app.config['SAMEN_JOB_QUEUE']!r}")
    if app.config["SAMEN_JOB_QUEUE"] == "rq" and not app.config["REDIS_URL"]:
        raise ConfigurationError(
            "REDIS_URL is not set; matching runs go through RQ on Redis (or set SAMEN_JOB_QUEUE=thread for one process)"
        )
