"""``flask samen worker``: the process that runs matching runs queued in Redis (production)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (instead of waiting for more runs).")
@with_appcontext
def worker(burst: bool) -> None:
    """Run queued matching runs (RQ on REDIS_URL). Start as many as you like, next to the web processes."""
    from webapp import jobs

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["SAMEN_JOB_QUEUE"] != "rq":
        raise click.ClickException(
            f"SAMEN_JOB_QUEUE is {app.config['SAMEN_JOB_QUEUE']!r}: runs do not go through Redis, so there is nothing"
            " for a worker to take. Set SAMEN_JOB_QUEUE=rq and REDIS_URL."
        )
    jobs.work(app, burst=burst)


COMMANDS = [worker]
