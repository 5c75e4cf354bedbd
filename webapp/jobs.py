"""Background work: matching runs off the request path.

The web process queues a run (``webapp.services.matching.queue_run``) and hands its id to a worker here.
``SAMEN_JOB_QUEUE`` says which:

- ``rq``: a job in Redis (queue ``SAMEN_RQ_QUEUE``) for ``flask samen worker`` (or ``rq worker samen``):
  production, with any number of web and worker processes;
- ``thread``: a background thread of the web process itself (``make run``: no Redis needed);
- ``inline``: at once, in the caller (the tests).

Whichever it is, a run's state and progress live in the database only, so every web process shows the same page.
While the engine runs, a heartbeat thread keeps the run's ``heartbeat_at`` fresh; a run whose worker died stops
beating and is failed after ``SAMEN_RUN_HEARTBEAT_TIMEOUT``.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import redis
from flask import Flask, current_app, has_app_context
from sqlalchemy.exc import SQLAlchemyError

from webapp.extensions import db
from webapp.services import matching

logger = logging.getLogger(__name__)

#: How long RQ keeps a finished or failed job's record; the run's own record is in the database.
JOB_RECORD_SECONDS = 24 * 3600

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_worker_app: Flask | None = None


class QueueUnavailable(Exception):
    """The run could not be handed to a worker (Redis did not answer)."""


def redis_connection(app: Flask) -> redis.Redis:
    return redis.Redis.from_url(app.config["REDIS_URL"])


def enqueue_match_run(run_id: int) -> None:
    """Hand a queued run to a worker; the caller has committed the run first, so the worker finds it."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    backend = app.config["SAMEN_JOB_QUEUE"]
    if backend == "inline":
        _run_in_app(app, run_id, heartbeat=False)
    elif backend == "thread":
        _thread_pool().submit(_run_in_app, app, run_id, True)
    else:
        from rq import Queue

        queue = Queue(app.config["SAMEN_RQ_QUEUE"], connection=redis_connection(app))
        try:
            queue.enqueue(
                run_match_job,
                run_id,
                job_timeout=int(app.config["SAMEN_RUN_JOB_TIMEOUT"]),
                result_ttl=JOB_RECORD_SECONDS,
                failure_ttl=JOB_RECORD_SECONDS,
                description=f"match run {run_id}",
            )
        except redis.RedisError as error:
            raise QueueUnavailable(str(error)) from error


def run_match_job(run_id: int) -> str | None:
    """RQ's entry point: run one queued match run; its final status, or None when it was not this worker's."""
    return _run_in_app(_app_for_worker(), run_id, heartbeat=True)


def _app_for_worker() -> Flask:
    """The app of ``flask samen worker`` (its context survives RQ's fork), else one made once (``rq worker``)."""
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]
    if _worker_app is None:
        from webapp import create_app

        _worker_app = create_app()
    return _worker_app


def _thread_pool() -> ThreadPoolExecutor:
    """One background thread per web process: runs in one process queue behind each other, as with one worker."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="samen-run")
        return _executor


def _run_in_app(app: Flask, run_id: int, heartbeat: bool) -> str | None:
    # A fresh app context: a session of its own, apart from the request that queued the run.
    with app.app_context():
        stop = threading.Event()
        beater = threading.Thread(target=_beat, args=(app, run_id, stop), name=f"samen-beat-{run_id}", daemon=True)
        if heartbeat:
            beater.start()
        try:
            status = matching.execute_run(db.session, run_id, app.config)
        except Exception:
            # execute_run marks the run failed itself; this is for a failure to reach the database at all.
            logger.exception("match run %s could not be run", run_id)
            raise
        finally:
            stop.set()
            if heartbeat:
                beater.join()
            db.session.remove()
        logger.info("match run %s: %s", run_id, status.value if status else "not this worker's")
        return status.value if status else None


def _beat(app: Flask, run_id: int, stop: threading.Event) -> None:
    interval = float(app.config["SAMEN_RUN_HEARTBEAT_SECONDS"])
    with app.app_context():
        try:
            while not stop.wait(interval):
                try:
                    alive = matching.beat(db.session, run_id)
                    db.session.commit()
                except SQLAlchemyError:
                    db.session.rollback()
                    logger.warning("match run %s: heartbeat not written", run_id, exc_info=True)
                    continue
                if not alive:
                    return
        finally:
            db.session.remove()


def work(app: Flask, burst: bool = False) -> None:
    """``flask samen worker``: take match runs from the queue until stopped (or, with ``burst``, until it is empty)."""
    from rq import Queue, Worker

    connection = redis_connection(app)
    # RQ forks a process per job: it must not inherit this process's database connections.
    db.engine.dispose()
    worker = Worker([Queue(app.config["SAMEN_RQ_QUEUE"], connection=connection)], connection=connection)
    worker.work(burst=burst, logging_level="INFO")
