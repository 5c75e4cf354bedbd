"""A matching run from start to end in the test's own session, as the queue and a worker would run it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from webapp.models import MatchRun, User
from webapp.services import matching


def run_engine(session: Session, user: User, programme_code: str | None, config: Mapping[str, Any]) -> MatchRun:
    """Queue a run, commit, and let a worker run it at once; the run as it ended."""
    run = matching.queue_run(session, user, programme_code, config)
    run_id = run.id
    session.commit()
    matching.execute_run(session, run_id, config)
    finished = session.get(MatchRun, run_id)
    assert finished is not None
    return finished
