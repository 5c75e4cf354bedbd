"""The API's contract, tested by schemathesis against a real server: werkzeug serves the app from a thread, on a
migrated database with the demo data and a token of each role, and schemathesis generates requests from
/api/v1/openapi.json (valid and invalid ones, and the document's own example) and runs every check on each answer:
no server error, only documented status codes, content types and headers, answers that fit their schema,
authentication that is not ignored, invalid data refused, a created referral that can be fetched. Run with ``-s``
to see the figures.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from werkzeug.serving import make_server

from tests.webapp.conftest import _test_config
from webapp import create_app
from webapp.clock import local_today
from webapp.demo import load_demo_data
from webapp.extensions import db
from webapp.models import Organisation, Role
from webapp.services import api_tokens

#: "Schema-valid data is accepted" cannot hold for this API: what a referral means is checked against the database
#: and the web form's rules (a known postcode, a phone number, a referrer account of the organisation, an active
#: programme, the age bounds, consent under 16), which a JSON schema cannot express; such data gets a 422 with the
#: reason. Every other check runs.
EXCLUDED_CHECKS = [positive_data_acceptance]
#: Generated examples per operation and kind of data (valid, invalid): enough to find what the checks look for,
#: few enough for the whole test to take seconds.
EXAMPLES = 25


@dataclass
class ApiServer:
    url: str
    tokens: dict[Role, str]


@dataclass
class Figures:
    operations: int = 0
    examples: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def api_server(backend: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """The app with CSRF on (the API must not need it) and limits off, on a copy of the migrated database with the
    demo data, served by werkzeug on a free port; a referrer token of Rijswijk Wonen, a viewer token of the
    municipality."""
    kind, resource = backend
    name = None
    if kind == "sqlite":
        path = tmp_path_factory.mktemp("api-contract") / "samen.sqlite3"
        shutil.copyfile(resource, path)
        url = f"sqlite:///{path}"
    else:
        name = resource.fresh()
        url = resource.url_for(name)
    # Errors are handled as in production (the test configuration would hand them to werkzeug's own 500 page).
    app = create_app(_test_config(url, WTF_CSRF_ENABLED=True, PROPAGATE_EXCEPTIONS=False))
    with app.app_context():
        load_demo_data(db.session, local_today())
        tokens = {}
        for role, organisation_name in ((Role.REFERRER, "Rijswijk Wonen"), (Role.VIEWER, "Gemeente Rijswijk")):
            organisation = db.session.query(Organisation).filter_by(name=organisation_name).one()
            tokens[role] = api_tokens.issue(db.session, None, organisation, role, "Contracttest").secret
        db.session.commit()
        db.session.remove()
    access_log = logging.getLogger("werkzeug")
    level = access_log.level
    access_log.setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="samen-api-contract", daemon=True)
    thread.start()
    try:
        yield ApiServer(f"http://127.0.0.1:{server.server_port}", tokens)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        access_log.setLevel(level)
        with app.app_context():
            db.engine.dispose()
        if name is not None:
            resource.drop(name)


def _role_for(path: str) -> Role:
    return Role.VIEWER if path.startswith("/api/v1/coalition") else Role.REFERRER


def _run(operation: Any, strategy: Any, server: ApiServer, figures: Figures, session: requests.Session) -> None:
    headers = {"Authorization": f"Bearer {server.tokens[_role_for(operation.path)]}"}

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        figures.examples += 1
        response = case.call_and_validate(session=session, headers=headers, excluded_checks=EXCLUDED_CHECKS)
        figures.statuses[response.status_code] = figures.statuses.get(response.status_code, 0) + 1

    try:
        check()
    except Exception as error:
        figures.failures.append(f"{operation.method.upper()} {operation.path}: {error}")


def test_the_api_keeps_its_openapi_contract(api_server: ApiServer) -> None:
    schema = schemathesis.openapi.from_url(f"{api_server.url}/api/v1/openapi.json")
    assert schema.raw_schema["openapi"] == "3.1.0"
    figures = Figures()
    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            figures.operations += 1
            strategies = [
                operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
                operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
                *schema.get_strategies_from_examples(operation),
            ]
            for strategy in strategies:
                _run(operation, strategy, api_server, figures, session)

    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(figures.statuses.items()))
    print(
        f"\nschemathesis: {figures.operations} operations, {figures.examples} examples, "
        f"{len(figures.failures)} failures; answers {statuses}"
    )
    assert figures.failures == []
    # The document's own example is a referral the demo data accepts: the happy path is tried, not only refusals.
    assert figures.statuses.get(201, 0) >= 1
