"""A matching run as the web app runs it: queued, claimed by a worker, its stages written as it goes, stored.

``python -m bench.run_path [--quick] [--volunteers N] [--residents N] [--sqlite] [--region]`` fills a scratch database
(PostgreSQL at ``BENCH_PG_URL`` or the machine's, else SQLite) with the demo data plus screened volunteers and waiting
residents of the town (``seed_data/generate.py``, as ``bench/web_bench.py`` does), queues a run over all programmes
and lets a worker thread run it with its heartbeat (``webapp.jobs``), while this process reads the run's row every
50 ms, as the run page would. It prints when each stage was first seen and, as the baseline measured in the same
process, the engine alone on the same input: what the web path adds is loading the rows and storing the result.
The default is scarce supply, as on real waiting lists: more residents than units of capacity.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

from bench.web_bench import BenchError, add_people, postgres_database, sqlite_database

SEED = 2026
POLL_SECONDS = 0.05


@contextlib.contextmanager
def _database(use_sqlite: bool, scratch: Path) -> Iterator[str]:
    admin_url = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    if not use_sqlite:
        try:
            with postgres_database(admin_url) as url:
                yield url
            return
        except BenchError as error:
            print(f"  ({error}; using SQLite)")
    with sqlite_database(scratch) as url:
        yield url


def region_areas() -> list[str]:
    """Every PC4 area of the demo's postcode table (Haaglanden, about 40 x 26 km) that is not a PO-box code."""
    from webapp.postcodes import pc4_areas

    return sorted(code for code, area in pc4_areas().items() if not area.po_box)


def load(url: str, volunteers: int, residents: int, region: bool) -> float:
    """Migrate ``url`` and fill it: the demo data plus the generated people. Seconds taken."""
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.config import database_url
    from webapp.demo import load_demo_data
    from webapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(url), "SECRET_KEY": "bench", "SAMEN_JOB_QUEUE": "thread"})
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        today = date.today()
        load_demo_data(db.session, today)
        areas = region_areas() if region else None
        add_people(db.session, today, random.Random(SEED), volunteers, residents, areas)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
        return time.perf_counter() - started


def measure(volunteers: int, residents: int, use_sqlite: bool, region: bool) -> int:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    import matcher
    from webapp import convert, create_app, jobs
    from webapp.config import database_url
    from webapp.extensions import db
    from webapp.models import MatchRun, Role, RunStage, User
    from webapp.services import matching

    with tempfile.TemporaryDirectory() as scratch, _database(use_sqlite, Path(scratch)) as url:
        setup = load(url, volunteers, residents, region)
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": database_url(url), "SECRET_KEY": "bench", "SAMEN_JOB_QUEUE": "thread"}
        )
        with app.app_context():
            data = convert.load_run_input(db.session, app.config)
            engine_started = time.perf_counter()
            alone = matcher.propose_matches(data.volunteers, data.residents, data.rules)
            engine_alone = time.perf_counter() - engine_started
            db.session.rollback()

            coordinator = db.session.scalars(select(User).where(User.role == Role.COORDINATOR)).first()
            assert coordinator is not None
            with app.test_request_context():
                run_id = matching.queue_run(db.session, coordinator, None, app.config).id
            db.session.commit()

            seen: dict[str, float] = {}
            worker = threading.Thread(target=jobs._run_in_app, args=(app, run_id, True))
            queued_at = time.perf_counter()
            worker.start()
            with Session(db.engine) as reader:
                while True:
                    run = reader.get(MatchRun, run_id, populate_existing=True)
                    assert run is not None
                    label = run.stage.value if run.stage else run.status.value
                    if run.stage is RunStage.CERTIFICAAT and run.certificate_round:
                        label = f"{label} {run.certificate_round}"
                    seen.setdefault(label, time.perf_counter() - queued_at)
                    reader.rollback()
                    if not run.status.active:
                        break
                    time.sleep(POLL_SECONDS)
            worker.join()
            total = time.perf_counter() - queued_at
            run = db.session.get(MatchRun, run_id)
            assert run is not None
            stats = run.stats
            db.session.remove()
            db.engine.dispose()

    backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    print(
        f"  input: {stats.get('volunteers', 0):,} volunteers, {stats.get('residents', 0):,} residents in the run "
        f"({backend}; setup {setup:.1f} s)"
    )
    print(f"  queued -> {run.status.value} in {total:.2f} s; stages as the run page saw them (seconds after queueing):")
    print("   " + ", ".join(f"{label} {at:.2f}" for label, at in seen.items()))
    print(
        f"  engine inside the run {stats.get('seconds', 0):.2f} s; baseline: the engine alone on the same input "
        f"{engine_alone:.2f} s ({alone.stats.matched:,} matched); the web path adds {total - engine_alone:.2f} s "
        f"(loading the rows, writing progress, storing {stats.get('proposals', 0):,} proposals and "
        f"{stats.get('waiting', 0):,} waiting residents)"
    )
    same = stats.get("proposals") == alone.stats.matched
    print(f"  same number matched as the engine alone: {'yes' if same else 'NO'}")
    return 0 if run.status.value == "klaar" and same else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run_path", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="500 volunteers and 1,000 residents")
    parser.add_argument("--volunteers", type=int, default=5_000)
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--sqlite", action="store_true", help="SQLite even when PostgreSQL is there")
    parser.add_argument(
        "--region", action="store_true", help="spread people over Haaglanden's postcode areas instead of Rijswijk's"
    )
    parser.add_argument(
        "--load-only",
        metavar="DATABASE_URL",
        help="only migrate and fill this (empty) database, e.g. to start a run from the web page on it",
    )
    args = parser.parse_args(argv)
    volunteers, residents = (500, 1_000) if args.quick else (args.volunteers, args.residents)
    where = "over Haaglanden" if args.region else "in Rijswijk"
    if args.load_only:
        seconds = load(args.load_only, volunteers, residents, args.region)
        print(f"Loaded {volunteers:,} volunteers and {residents:,} residents {where} in {seconds:.1f} s")
        return 0
    print(
        f"A run through the web app's path (bench/run_path.py): {volunteers:,} volunteers x {residents:,} residents "
        f"{where}"
    )
    return measure(volunteers, residents, args.sqlite, args.region)


if __name__ == "__main__":
    raise SystemExit(main())
