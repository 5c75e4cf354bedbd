"""Logs without personal data: in production (``SAMEN_LOG_FORMAT=json``) one JSON object a line.

A line holds ids, never what people typed: the request's method, path (never its query string: search terms are
personal data) and endpoint, the signed-in user's id, and for an error its type and where it happened. The message of
an exception is left out unless the app wrote it (``webapp.*``): a database error says which constraint, column and
statement failed, never the values (SQLAlchemy's ``hide_parameters`` keeps them out of the statement's text too).
gunicorn.conf.py gives gunicorn's own lines (start-up, the access log) the same form.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

from webapp.config import ConfigurationError

HANDLER_NAME = "samen-json"
FORMATS = ("json", "text")
# Fields a log call may pass in ``extra`` (the access log does); everything else on a record is left out.
EXTRA_FIELDS = ("method", "path", "endpoint", "status", "bytes", "duration_ms", "user_id", "event")
STATEMENT_CHARACTERS = 1000
# Paths whose rest is a secret (a one-time link's token).
SECRET_PATH_PREFIXES = ("/meting/",)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _signed_in_user_id() -> int | None:
    """The id of the user Flask-Login loaded for this request, without loading one (a log line must not query)."""
    user = getattr(g, "_login_user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    from sqlalchemy import inspect

    state = inspect(user, raiseerr=False)
    identity = state.identity if state is not None else None
    return int(identity[0]) if identity else None


def loggable_path(path: str) -> str:
    """The path as a log may hold it: a one-time link's token (``/meting/<token>``) is a secret that works for days,
    so it is masked."""
    for prefix in SECRET_PATH_PREFIXES:
        if path.startswith(prefix) and len(path) > len(prefix):
            return prefix + "…"
    return path


def _request_fields() -> dict[str, Any]:
    if not has_request_context():
        return {}
    fields: dict[str, Any] = {
        "method": request.method,
        "path": loggable_path(request.path),
        "endpoint": request.endpoint,
    }
    user_id = _signed_in_user_id()
    if user_id is not None:
        fields["user_id"] = user_id
    return fields


def _database_error(error: BaseException) -> dict[str, Any]:
    """Which statement, table, column and constraint failed, and the SQLSTATE: no value (PostgreSQL's DETAIL line
    repeats the values of a violated key, so the driver's message is never logged)."""
    from sqlalchemy.exc import StatementError

    if not isinstance(error, StatementError):
        return {}
    original = error.orig
    described: dict[str, Any] = {"driver_error": type(original).__name__ if original is not None else None}
    if error.statement:
        described["statement"] = error.statement[:STATEMENT_CHARACTERS]
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate:
        described["sqlstate"] = sqlstate
    diagnostics = getattr(original, "diag", None)
    for name in ("table_name", "column_name", "constraint_name"):
        value = getattr(diagnostics, name, None)
        if value:
            described[name.removesuffix("_name")] = value
    return described


def describe_exception(exc_info: ExcInfo) -> dict[str, Any]:
    kind, error, trace = exc_info
    described: dict[str, Any] = {
        "type": f"{kind.__module__}.{kind.__qualname__}",
        "frames": [f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in traceback.extract_tb(trace)],
    }
    if kind.__module__.startswith("webapp."):
        described["message"] = str(error)
    described.update(_database_error(error))
    return described


class JsonLineFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the request's ids, an exception's type and frames."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
            **_request_fields(),
        }
        entry.update({name: getattr(record, name) for name in EXTRA_FIELDS if hasattr(record, name)})
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = describe_exception(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def json_handler(stream: Any = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(JsonLineFormatter())
    return handler


def configure(app: Flask) -> None:
    """JSON lines on standard error for every logger (the app's, SQLAlchemy's, Flask-Limiter's), or Flask's own
    text lines in development."""
    log_format = app.config["SAMEN_LOG_FORMAT"]
    if log_format not in FORMATS:
        raise ConfigurationError(f"SAMEN_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}")
    if log_format != "json":
        return
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)  # a second app in the same process (tests) replaces the first one's handler
    root.addHandler(json_handler())
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    app.logger.removeHandler(default_handler)
    # Flask-Limiter's line about a breached limit names the key (the visitor's address), the development server's
    # request lines the query string (search terms): neither is written.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
