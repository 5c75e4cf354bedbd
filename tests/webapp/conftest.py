"""App-test fixtures: a fresh, migrated database per test, on SQLite always and on PostgreSQL when
TEST_DATABASE_URL is set (every test in tests/webapp then runs once per backend)."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade

from webapp import create_app
from webapp.config import database_url
from webapp.extensions import db

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
_counter = itertools.count()


def _test_config(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Matching runs run at once, in the request that queued them (tests of the queue set their own).
        "SAMEN_JOB_QUEUE": "inline",
        **extra,
    }


def _migrate(url: str) -> None:
    app = create_app(_test_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


class PostgresServer:
    """Databases on the server behind TEST_DATABASE_URL, each a copy of a migrated template.

    Copying the template costs about a third of a second of the server's CPU, as much as most tests take: so a
    test's database is emptied afterwards (every row deleted, the rows the migrations wrote copied back, the
    sequences set back) and handed to the next test, which then starts from the same state as a fresh copy.
    """

    def __init__(self, admin_url: str) -> None:
        self.admin_url = database_url(admin_url)
        self.engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.prefix = f"samen_t{os.getpid()}"
        self.template = f"{self.prefix}_template"
        self._emptied: list[str] = []
        self._tables: list[str] = []
        self._migrated_rows: dict[str, bytes] = {}
        self._sequences: list[tuple[str, int, bool]] = []

    def url_for(self, name: str) -> str:
        return sa.engine.make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def _libpq_url(self, name: str) -> str:
        url = sa.engine.make_url(self.admin_url).set(drivername="postgresql", database=name)
        return url.render_as_string(hide_password=False)

    def execute(self, statement: str) -> None:
        with self.engine.connect() as connection:
            connection.execute(sa.text(statement))

    def create_template(self) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self.execute(f'CREATE DATABASE "{self.template}"')
        _migrate(self.url_for(self.template))
        self._remember_migrated_state()

    def _remember_migrated_state(self) -> None:
        """The rows and sequence positions the migrations left, in COPY's text form (exact for every type)."""
        with psycopg.connect(self._libpq_url(self.template)) as connection:
            self._tables = [
                row[0]
                for row in connection.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            ]
            for table in self._tables:
                with connection.cursor().copy(f'COPY "{table}" TO STDOUT') as copy:
                    rows = b"".join(bytes(chunk) for chunk in copy)
                if rows:
                    self._migrated_rows[table] = rows
            self._sequences = [
                (row[0], int(row[1] if row[1] is not None else row[2]), row[1] is not None)
                for row in connection.execute(
                    "SELECT sequencename, last_value, start_value FROM pg_sequences WHERE schemaname = 'public'"
                )
            ]

    def fresh(self) -> str:
        name = f"{self.prefix}_{next(_counter)}"
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    def take(self) -> str:
        """A database in the migrated state: an emptied one when there is one, else a fresh copy."""
        return self._emptied.pop() if self._emptied else self.fresh()

    def give_back(self, name: str) -> None:
        """Empty a test's database for the next test; a database that cannot be emptied is dropped."""
        try:
            self._empty(name)
        except (psycopg.Error, sa.exc.SQLAlchemyError):
            self.drop(name)
        else:
            self._emptied.append(name)

    def _empty(self, name: str) -> None:
        # A connection a test left open (a thread, a second engine) must not see the next test's rows.
        with self.engine.connect() as connection:
            connection.execute(
                sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                {"name": name},
            )
        with psycopg.connect(self._libpq_url(name)) as connection:
            # Replica mode skips triggers, foreign keys included, so the order of the deletes does not matter;
            # DELETE is several times faster than TRUNCATE on tables this small (no new files).
            connection.execute("SET LOCAL session_replication_role = replica")
            for table in self._tables:
                connection.execute(f'DELETE FROM "{table}"')
            for table, rows in self._migrated_rows.items():
                with connection.cursor().copy(f'COPY "{table}" FROM STDIN') as copy:
                    copy.write(rows)
            for sequence, value, is_called in self._sequences:
                connection.execute("SELECT setval(%s, %s, %s)", (f'public."{sequence}"', value, is_called))

    def drop_emptied(self) -> None:
        while self._emptied:
            self.drop(self._emptied.pop())

    def drop(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing() -> Iterator[None]:
    """argon2's production cost is deliberate (slow to guess); tests only need it to be correct."""
    from argon2 import PasswordHasher

    import webapp.security as security

    original, original_dummy = security._hasher, security.DUMMY_HASH
    security._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    security.DUMMY_HASH = security._hasher.hash("timing-equaliser")
    yield
    security._hasher, security.DUMMY_HASH = original, original_dummy


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if request.param == "sqlite":
        template = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
        _migrate(f"sqlite:///{template}")
        yield ("sqlite", template)
    else:
        server = PostgresServer(os.environ["TEST_DATABASE_URL"])
        server.create_template()
        yield ("postgresql", server)
        server.drop_emptied()
        server.drop(server.template)
        server.engine.dispose()


_empty_names = itertools.count()


@pytest.fixture
def empty_app(backend: Any, tmp_path: Path) -> Iterator[Flask]:
    """An app on a database that no migration has touched yet (the migration tests run them one by one)."""
    kind, resource = backend
    if kind == "sqlite":
        url, name = f"sqlite:///{tmp_path / 'empty.sqlite3'}", None
    else:
        name = f"{resource.prefix}_empty_{next(_empty_names)}"
        resource.execute(f'CREATE DATABASE "{name}"')
        url = resource.url_for(name)
    app = create_app(_test_config(url))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if name is not None:
        resource.drop(name)


@pytest.fixture
def database_url_for_test(backend: Any, tmp_path: Path) -> Iterator[str]:
    kind, resource = backend
    if kind == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(resource, path)
        yield f"sqlite:///{path}"
    else:
        name = resource.take()
        yield resource.url_for(name)
        resource.give_back(name)


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change the configuration."""
    return {}


class FreshGlobalsClient(FlaskClient):
    """Each request starts with an empty ``g``, as in production.

    The ``app`` fixture keeps one app context open for the whole test (so tests can use ``db.session``), and a
    request inside it reuses that context; without this, the signed-in user (Flask-Login) and the language
    (Flask-Babel) cached on ``g`` by one request would leak into the next.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url_for_test: str, app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(_test_config(database_url_for_test, **app_config))
    app.test_client_class = FreshGlobalsClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make(app: Flask) -> Any:
    """Factories for test data (see tests/webapp/factories.py)."""
    from tests.webapp.factories import Factories

    return Factories(db.session)


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = "correct horse battery") -> Any:
        return self.client.post("/inloggen", data={"email": email, "password": password})

    def login_as(self, user: Any) -> None:
        """Sign in without the form (the session a sign-in leaves, see webapp/auth/sessions.py), for tests about
        something else."""
        from webapp.auth.sessions import session_keys_for

        with self.client.session_transaction() as session:
            session.update(session_keys_for(user))

    def login_with_code(self, email: str, code: str, password: str = "correct horse battery") -> Any:
        """Both steps of a sign-in with two factors; returns the answer to the second."""
        self.login(email, password)
        return self.client.post("/inloggen/code", data={"code": code})

    def logout(self) -> Any:
        return self.client.post("/uitloggen")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def coordinator(make: Any, auth: AuthActions) -> Any:
    """A coordinator of Welzijn Rijswijk, committed and signed in on ``client`` (another sign-in replaces it)."""
    from webapp.models import OrganisationKind, Role

    organisation = make.organisation("Welzijn Rijswijk", kind=OrganisationKind.WELZIJN)
    user = make.user(
        Role.COORDINATOR, email="coordinator@welzijnrijswijk.nl", name="Carla Coördinator", organisation=organisation
    )
    db.session.commit()
    auth.login_as(user)
    return user


@pytest.fixture
def as_coordinator(coordinator: Any, client: FlaskClient) -> FlaskClient:
    """The test client, signed in as ``coordinator``."""
    return client
