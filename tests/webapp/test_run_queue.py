"""Matching runs off the request path: queued, claimed by one worker, their progress, their failures, the refusal of
a second run of one programme, and the three ways of running them (inline, a thread, RQ on Redis)."""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import matcher
from tests.webapp.runs_helpers import run_engine
from webapp import jobs
from webapp.extensions import db
from webapp.models import MatchRun, Proposal, RunFailure, RunStage, RunStatus, utcnow
from webapp.services import matching
from webapp.services.errors import Conflict

real_propose_matches = matcher.propose_matches


@pytest.fixture(autouse=True)
def request_context(app: Flask) -> Iterator[None]:
    """Messages are translated for the person asking: services run inside a request."""
    with app.test_request_context():
        yield


def _pair(make: Any, programme: str = "buddy") -> None:
    make.volunteer(programmes=(programme,))
    make.resident(programme=programme)
    db.session.commit()


def _seen_from_elsewhere(run_id: int) -> MatchRun:
    """The run as another process would read it now (committed state only)."""
    with Session(db.engine) as other:
        run = other.get(MatchRun, run_id)
        assert run is not None
        other.expunge(run)
        return run


def _queued(make: Any, programme: str | None = None, **fields: Any) -> MatchRun:
    fields.setdefault("status", RunStatus.WACHTRIJ)
    run = make.run(make.user(), programme, **fields)
    db.session.commit()
    return run


# -- the page -----------------------------------------------------------------------------------------------


def test_starting_a_run_queues_it_and_shows_its_page(client: FlaskClient, coordinator: Any, make: Any) -> None:
    _pair(make)

    response = client.post("/koppelen/runs", data={"programme": ""})

    run = db.session.scalar(select(MatchRun))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/koppelen/runs/{run.id}")
    assert run.status is RunStatus.KLAAR  # inline: the worker ran before the redirect
    assert run.finished_at is not None
    assert run.stats["proposals"] == 1


def test_the_page_of_a_running_run_shows_its_stage_and_refreshes_itself(
    client: FlaskClient, coordinator: Any, make: Any
) -> None:
    run = _queued(make, status=RunStatus.BEZIG, stage=RunStage.SCOREN, stage_percent=40)

    response = client.get(f"/koppelen/runs/{run.id}")

    assert response.status_code == 200
    assert '<meta http-equiv="refresh" content="3">' in response.text
    assert "<script" not in response.text
    assert '<progress max="100" value="40"' in response.text
    stages = response.text.split('class="run-stages"')[1]
    assert stages.index("gegevens laden") < stages.index("paren beoordelen") < stages.index("voorstellen opslaan")
    assert 'aria-current="step"' in stages.split("paren beoordelen")[0].rsplit("<li", 1)[1]


def test_the_page_names_the_certificate_round(client: FlaskClient, coordinator: Any, make: Any) -> None:
    run = _queued(make, status=RunStatus.BEZIG, stage=RunStage.CERTIFICAAT, certificate_round=2)

    response = client.get(f"/koppelen/runs/{run.id}")

    assert "ronde 2" in response.text


def test_the_page_of_a_queued_run_says_it_waits_for_the_worker(
    client: FlaskClient, coordinator: Any, make: Any
) -> None:
    run = _queued(make)

    response = client.get(f"/koppelen/runs/{run.id}")

    assert "in de wachtrij" in response.text
    assert "De ronde wacht tot de achtergrondverwerker haar oppakt." in response.text


def test_a_finished_run_page_does_not_refresh(client: FlaskClient, coordinator: Any, make: Any) -> None:
    run = make.run(coordinator, stats={"proposals": 0, "waiting": 0})
    db.session.commit()

    response = client.get(f"/koppelen/runs/{run.id}")

    assert 'http-equiv="refresh"' not in response.text


# -- one run per programme at a time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("running", "second", "refused"),
    [
        (None, None, True),
        (None, "bewegen", True),
        ("bewegen", None, True),
        ("bewegen", "bewegen", True),
        ("buddy", "bewegen", False),
    ],
)
def test_a_second_run_overlapping_an_active_one_is_refused(
    app: Flask, make: Any, running: str | None, second: str | None, refused: bool
) -> None:
    _queued(make, running)
    coordinator = make.user()
    db.session.commit()

    if refused:
        with pytest.raises(Conflict, match="Er loopt al een koppelronde voor dit programma"):
            matching.queue_run(db.session, coordinator, second, app.config)
    else:
        assert matching.queue_run(db.session, coordinator, second, app.config).status is RunStatus.WACHTRIJ


def test_the_database_refuses_two_active_runs_of_one_programme(app: Flask, make: Any) -> None:
    _queued(make, "bewegen", status=RunStatus.BEZIG)

    with pytest.raises(IntegrityError):
        _queued(make, "bewegen")
    db.session.rollback()


def test_a_run_may_start_again_once_the_previous_one_ended(app: Flask, make: Any) -> None:
    coordinator = make.user()
    _pair(make)
    first = run_engine(db.session, coordinator, None, app.config)

    second = run_engine(db.session, coordinator, None, app.config)

    assert (first.status, second.status) == (RunStatus.KLAAR, RunStatus.KLAAR)


def test_the_start_page_tells_the_coordinator_a_run_is_already_active(
    client: FlaskClient, coordinator: Any, make: Any
) -> None:
    _queued(make)

    response = client.post("/koppelen/runs", data={"programme": "bewegen"}, follow_redirects=True)

    assert "Er loopt al een koppelronde voor dit programma. Wacht tot die klaar is." in response.text
    assert db.session.query(MatchRun).count() == 1


# -- the worker's side ----------------------------------------------------------------------------------------


def test_a_run_is_claimed_by_one_worker_only(app: Flask, make: Any) -> None:
    _pair(make)
    run = matching.queue_run(db.session, make.user(), None, app.config)
    db.session.commit()

    first = matching.execute_run(db.session, run.id, app.config)
    second = matching.execute_run(db.session, run.id, app.config)

    assert (first, second) == (RunStatus.KLAAR, None)
    assert db.session.query(Proposal).count() == 1


def test_the_worker_writes_each_stage_as_it_goes(app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _pair(make)
    run = matching.queue_run(db.session, make.user(), None, app.config)
    db.session.commit()
    seen: list[tuple[Any, ...]] = []
    monkeypatch.setattr(matching, "PROGRESS_INTERVAL_SECONDS", 0.0)

    def watched(*args: Any, progress: Any, **kwargs: Any) -> Any:
        def spy(stage: str, fraction: float | None) -> None:
            progress(stage, fraction)
            other = _seen_from_elsewhere(run.id)
            seen.append((other.status, other.stage, other.stage_percent, other.certificate_round))

        spy("scoring", 0.5)
        result = real_propose_matches(*args, progress=spy, **kwargs)
        spy("certificate", None)
        return result

    monkeypatch.setattr(matcher, "propose_matches", watched)

    assert matching.execute_run(db.session, run.id, app.config) is RunStatus.KLAAR
    assert seen[0] == (RunStatus.BEZIG, RunStage.SCOREN, 50, None)
    assert (RunStatus.BEZIG, RunStage.OPLOSSEN, None, None) in seen
    assert seen[-1][1:] == (RunStage.CERTIFICAAT, None, seen[-1][3])
    assert seen[-1][3] >= 1
    finished = _seen_from_elsewhere(run.id)
    assert (finished.status, finished.stage, finished.stage_percent) == (RunStatus.KLAAR, None, None)


def test_invalid_engine_input_fails_the_run_with_the_engines_message(app: Flask, make: Any) -> None:
    make.resident()
    app.config["SAMEN_WAITING_HORIZON_DAYS"] = 0

    run = run_engine(db.session, make.user(), None, app.config)

    assert (run.status, run.failure_reason) == (RunStatus.MISLUKT, RunFailure.ONJUISTE_GEGEVENS)
    assert "waiting_horizon_days" in run.stats["error"]
    assert run.finished_at is not None


def test_an_unexpected_error_fails_the_run_and_is_logged(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _pair(make)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError("out of memory")

    monkeypatch.setattr(matcher, "propose_matches", broken)
    with caplog.at_level(logging.ERROR):
        run = run_engine(db.session, make.user(), None, app.config)

    assert (run.status, run.failure_reason) == (RunStatus.MISLUKT, RunFailure.ONVERWACHTE_FOUT)
    assert db.session.query(Proposal).count() == 0
    assert f"match run {run.id} failed" in caplog.text


def test_a_run_failed_while_its_engine_ran_stores_nothing(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pair(make)
    run = matching.queue_run(db.session, make.user(), None, app.config)
    db.session.commit()

    def slow_worker(*args: Any, **kwargs: Any) -> Any:
        result = real_propose_matches(*args, **kwargs)
        # Meanwhile its heartbeat looked dead to another process, which failed it.
        with Session(db.engine) as other:
            matching.fail_run(other, run.id, RunFailure.VERWERKER_WEG)
            other.commit()
        return result

    monkeypatch.setattr(matcher, "propose_matches", slow_worker)

    assert matching.execute_run(db.session, run.id, app.config) is None
    ended = _seen_from_elsewhere(run.id)
    assert (ended.status, ended.failure_reason) == (RunStatus.MISLUKT, RunFailure.VERWERKER_WEG)
    assert db.session.query(Proposal).count() == 0


def test_the_engine_stops_at_its_next_progress_once_the_run_was_failed(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pair(make)
    run = matching.queue_run(db.session, make.user(), None, app.config)
    db.session.commit()
    calls: list[str] = []

    def engine(*args: Any, progress: Any, **kwargs: Any) -> Any:
        with Session(db.engine) as other:
            matching.fail_run(other, run.id, RunFailure.VERWERKER_WEG)
            other.commit()
        progress("solving", None)
        calls.append("went on")
        return real_propose_matches(*args, **kwargs)

    monkeypatch.setattr(matcher, "propose_matches", engine)

    assert matching.execute_run(db.session, run.id, app.config) is None
    assert calls == []


# -- a worker that died -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason", "text"),
    [
        (RunStatus.WACHTRIJ, RunFailure.NIET_OPGEPAKT, "De ronde is niet op tijd opgepakt."),
        (RunStatus.BEZIG, RunFailure.VERWERKER_WEG, "De achtergrondverwerker is tijdens de ronde gestopt."),
    ],
)
def test_a_run_without_a_heartbeat_for_too_long_is_failed(
    client: FlaskClient, coordinator: Any, make: Any, app: Flask, status: RunStatus, reason: RunFailure, text: str
) -> None:
    timeout = app.config["SAMEN_RUN_HEARTBEAT_TIMEOUT"]
    run = _queued(make, status=status, heartbeat_at=utcnow() - timedelta(seconds=timeout + 5))

    response = client.get(f"/koppelen/runs/{run.id}")

    assert text in response.text
    assert 'http-equiv="refresh"' not in response.text
    ended = _seen_from_elsewhere(run.id)
    assert (ended.status, ended.failure_reason) == (RunStatus.MISLUKT, reason)


def test_a_run_with_a_recent_heartbeat_keeps_running(
    client: FlaskClient, coordinator: Any, make: Any, app: Flask
) -> None:
    timeout = app.config["SAMEN_RUN_HEARTBEAT_TIMEOUT"]
    run = _queued(make, status=RunStatus.BEZIG, heartbeat_at=utcnow() - timedelta(seconds=timeout - 30))

    client.get(f"/koppelen/runs/{run.id}")

    assert _seen_from_elsewhere(run.id).status is RunStatus.BEZIG


def test_a_dead_run_no_longer_blocks_its_programme(app: Flask, make: Any) -> None:
    timeout = app.config["SAMEN_RUN_HEARTBEAT_TIMEOUT"]
    dead = _queued(make, "bewegen", status=RunStatus.BEZIG, heartbeat_at=utcnow() - timedelta(seconds=timeout + 1))

    new = matching.queue_run(db.session, make.user(), "bewegen", app.config)

    assert new.status is RunStatus.WACHTRIJ
    assert db.session.get(MatchRun, dead.id).status is RunStatus.MISLUKT


def test_the_heartbeat_thread_keeps_a_long_run_alive(app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _pair(make)
    run = matching.queue_run(db.session, make.user(), None, app.config)
    db.session.commit()
    app.config["SAMEN_RUN_HEARTBEAT_SECONDS"] = 0.05
    beats: list[Any] = []

    def long_engine(*args: Any, **kwargs: Any) -> Any:
        for _ in range(6):
            time.sleep(0.1)
            beats.append(_seen_from_elsewhere(run.id).heartbeat_at)
        return real_propose_matches(*args, **kwargs)

    monkeypatch.setattr(matcher, "propose_matches", long_engine)

    assert jobs._run_in_app(app, run.id, heartbeat=True) == "klaar"
    assert len(set(beats)) >= 3


def test_a_heartbeat_of_a_run_that_ended_is_refused(app: Flask, make: Any) -> None:
    run = make.run(make.user())
    db.session.commit()

    assert matching.beat(db.session, run.id) is False


# -- the three ways of running ------------------------------------------------------------------------------


def test_a_thread_of_the_web_process_runs_the_run(client: FlaskClient, coordinator: Any, make: Any, app: Flask) -> None:
    _pair(make)
    app.config["SAMEN_JOB_QUEUE"] = "thread"

    client.post("/koppelen/runs", data={"programme": ""})

    run_id = db.session.scalar(select(MatchRun.id))
    deadline = time.monotonic() + 30
    while _seen_from_elsewhere(run_id).status.active and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _seen_from_elsewhere(run_id).status is RunStatus.KLAAR


def test_a_queue_that_cannot_be_reached_fails_the_run_at_once(
    client: FlaskClient, coordinator: Any, make: Any, app: Flask
) -> None:
    app.config.update(SAMEN_JOB_QUEUE="rq", REDIS_URL="redis://127.0.0.1:1/0")

    response = client.post("/koppelen/runs", data={"programme": ""}, follow_redirects=True)

    assert "De wachtrij was niet bereikbaar." in response.text
    run = db.session.scalar(select(MatchRun))
    assert (run.status, run.failure_reason) == (RunStatus.MISLUKT, RunFailure.WACHTRIJ_ONBEREIKBAAR)


@pytest.fixture
def rq_queue(app: Flask) -> Iterator[str]:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set (.ci/run sets it to the machine's Redis)")
    import redis
    from rq import Queue

    name = f"samen-test-{uuid.uuid4().hex}"
    app.config.update(SAMEN_JOB_QUEUE="rq", REDIS_URL=url, SAMEN_RQ_QUEUE=name)
    yield name
    Queue(name, connection=redis.Redis.from_url(url)).delete(delete_jobs=True)


def test_rq_carries_the_run_to_a_worker(
    client: FlaskClient, coordinator: Any, make: Any, app: Flask, rq_queue: str
) -> None:
    from rq import Queue, SimpleWorker

    _pair(make)
    client.post("/koppelen/runs", data={"programme": ""})
    run_id = db.session.scalar(select(MatchRun.id))
    waiting = client.get(f"/koppelen/runs/{run_id}")

    connection = jobs.redis_connection(app)
    queue = Queue(rq_queue, connection=connection)
    assert queue.count == 1
    SimpleWorker([queue], connection=connection).work(burst=True)

    assert "in de wachtrij" in waiting.text
    run = _seen_from_elsewhere(run_id)
    assert (run.status, run.stats["proposals"]) == (RunStatus.KLAAR, 1)
    assert "1</span> voorstel" in client.get(f"/koppelen/runs/{run_id}").text


def test_the_worker_command_needs_the_rq_queue(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["samen", "worker", "--burst"])

    assert result.exit_code != 0
    assert "SAMEN_JOB_QUEUE is 'inline'" in result.output


def test_the_worker_command_runs_what_is_queued(app: Flask, make: Any, rq_queue: str) -> None:
    _pair(make)
    run = matching.queue_run(db.session, make.user(), None, app.config)
    db.session.commit()
    jobs.enqueue_match_run(run.id)

    result = app.test_cli_runner().invoke(args=["samen", "worker", "--burst"])

    assert result.exit_code == 0, result.output
    assert _seen_from_elsewhere(run.id).status is RunStatus.KLAAR


# -- configuration ------------------------------------------------------------------------------------------


def test_production_without_redis_does_not_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp import create_app
    from webapp.config import ConfigurationError

    monkeypatch.setenv("SAMEN_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-test-secret-for-the-configuration")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("REDIS_URL", raising=False)

    with pytest.raises(ConfigurationError, match="REDIS_URL is not set"):
        create_app()


def test_an_unknown_queue_does_not_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp import create_app
    from webapp.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="SAMEN_JOB_QUEUE must be rq, thread or inline"):
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", "SAMEN_JOB_QUEUE": "celery"})
