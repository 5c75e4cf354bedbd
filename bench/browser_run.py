"""A national-size matching run started from the web page, as a coordinator does it, in Debian's Chromium.

``python -m bench.browser_run [--volunteers N] [--residents N] [--database URL] [--screenshots DIR]`` sets up the
README's production topology on this machine (PostgreSQL, Redis, ``gunicorn --workers 2`` and one ``flask samen
worker``; only the second factor is switched off, the demo accounts have none), fills a scratch database with the demo
data plus the generated people spread over Haaglanden's postcode areas (``bench/run_path.py``; ``--database`` takes
one filled before with ``python -m bench.run_path --region --load-only URL``), signs in as the demo coordinator,
presses "Koppelronde starten" on /koppelen/ and reads the run page as it refreshes itself, until the proposals are
there, then follows the run's link to Wie zoeken we? (the advice the run's worker worked out). It prints when the
page first showed each stage (and its percentage), how long the finished page and Wie zoeken we? took to load, and
what the worker wrote in the run's row. ``--screenshots`` keeps a phone-width picture of every stage seen and
the finished page at phone and desktop width. The default, 25,000 volunteers for 50,000 residents, is more than
the 38,000 people who waited for a buddy in the whole country in 2020, and in one region instead of spread over
the country: one large dense component, harder for the engine than the country's 400 towns.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bench.local_stack import CHROMIUM, CHROMIUM_ARGS, production_env
from bench.run_path import load
from bench.web_bench import BenchError, gunicorn, postgres_database

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[1]
COORDINATOR = ("coordinator@samen.test", "demo-coordinator-2026")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
POLL_SECONDS = 0.25
DEADLINE_SECONDS = 900.0


@contextlib.contextmanager
def _process(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# Read in one go: between two separate reads the page may have refreshed itself.
_READ_STAGE = """() => {
  if (document.querySelector(".run-figures, div.flash-error[role=alert]")) return "";
  if (!document.querySelector(".run-progress")) return null;
  const current = document.querySelector('li[aria-current="step"]');
  if (!current) return document.querySelector("h1").innerText.split("\\n").pop().trim();
  return [".stage-name", ".stage-percent", ".stage-round"]
    .map((selector) => current.querySelector(selector))
    .filter((element) => element)
    .map((element) => element.innerText.trim())
    .join(" ");
}"""


def _stage_seen(page: Page) -> str | None:
    """The current stage as the page shows it ("paren beoordelen 40%", "controleren ... ronde 2"); "" once the
    run's result is shown; None while a reload is under way (neither page is there yet)."""
    stage = page.evaluate(_READ_STAGE)
    return stage if isinstance(stage, str) else None


def drive(base: str, shots: Path | None) -> tuple[int, list[tuple[float, str]], float, float, float]:
    """Sign in, start a run of the whole list, follow it, open its Wie zoeken we?. The run's id, the stages seen,
    seconds until done, and seconds the finished page and Wie zoeken we? took to load."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=PHONE, locale="nl-NL").new_page()
        page.goto(f"{base}/inloggen")
        email, password = COORDINATOR
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.goto(f"{base}/koppelen/")
        if shots:
            page.screenshot(path=shots / "koppelen-phone.png", full_page=True)
        started = time.perf_counter()
        page.get_by_role("button", name="Koppelronde starten").click()
        match = re.search(r"/koppelen/runs/(\d+)", page.url)
        if match is None:
            raise BenchError(f"starting the run did not lead to its page but to {page.url}")
        run_id = int(match.group(1))
        seen: list[tuple[float, str]] = []
        while True:
            # The page reloads itself every 3 s (meta refresh); a reload in flight makes a read fail: read again.
            try:
                page.wait_for_load_state("domcontentloaded")
                stage = _stage_seen(page)
            except PlaywrightError:
                stage = None
            if time.perf_counter() - started > DEADLINE_SECONDS:
                raise BenchError(f"the run was not done after {DEADLINE_SECONDS:g} s; last seen: {seen[-1:]}")
            if stage is None:
                time.sleep(POLL_SECONDS)
                continue
            if stage == "":
                break
            if not seen or seen[-1][1] != stage:
                seen.append((time.perf_counter() - started, stage))
                if shots:
                    page.screenshot(path=shots / f"run-{len(seen):02d}-phone.png", full_page=True)
            time.sleep(POLL_SECONDS)
        done = time.perf_counter() - started
        loading = time.perf_counter()
        page.goto(f"{base}/koppelen/runs/{run_id}")
        finished_loading = time.perf_counter() - loading
        if shots:
            page.screenshot(path=shots / "run-done-phone.png", full_page=False)
            page.set_viewport_size(DESKTOP)
            page.screenshot(path=shots / "run-done-desktop.png", full_page=False)
        # The run's link to Wie zoeken we?: the advice this run's worker worked out, not computed in the request.
        loading = time.perf_counter()
        page.click("#wie-zoeken-we a")
        recruiting_loading = time.perf_counter() - loading
        made = page.locator("#berekend")
        if made.count() == 0 or f"koppelronde {run_id} " not in made.inner_text():
            raise BenchError(f"Wie zoeken we? does not show run {run_id}'s advice")
        if shots:
            page.screenshot(path=shots / "recruiting-desktop.png", full_page=False)
        browser.close()
    return run_id, seen, done, finished_loading, recruiting_loading


def run(url: str, redis_url: str, shots: Path | None, scratch: Path) -> int:
    import sqlalchemy as sa

    from webapp.config import database_url

    prefix = f"samen-browser-run-{secrets.token_hex(4)}"
    env = production_env(url, redis_url, prefix, secrets.token_hex(32))
    factory = f"webapp:create_app({{'RATELIMIT_KEY_PREFIX': '{prefix}'}})"
    worker = [sys.executable, "-m", "flask", "--app", "webapp", "samen", "worker"]
    try:
        with contextlib.ExitStack() as stack:
            server = stack.enter_context(gunicorn(factory, env, scratch / "gunicorn.log"))
            stack.enter_context(_process(worker, env, scratch / "worker.log"))
            run_id, seen, done, finished_loading, recruiting_loading = drive(f"http://127.0.0.1:{server.port}", shots)
    finally:
        import redis

        connection = redis.Redis.from_url(redis_url)
        keys = list(connection.scan_iter(f"*{prefix}*"))
        if keys:
            connection.delete(*keys)
    engine = sa.create_engine(database_url(url))
    with engine.connect() as connection:
        status, stats = connection.execute(
            sa.text("SELECT status, stats FROM match_runs WHERE id = :id"), {"id": run_id}
        ).one()
    engine.dispose()
    stats = stats or {}
    print(f"  the page showed (seconds after pressing the button): {', '.join(f'{s} {t:.1f}' for t, s in seen)}")
    print(
        f"  finished page shown {done:.1f} s after pressing the button; loading it took {finished_loading:.2f} s, "
        f"its Wie zoeken we? {recruiting_loading:.2f} s"
    )
    print(
        f"  the run's row: {status}; {stats.get('volunteers', 0):,} volunteers, {stats.get('residents', 0):,} "
        f"residents; {stats.get('proposals', 0):,} proposals, {stats.get('waiting', 0):,} waiting; engine "
        f"{stats.get('seconds', 0):.1f} s of it"
    )
    if shots:
        print(f"  screenshots in {shots}")
    return 0 if status == "klaar" else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.browser_run", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--volunteers", type=int, default=25_000)
    parser.add_argument("--residents", type=int, default=50_000)
    parser.add_argument("--database", metavar="URL", help="a PostgreSQL database filled before (see above)")
    parser.add_argument("--screenshots", type=Path, metavar="DIR", help="keep screenshots of the run page here")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing (apt-get install chromium)")
        return 1
    admin_url = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch, contextlib.ExitStack() as stack:
        if args.database:
            url = args.database
            print(f"A run started from the web page, on {url} as filled before")
        else:
            url = stack.enter_context(postgres_database(admin_url))
            seconds = load(url, args.volunteers, args.residents, region=True)
            print(
                f"A run started from the web page: {args.volunteers:,} volunteers x {args.residents:,} residents "
                f"over Haaglanden (loaded in {seconds:.0f} s)"
            )
        try:
            return run(url, redis_url, args.screenshots, Path(scratch))
        except BenchError as error:
            print(f"  failed: {error}")
            return 1


if __name__ == "__main__":
    raise SystemExit(main())
