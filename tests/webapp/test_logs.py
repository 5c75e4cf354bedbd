"""Logs without personal data: JSON lines in production, no SQL values in error logs (a failing INSERT logs which
constraint failed, never the values), no query strings (search terms) in the app's lines or gunicorn's access log.
"""

from __future__ import annotations

import io
import json
import logging
import runpy
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.conftest import AuthActions
from tests.webapp.factories import Factories
from webapp.extensions import db
from webapp.logs import HANDLER_NAME
from webapp.models import Role, User

ROOT = Path(__file__).resolve().parents[2]
SECRET_NAME = "Geheime Ghislaine Vermeulen"
SECRET_EMAIL = "ghislaine.vermeulen@example.org"
SECRET_SEARCH = "Vermeulen"


@pytest.fixture
def app_config() -> dict[str, Any]:
    # PROPAGATE_EXCEPTIONS off: as in production, an error is logged and answered with the 500 page.
    return {"SAMEN_LOG_FORMAT": "json", "PROPAGATE_EXCEPTIONS": False}


@pytest.fixture
def log_output(app: Flask) -> Iterator[io.StringIO]:
    """What the app's JSON handler writes, instead of standard error."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == HANDLER_NAME)
    assert isinstance(handler, logging.StreamHandler)
    output = io.StringIO()
    previous = handler.setStream(output)
    yield output
    handler.setStream(previous)


def _lines(output: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.getvalue().splitlines() if line.strip()]


@pytest.fixture
def failing_insert(app: Flask, make: Factories) -> str:
    """A page whose INSERT fails on the unique e-mail address of an account: the path to request."""
    make.user(Role.COORDINATOR, email=SECRET_EMAIL, name=SECRET_NAME)
    db.session.commit()
    existing = db.session.query(User).filter_by(email=SECRET_EMAIL).one()

    def insert_a_second_account_with_the_same_email() -> str:
        db.session.add(
            User(
                email=SECRET_EMAIL,
                name=SECRET_NAME,
                password_hash="x",
                role=Role.COORDINATOR,
                organisation_id=existing.organisation_id,
            )
        )
        db.session.commit()
        return "never"

    app.add_url_rule("/test/dubbel-account", view_func=insert_a_second_account_with_the_same_email)
    return "/test/dubbel-account"


def test_a_failing_insert_answers_the_dutch_error_page(client: FlaskClient, failing_insert: str) -> None:
    response = client.get(failing_insert)

    assert response.status_code == 500
    assert "Er ging iets mis aan onze kant" in response.text


def test_a_failing_insert_logs_no_value(client: FlaskClient, failing_insert: str, log_output: io.StringIO) -> None:
    client.get(f"{failing_insert}?zoek={SECRET_SEARCH}")

    text = log_output.getvalue()
    assert "IntegrityError" in text  # the failure is logged ...
    assert SECRET_EMAIL not in text  # ... without the values of the INSERT
    assert SECRET_NAME not in text
    assert SECRET_SEARCH not in text  # nor the query string


def test_a_failing_insert_logs_the_statement_and_where_it_failed(
    client: FlaskClient, failing_insert: str, log_output: io.StringIO
) -> None:
    client.get(failing_insert)

    error = next(line for line in _lines(log_output) if "exception" in line)
    assert error["level"] == "ERROR"
    assert error["path"] == failing_insert
    assert error["exception"]["type"] == "sqlalchemy.exc.IntegrityError"
    assert error["exception"]["statement"].startswith("INSERT INTO users")
    assert any("insert_a_second_account_with_the_same_email" in frame for frame in error["exception"]["frames"])


def test_the_engine_hides_sql_parameters(app: Flask) -> None:
    assert db.engine.hide_parameters is True


def test_a_log_line_names_the_signed_in_user_by_id_only(
    app: Flask, client: FlaskClient, auth: AuthActions, make: Factories, log_output: io.StringIO
) -> None:
    user = make.user(Role.COORDINATOR, name=SECRET_NAME)
    db.session.commit()
    auth.login_as(user)

    def log_something() -> str:
        app.logger.warning("something to note")
        return "ok"

    app.add_url_rule("/test/log", view_func=log_something)

    client.get(f"/test/log?zoek={SECRET_SEARCH}")

    line = next(line for line in _lines(log_output) if line["message"] == "something to note")
    assert line["user_id"] == user.id
    assert line["path"] == "/test/log"
    assert SECRET_NAME not in log_output.getvalue()
    assert SECRET_SEARCH not in log_output.getvalue()


def test_an_unknown_log_format_stops_the_app(database_url_for_test: str) -> None:
    from webapp import create_app
    from webapp.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="SAMEN_LOG_FORMAT"):
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url_for_test, "SAMEN_LOG_FORMAT": "xml"})


# -- gunicorn's access log ------------------------------------------------------------------------------------


@pytest.fixture
def gunicorn_logger(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, io.StringIO]]:
    from gunicorn.config import Config

    monkeypatch.setenv("SAMEN_LOG_FORMAT", "json")
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config = Config()
    config.set("accesslog", settings["accesslog"])
    config.set("errorlog", settings["errorlog"])
    logger = settings["logger_class"](config)
    output = io.StringIO()
    for handler in [*logger.access_log.handlers, *logger.error_log.handlers]:
        handler.setStream(output)  # type: ignore[attr-defined]
    yield logger, output
    for handler in list(logger.access_log.handlers) + list(logger.error_log.handlers):
        logger.access_log.removeHandler(handler)
        logger.error_log.removeHandler(handler)


def _log_a_search(logger: Any) -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/bewoners",
        "QUERY_STRING": f"zoek={SECRET_SEARCH}",
        "RAW_URI": f"/bewoners?zoek={SECRET_SEARCH}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.77",
        "HTTP_REFERER": f"https://samen.example/bewoners?zoek={SECRET_SEARCH}",
        "HTTP_USER_AGENT": "Mozilla/5.0 (Ghislaine's laptop)",
    }
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[])
    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=42))


def test_the_access_log_leaves_out_the_query_string_address_referrer_and_user_agent(
    gunicorn_logger: tuple[Any, io.StringIO],
) -> None:
    logger, output = gunicorn_logger

    _log_a_search(logger)

    text = output.getvalue()
    assert SECRET_SEARCH not in text
    assert "203.0.113.77" not in text
    assert "Ghislaine" not in text


def test_the_access_log_is_a_json_line_with_the_method_path_status_and_time(
    gunicorn_logger: tuple[Any, io.StringIO],
) -> None:
    logger, output = gunicorn_logger

    _log_a_search(logger)

    line = json.loads(output.getvalue().strip())
    assert (line["method"], line["path"], line["status"], line["duration_ms"]) == ("GET", "/bewoners", 200, 42)


def test_gunicorns_error_lines_name_the_path_without_the_query_string(
    gunicorn_logger: tuple[Any, io.StringIO],
) -> None:
    logger, output = gunicorn_logger

    logger.error("Error handling request %s", f"/bewoners?zoek={SECRET_SEARCH}")

    line = json.loads(output.getvalue().strip())
    assert line["message"] == "Error handling request /bewoners"


def test_a_one_time_links_token_never_reaches_the_access_log(gunicorn_logger: tuple[Any, io.StringIO]) -> None:
    logger, output = gunicorn_logger
    token = "s3cr3t-t0ken-for-one-measurement"
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": f"/meting/{token}", "SERVER_PROTOCOL": "HTTP/1.1"}

    logger.access(
        SimpleNamespace(status="200 OK", sent=10, headers=[]), SimpleNamespace(headers=[]), environ, timedelta()
    )
    logger.error("Error handling request %s", f"/meting/{token}")

    text = output.getvalue()
    assert token not in text
    assert json.loads(text.splitlines()[0])["path"] == "/meting/…"


def test_the_apps_own_lines_mask_the_token_too(app: Flask, log_output: io.StringIO) -> None:
    token = "an0ther-s3cr3t-t0ken"
    with app.test_request_context(f"/meting/{token}"):
        app.logger.warning("something happened")

    assert token not in log_output.getvalue()
    assert "/meting/…" in log_output.getvalue()
