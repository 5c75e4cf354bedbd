"""The production set-up of the README: gunicorn with 2 workers, this project's gunicorn.conf.py, and the rate
limits in Redis, shared by the workers. 40 sign-in attempts for one account from one address: exactly the configured
number get through, the rest get 429. Skipped without TEST_REDIS_URL (.ci/run sets it to the machine's Redis).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from limits import parse_many

from tests.server.servers import free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parents[2]
ATTEMPTS = 40
ACCOUNT = "flatcoach@example.org"
SECRET_KEY = "gunicorn-test-secret"


def _migrated_database(path: Path) -> str:
    """A file SQLite database with the schema and one referrer account."""
    from flask_migrate import upgrade

    from tests.webapp.factories import Factories
    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import Role

    url = f"sqlite:///{path}"
    app = create_app({"SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": url, "SAMEN_LOG_FORMAT": "text"})
    with app.app_context():
        upgrade()
        Factories(db.session).user(Role.REFERRER, email=ACCOUNT)
        db.session.commit()
        db.engine.dispose()
    return url


def _configured_limits() -> tuple[str, str]:
    from webapp import create_app

    app = create_app({"SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SAMEN_LOG_FORMAT": "text"})
    return app.config["SAMEN_LOGIN_LIMIT"], app.config["SAMEN_LOGIN_ACCOUNT_LIMIT"]


class Server:
    def __init__(self, port: int, process: subprocess.Popen[str]) -> None:
        self.port, self.process = port, process

    def request(self, method: str, path: str, body: str = "", headers: dict[str, str] | None = None) -> Any:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body or None, headers=headers or {})
            response = connection.getresponse()
            response.text = response.read().decode()
            return response
        finally:
            connection.close()


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set: the limits shared by gunicorn's workers need Redis")
    return url


@pytest.fixture
def server(tmp_path: Path, redis_url: str) -> Iterator[Server]:
    import redis

    prefix = f"samen-test-{uuid.uuid4().hex}"
    port = free_port()
    environment = {
        **os.environ,
        "SAMEN_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": _migrated_database(tmp_path / "samen.sqlite3"),
        "RATELIMIT_STORAGE_URI": redis_url,
        "REDIS_URL": redis_url,
        "SAMEN_LOG_FORMAT": "json",
    }
    # As in the README, with the test's own key prefix in the shared Redis (the factory takes literal arguments).
    command = [
        sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--workers", "2",
        "--bind", f"127.0.0.1:{port}", f"webapp:create_app({{'RATELIMIT_KEY_PREFIX': '{prefix}'}})",
    ]  # fmt: skip
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, text=True)
    running = Server(port, process)
    running.log_path = tmp_path / "gunicorn.log"  # type: ignore[attr-defined]
    try:
        wait_until_healthy(port, process, tmp_path / "gunicorn.log")
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        connection = redis.Redis.from_url(redis_url)
        keys = list(connection.scan_iter(f"*{prefix}*"))
        if keys:
            connection.delete(*keys)


def _session_and_token(server: Server) -> tuple[str, str]:
    page = server.request("GET", "/inloggen")
    cookie = page.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    assert token is not None, "no CSRF token on the sign-in page"
    return cookie, token.group(1)


def test_forty_sign_in_attempts_through_two_workers_let_exactly_the_configured_number_through(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    address_limit, account_limit = _configured_limits()
    # Every window is at least a minute: the attempts all fall in the first one of each.
    expected = min(limit.amount for limit in [*parse_many(address_limit), *parse_many(account_limit)])
    cookie, token = _session_and_token(server)
    body = urlencode({"csrf_token": token, "email": ACCOUNT, "password": "niet het wachtwoord"})
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}

    statuses = [server.request("POST", "/inloggen", body, headers).status for _ in range(ATTEMPTS)]

    through = sum(status != 429 for status in statuses)
    lines = [json.loads(line) for line in server.log_path.read_text().splitlines() if line.startswith("{")]  # type: ignore[attr-defined]
    workers = {line["pid"] for line in lines if line.get("event") == "request" and line.get("method") == "POST"}
    with capsys.disabled():
        print(
            f"\nrate limit, gunicorn with 2 workers and Redis: {ATTEMPTS} sign-in attempts for one account from one "
            f"address, {through} got through (configured: {address_limit!r} per address, {account_limit!r} per "
            f"account), {statuses.count(429)} answered 429, served by {len(workers)} worker(s)"
        )
    assert statuses[:expected] == [422] * expected  # wrong password: refused, not limited
    assert statuses[expected:] == [429] * (ATTEMPTS - expected)
