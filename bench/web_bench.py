"""The web app under gunicorn next to a bare Flask page, every figure measured in the same run.

``python -m bench --only web`` runs it (``python -m bench`` runs it after the engine benchmarks). For SQLite and
then PostgreSQL it migrates a scratch database (``flask --app webapp db upgrade``), loads the demo organisations and
accounts plus a generated 1,000-resident waiting list and screened volunteers in and around Rijswijk, runs the
matching engine once (``webapp.services.matching.queue_run`` and ``execute_run``, as a worker), serves Samen with
``gunicorn --workers 2`` and measures:

- browse: 20 signed-in coordinators clicking through /coordinatie, /vrijwilligers, /bewoners, /wachtlijst and the
  pages of the run's proposals, each waiting a random 0.5-2 s between clicks (target: p95 <= 150 ms, 0 errors);
- stress: the same clicks without think time (no target: shows where two workers saturate);
- intake: volunteers posting valid, varied sign-up forms to /aanmelden as fast as the server answers (target:
  >= 100 submissions/s, 0 errors), with RATELIMIT_ENABLED=0 for the server.

The load comes from separate processes (one connection and cookie jar each), so the client's GIL stays out of the
latencies. bench/bare_app.py is served and loaded the same way as the baseline. Servers and scratch databases are
removed at the end, also after an error or Ctrl-C. The exit code is 0 when targets are missed; 1 when a scenario
could not be measured.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import http.client
import importlib.metadata
import math
import multiprocessing
import os
import platform
import queue
import random
import re
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import unicodedata
import urllib.parse
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from seed_data import generate as seed

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SEED = 2026

WORKERS = 2
USERS = 20
INTAKE_USERS = 8
THINK_SECONDS = (0.5, 2.0)
P95_TARGET_MS = 150.0
INTAKE_TARGET_PER_S = 100.0
SCREENED_VOLUNTEERS = 700
WAITING_RESIDENTS = 1_000
REQUEST_TIMEOUT_S = 30.0
STAFF_ROLES = ("coordinator", "admin")
# Clicks of a browsing coordinator; the run's proposals count twice (the page the issue asks about).
CLICKS = (
    "coordinatie",
    "vrijwilligers",
    "bewoners",
    "wachtlijst",
    "run-voorstellen",
    "run-voorstellen",
    "run-wachtend",
)


class BenchError(RuntimeError):
    """A scenario could not be measured (server did not start, sign-in failed, ...)."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


# -- scenarios and the site they click through -------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    users: int
    think: tuple[float, float] | None
    warmup_s: float
    measure_s: float


def scenarios(quick: bool) -> tuple[Scenario, ...]:
    """Browse with think time, browse without, intake; ``quick`` shortens the measuring windows."""
    scale = 0.4 if quick else 1.0
    low, high = THINK_SECONDS
    return (
        Scenario("browse", f"browse, think {low:g}-{high:g} s", USERS, THINK_SECONDS, 3.0, 20.0 * scale),
        Scenario("stress", "browse, no think time", USERS, None, 2.0, 6.0 * scale),
        Scenario("intake", "intake POST /aanmelden", INTAKE_USERS, None, 2.0, 6.0 * scale),
    )


@dataclass(frozen=True)
class Site:
    """What there is to click: the run's id and the number of pages of each list."""

    run_id: int
    pages: dict[str, int]


def _page_number(rng: random.Random, pages: int) -> int:
    """Staff mostly look at the first page, and sometimes page through."""
    return 1 if pages <= 1 or rng.random() < 0.4 else rng.randint(1, pages)


def click_path(label: str, site: Site, rng: random.Random) -> str:
    """The path of one click on the page kind ``label``."""
    page = _page_number(rng, site.pages.get(label, 1))
    if label == "coordinatie":
        return "/coordinatie"
    if label == "run-voorstellen":
        return f"/koppelen/runs/{site.run_id}?pagina={page}"
    if label == "run-wachtend":
        return f"/koppelen/runs/{site.run_id}?wachtend_pagina={page}"
    return f"/{label}?pagina={page}"


def next_click(site: Site, rng: random.Random) -> tuple[str, str]:
    """A label and a path: one click of a browsing coordinator."""
    label = rng.choice(CLICKS)
    return label, click_path(label, site, rng)


# -- the HTTP client of one simulated user -----------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    location: str
    body: bytes


class Browser:
    """One user's connection and cookies; redirects are answers, not followed."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
        self.cookies = dict(cookies or {})

    def fetch(self, method: str, path: str, form: Sequence[tuple[str, str]] | None = None) -> Reply:
        headers = {"Accept": "text/html", "Accept-Language": "nl"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except BaseException:
            self.connection.close()
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in header.lower():
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        # gunicorn's sync workers close every connection; http.client opens a new one for the next request.
        return Reply(response.status, response.getheader("Location") or "", data)


_CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(reply: Reply) -> str:
    found = _CSRF.search(reply.body)
    if reply.status != 200 or found is None:
        raise BenchError(f"no CSRF token in the form (HTTP {reply.status})")
    return found.group(1).decode()


def staff_accounts() -> list[tuple[str, str]]:
    """The demo's coordinator and admin accounts with their passwords (seed_data/accounts.csv)."""
    with (ROOT / "seed_data" / "accounts.csv").open(newline="", encoding="utf-8") as handle:
        return [(row["email"], row["password"]) for row in csv.DictReader(handle) if row["role"] in STAFF_ROLES]


def sign_in(port: int, email: str, password: str) -> dict[str, str]:
    """Sign in through /inloggen like a browser (CSRF token and session cookie first); the session's cookies."""
    browser = Browser(port)
    token = csrf_token(browser.fetch("GET", "/inloggen"))
    reply = browser.fetch("POST", "/inloggen", [("csrf_token", token), ("email", email), ("password", password)])
    if reply.status != 302:
        raise BenchError(f"sign-in as {email} answered HTTP {reply.status}")
    return browser.cookies


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_text.lower() if c.isalnum())


def _mobile(rng: random.Random) -> str:
    return f"06 {rng.randint(10**7, 10**8 - 1)}"


def rijswijk_postcode(rng: random.Random) -> str:
    return f"{rng.choice(seed.RIJSWIJK_PC4)} {rng.choice(seed.LETTERS)}{rng.choice(seed.LETTERS)}"


def _languages(rng: random.Random) -> list[str]:
    roll = rng.random()
    if roll < 0.72:
        return ["nl"]
    extra = rng.choice(["en", "tr", "ar", "ber", "pap", "srn", "pl", "uk"])
    return ["nl", extra] if roll < 0.95 else [extra]


def signup_form(rng: random.Random, token: str, serial: str) -> list[tuple[str, str]]:
    """A valid, varied volunteer sign-up as the public form posts it."""
    female = rng.random() < 0.65
    first = rng.choice(seed.FIRST_NAMES_F if female else seed.FIRST_NAMES_M)
    last = rng.choice(seed.LAST_NAMES)
    age = rng.randint(17, 29) if rng.random() < 0.2 else rng.randint(30, 79)
    born = date(date.today().year - age, rng.randint(1, 12), rng.randint(1, 28))
    form = [
        ("csrf_token", token),
        ("first_name", first),
        ("last_name", last),
        ("email", f"{_slug(first)}.{_slug(last)}.{serial}@voorbeeld.nl"),
        ("phone", _mobile(rng)),
        ("birth_date", born.isoformat()),
        ("postcode", rijswijk_postcode(rng)),
        ("gender", ("vrouw" if female else "man") if rng.random() < 0.8 else rng.choice(["anders", ""])),
    ]
    form += [("programmes", code) for code in rng.sample(seed.PROGRAMMES, rng.randint(1, 2))]
    form += [("interests", code) for code in rng.sample(seed.INTERESTS, rng.randint(0, 6))]
    form += [("availability", slot) for slot in rng.sample(seed.SLOTS, rng.randint(1, 6))]
    form += [("languages", code) for code in _languages(rng)]
    form += [
        ("max_distance_km", rng.choice(["1", "2", "3", "3", "5", "8"])),
        ("capacity", rng.choice(["1", "1", "2", "3"])),
        ("motivation", rng.choice(seed.MOTIVATIONS)),
    ]
    if rng.random() < 0.12:
        form.append(("lonely_themselves", "y"))
    form += [("consent", "y"), ("website", "")]
    return form


def _page_error(reply: Reply) -> str:
    if reply.status == 200:
        return ""
    return f"HTTP {reply.status}" + (f" -> {reply.location.split('?')[0]}" if reply.location else "")


def _signup_error(reply: Reply) -> str:
    if reply.status == 302 and reply.location.endswith("/aanmelden/bedankt"):
        return ""
    return f"HTTP {reply.status}" + (f" -> {reply.location.split('?')[0]}" if reply.location else "")


# -- one user process -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    index: int
    port: int
    scenario: Scenario
    site: Site
    cookies: dict[str, str]
    seed: int


#: One request: label, latency in ms, error ("" when it succeeded).
Sample = tuple[str, float, str]


def _user_process(job: Job, ready: Any, go: Any, start_at: Any, results: Any) -> None:
    """One simulated user: prepare, wait for the common start, click or post until the window closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us; Ctrl-C is its business
    rng = random.Random(job.seed)
    browser = Browser(job.port, job.cookies)
    intake = job.scenario.key == "intake"
    try:
        token = csrf_token(browser.fetch("GET", "/aanmelden")) if intake else ""
    except (OSError, http.client.HTTPException, BenchError) as error:
        ready.put(job.index)
        results.put((job.index, [], f"{type(error).__name__}: {error}", 0))
        return
    ready.put(job.index)
    go.wait()
    begin = float(start_at.value)
    measure_from = begin + job.scenario.warmup_s
    stop = measure_from + job.scenario.measure_s
    think = job.scenario.think
    if think is not None:  # spread the first clicks instead of 20 at once
        time.sleep(max(0.0, begin + rng.uniform(0.0, think[1]) - time.time()))
    samples: list[Sample] = []
    serial = sent = 0
    while (started := time.time()) < stop:
        if intake:
            serial += 1
            label, method, path = "aanmelden", "POST", "/aanmelden"
            form: list[tuple[str, str]] | None = signup_form(rng, token, f"{job.seed}-{serial}")
        else:
            (label, path), method, form = next_click(job.site, rng), "GET", None
        clicked = time.perf_counter()
        try:
            reply = browser.fetch(method, path, form)
            problem = _signup_error(reply) if intake else _page_error(reply)
        except (OSError, http.client.HTTPException) as exc:
            problem = type(exc).__name__
        elapsed_ms = (time.perf_counter() - clicked) * 1000
        sent += 1
        if started >= measure_from:
            samples.append((label, elapsed_ms, problem))
        if think is not None:
            time.sleep(max(0.0, min(rng.uniform(*think), stop - time.time())))
    results.put((job.index, samples, "", sent))


# -- measurements --------------------------------------------------------------------------------------------


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    if not sorted_values:
        return math.nan
    position = (len(sorted_values) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


@dataclass(frozen=True)
class Measurement:
    scenario: Scenario
    backend: str
    samples: list[Sample]
    sent: int  # every request of the scenario, warm-up included: what the CPU figures cover
    server_log: str
    cpu: CpuUse | None
    with_database: bool

    def cpu_ms_per_request(self, database: bool = False) -> float:
        """Server (or database) CPU time per request: what the load leaves alone."""
        if self.cpu is None or not self.sent:
            return math.nan
        return (self.cpu.database if database else self.cpu.server) / self.sent * 1000

    @property
    def requests(self) -> int:
        return len(self.samples)

    @property
    def rate(self) -> float:
        return self.requests / self.scenario.measure_s

    @property
    def errors(self) -> int:
        return sum(1 for _, _, error in self.samples if error)

    @property
    def succeeded_rate(self) -> float:
        return (self.requests - self.errors) / self.scenario.measure_s

    def percentile_ms(self, q: float, label: str | None = None) -> float:
        return _percentile(sorted(ms for name, ms, _ in self.samples if label in (None, name)), q)

    def error_kinds(self) -> Counter[str]:
        return Counter(error for _, _, error in self.samples if error)

    def labels(self) -> list[str]:
        return sorted({name for name, _, _ in self.samples})


def run_scenario(
    port: int, scenario: Scenario, site: Site, sessions: Sequence[dict[str, str]]
) -> tuple[list[Sample], int]:
    """Start the scenario's user processes, release them together; their measured samples and how many requests
    they sent in all (warm-up included)."""
    context = multiprocessing.get_context("spawn")
    ready, results = context.Queue(), context.Queue()
    go = context.Event()
    start_at = context.Value("d", 0.0)
    processes = [
        context.Process(
            target=_user_process,
            args=(
                Job(i, port, scenario, site, dict(sessions[i % len(sessions)]), SEED * 1000 + i),
                ready,
                go,
                start_at,
                results,
            ),
            daemon=True,
        )
        for i in range(scenario.users)
    ]
    samples: list[Sample] = []
    sent = 0
    try:
        for process in processes:
            process.start()
        for _ in processes:
            ready.get(timeout=60)
        start_at.value = time.time() + 0.05
        go.set()
        wait_s = scenario.warmup_s + scenario.measure_s + REQUEST_TIMEOUT_S + 30
        problems = []
        for _ in processes:
            _, user_samples, problem, user_sent = results.get(timeout=wait_s)
            samples.extend(user_samples)
            sent += user_sent
            if problem:
                problems.append(problem)
        if problems:
            raise BenchError(f"{len(problems)} user process(es) could not start: {problems[0]}")
        for process in processes:
            process.join(timeout=10)
    except queue.Empty:
        raise BenchError("user processes did not report in time") from None
    finally:
        for process in processes:
            if process.pid is not None and process.is_alive():
                process.terminate()
        for process in processes:
            if process.pid is not None:
                process.join(timeout=5)
    return samples, sent


# -- servers -------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    port: int
    log: Path
    pid: int

    def log_size(self) -> int:
        return self.log.stat().st_size

    def log_since(self, offset: int) -> str:
        with self.log.open("rb") as handle:
            handle.seek(offset)
            return handle.read().decode("utf-8", "replace")


def _log_tail(path: Path, lines: int = 15) -> str:
    return "\n".join(path.read_text("utf-8", "replace").strip().splitlines()[-lines:])


def _wait_healthy(process: subprocess.Popen[bytes], port: int, log: Path, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with {process.returncode}:\n{_log_tail(log)}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if Browser(port).fetch("GET", "/healthz").status == 200:
                return
        time.sleep(0.1)
    raise BenchError(f"gunicorn did not answer /healthz within {timeout_s:g} s:\n{_log_tail(log)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the master (it stops its workers); SIGKILL to its own session if that takes too long."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # start_new_session: the group is this server alone
        process.wait()


@contextlib.contextmanager
def gunicorn(app: str, env: dict[str, str], log: Path) -> Iterator[Server]:
    """``gunicorn --workers 2`` on a free local port, until the block ends."""
    port = free_port()
    command = [str(BIN / "gunicorn"), "--workers", str(WORKERS), "--bind", f"{HOST}:{port}", app]
    with log.open("ab") as log_file:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_healthy(process, port, log)
        yield Server(port, log, process.pid)
    finally:
        _stop(process)


# -- where the CPU went -------------------------------------------------------------------------------------
# The machine's CPUs are shared by the servers, the database, the load generator and whatever else runs. Each
# scenario reports how its CPU time split, so that a figure taken while other work ran can be told apart.

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name ([0] is the state, [1] the parent, [11:13] CPU)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return text[text.rindex(")") + 2 :].split()


def _process_ticks(pids: Sequence[int]) -> int:
    return sum(int(f[11]) + int(f[12]) for f in map(_proc_stat, pids) if len(f) > 12)


def _tree(root: int) -> list[int]:
    """``root`` and its live descendants."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _proc_stat(int(entry.name))):
            parents[int(entry.name)] = int(fields[1])
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def _backends(database: str | None) -> list[int]:
    """The PostgreSQL server processes serving ``database`` (their command line names it)."""
    if database is None:
        return []
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if f" {database} " in (entry / "cmdline").read_bytes().decode("utf-8", "replace"):
                    found.append(int(entry.name))
    return found


@dataclass(frozen=True)
class CpuSnapshot:
    wall: float
    busy_ticks: int  # every CPU, every process (/proc/stat)
    steal_ticks: int
    server_ticks: int
    database_ticks: int
    bench_seconds: float  # this process and its waited-for children: the load generator


def cpu_snapshot(server_pid: int, database: str | None) -> CpuSnapshot | None:
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return CpuSnapshot(
        wall=time.monotonic(),
        busy_ticks=user + nice + system + irq + softirq + steal,
        steal_ticks=steal,
        server_ticks=_process_ticks(_tree(server_pid)),
        database_ticks=_process_ticks(_backends(database)),
        bench_seconds=own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
    )


@dataclass(frozen=True)
class CpuUse:
    available: float
    server: float
    database: float
    load_generator: float
    others: float
    steal: float

    def describe(self, with_database: bool) -> str:
        database = f"database {self.database:.1f}, " if with_database else ""
        return (
            f"CPU-s of {self.available:.0f} available: server {self.server:.1f}, {database}"
            f"load generator {self.load_generator:.1f}, other processes {self.others:.1f}"
            + (f", stolen by the host {self.steal:.1f}" if self.steal >= 0.05 else "")
        )


def cpu_use(before: CpuSnapshot | None, after: CpuSnapshot | None) -> CpuUse | None:
    if before is None or after is None:
        return None
    server = (after.server_ticks - before.server_ticks) / CLOCK_TICKS
    database = (after.database_ticks - before.database_ticks) / CLOCK_TICKS
    load = after.bench_seconds - before.bench_seconds
    busy = (after.busy_ticks - before.busy_ticks) / CLOCK_TICKS
    steal = (after.steal_ticks - before.steal_ticks) / CLOCK_TICKS
    return CpuUse(
        available=(after.wall - before.wall) * (os.cpu_count() or 1),
        server=server,
        database=database,
        load_generator=load,
        others=max(0.0, busy - steal - server - database - load),
        steal=steal,
    )


# -- scratch databases and data ------------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database(scratch: Path) -> Iterator[str]:
    path = scratch / "samen-web-bench.sqlite3"
    try:
        yield f"sqlite:///{path}"
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _postgres_version(admin_url: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, connect_timeout=5) as connection:
        row = connection.execute("SHOW server_version").fetchone()
        return str(row[0]).split()[0] if row else "?"


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A scratch database on the local PostgreSQL, dropped afterwards (also with sessions still open)."""
    import psycopg

    name = f"samen_web_bench_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except psycopg.Error as error:
        raise BenchError(f"PostgreSQL at {admin_url} is not reachable: {error}".strip()) from None
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urllib.parse.urlsplit(admin_url)._replace(path=f"/{name}").geturl()
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(database: str | None, secret: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(SAMEN_ENV="development", SECRET_KEY=secret, RATELIMIT_ENABLED="0", PYTHONDONTWRITEBYTECODE="1")
    if database is not None:
        env["DATABASE_URL"] = database
    return env


@dataclass(frozen=True)
class Dataset:
    site: Site
    volunteers: int
    screened: int
    residents: int
    waiting: int
    run_residents: int
    proposals: int
    run_waiting: int
    run_seconds: float
    setup_seconds: float

    def describe(self) -> str:
        pages = self.site.pages
        return (
            f"{self.volunteers:,} volunteers ({self.screened:,} screened and VOG'd), {self.residents:,} residents "
            f"({self.waiting:,} waiting); run #{self.site.run_id} over all programmes: {self.run_residents:,} "
            f"residents, {self.proposals:,} proposals ({pages['run-voorstellen']} pages), {self.run_waiting:,} "
            f"without one ({pages['run-wachtend']} pages), engine {self.run_seconds:.2f} s; "
            f"setup {self.setup_seconds:.1f} s"
        )


def _as_csv_row(row: Mapping[str, object]) -> dict[str, str]:
    """A generated row as it would come back from the demo CSV files (every value a string)."""
    return {key: str(value) for key, value in row.items()}


def add_people(
    session: Session,
    today: date,
    rng: random.Random,
    volunteers: int,
    waiting: int,
    areas: Sequence[str] | None = None,
) -> None:
    """Screened volunteers and waiting residents from seed_data/generate.py, loaded as webapp.demo does. No commit.

    ``areas`` (PC4 codes) spreads them evenly over those areas instead of the generator's Rijswijk and neighbours.
    """
    from sqlalchemy import func, select

    from webapp.demo import record_consents, resident_from_row, volunteer_from_row
    from webapp.models import Programme, Resident, ResidentStatus, Role, User, Volunteer

    coordinator = session.scalars(select(User).where(User.role == Role.COORDINATOR).order_by(User.id)).first()
    accounts = {user.email: user for user in session.scalars(select(User))}
    programmes = {p.code: p for p in session.scalars(select(Programme))}
    if coordinator is None or not any(user.role is Role.REFERRER for user in accounts.values()):
        raise BenchError("the demo accounts are missing")

    added_volunteers: list[Volunteer] = []
    added_residents: list[Resident] = []
    for i, row in enumerate(seed.volunteers(volunteers, rng)):
        # Every benchmark volunteer is screened, with a VOG that still counts, and was 16 or older when signing up
        # (younger people's consent must come from a parent, which the demo does not record for volunteers).
        requested = rng.randint(40, max(40, min(700, (int(row["age"]) - 16) * 365 - 61)))
        row.update(
            email=f"bench{i}.{row['email']}",
            intake_outcome="geschikt",
            intake_days_ago=requested + rng.randint(0, 4),
            signed_up_days_ago=requested + rng.randint(5, 60),
            vog_status="afgegeven",
            vog_requested_days_ago=requested,
            vog_issued_days_ago=requested - rng.randint(10, 30),
        )
        if areas:
            row["postcode"] = f"{rng.choice(areas)} {row['postcode'][-2:]}"
        added_volunteers.append(volunteer_from_row(_as_csv_row(row), programmes, coordinator, today))
    session.add_all(added_volunteers)

    already = session.scalar(
        select(func.count()).select_from(Resident).where(Resident.status == ResidentStatus.WACHTEND)
    )
    for row in seed.residents(max(0, waiting - int(already or 0)), rng):
        if areas:
            row["postcode"] = f"{rng.choice(areas)} {str(row['postcode'])[-2:]}"
        added_residents.append(resident_from_row(_as_csv_row(row), programmes, accounts, coordinator, today))
    session.add_all(added_residents)
    session.flush()
    record_consents(session, added_volunteers, added_residents, coordinator)


def prepare(url: str, env: dict[str, str]) -> Dataset:
    """Migrate the scratch database, load the demo and the generated people, run the engine once; committed."""
    started = time.perf_counter()
    upgrade = subprocess.run(
        [str(BIN / "flask"), "--app", "webapp", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if upgrade.returncode != 0:
        tail = "\n".join(upgrade.stderr.strip().splitlines()[-10:])
        raise BenchError(f"flask db upgrade exited with {upgrade.returncode}:\n{tail}")

    from sqlalchemy import func, select

    from webapp import create_app
    from webapp.config import database_url
    from webapp.demo import load_demo_data
    from webapp.extensions import db
    from webapp.models import (
        IntakeOutcome,
        MatchRun,
        Proposal,
        Resident,
        ResidentStatus,
        Role,
        RunStatus,
        RunWaitingResident,
        User,
        Volunteer,
    )
    from webapp.services.matching import execute_run, queue_run

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(url), "SECRET_KEY": env["SECRET_KEY"]})
    with app.app_context():
        try:
            session: Session = db.session()
            today = date.today()
            load_demo_data(session, today)
            add_people(session, today, random.Random(SEED), SCREENED_VOLUNTEERS, WAITING_RESIDENTS)
            session.commit()
            coordinator = session.scalars(select(User).where(User.role == Role.COORDINATOR).order_by(User.id)).first()
            if coordinator is None:
                raise BenchError("the demo has no coordinator account")
            run_id = queue_run(session, coordinator, None, app.config).id
            session.commit()
            if execute_run(session, run_id, app.config) is not RunStatus.KLAAR:
                raise BenchError(f"the matching run failed: {session.get(MatchRun, run_id).stats}")
            run = session.get(MatchRun, run_id)

            def count(query: Any) -> int:
                return int(session.scalar(query) or 0)

            per_page = int(app.config["SAMEN_PAGE_SIZE"])

            def pages(n: int) -> int:
                return max(1, math.ceil(n / per_page))

            volunteers = count(select(func.count()).select_from(Volunteer))
            residents = count(select(func.count()).select_from(Resident))
            waiting = count(
                select(func.count()).select_from(Resident).where(Resident.status == ResidentStatus.WACHTEND)
            )
            proposals = count(select(func.count()).select_from(Proposal).where(Proposal.run_id == run.id))
            run_waiting = count(
                select(func.count()).select_from(RunWaitingResident).where(RunWaitingResident.run_id == run.id)
            )
            screened = count(
                select(func.count()).select_from(Volunteer).where(Volunteer.intake_outcome == IntakeOutcome.GESCHIKT)
            )
            site = Site(
                run_id=run.id,
                pages={
                    "vrijwilligers": pages(volunteers),
                    "bewoners": pages(residents),
                    "wachtlijst": pages(waiting),
                    "run-voorstellen": pages(proposals),
                    "run-wachtend": pages(run_waiting),
                },
            )
            return Dataset(
                site=site,
                volunteers=volunteers,
                screened=screened,
                residents=residents,
                waiting=waiting,
                run_residents=int(run.stats["residents"]),
                proposals=proposals,
                run_waiting=run_waiting,
                run_seconds=float(run.stats["seconds"]),
                setup_seconds=time.perf_counter() - started,
            )
        finally:
            db.session.remove()
            db.engine.dispose()


def sign_in_all(port: int, users: int) -> list[dict[str, str]]:
    """One signed-in session per simulated user, spread over the demo's coordinator and admin accounts."""
    accounts = staff_accounts()
    with ThreadPoolExecutor(max_workers=WORKERS * 2) as pool:  # argon2 takes its time; both workers may share it
        sessions = list(pool.map(lambda i: sign_in(port, *accounts[i % len(accounts)]), range(users)))
    for cookies in sessions[:1]:
        reply = Browser(port, cookies).fetch("GET", "/coordinatie")
        if reply.status != 200:
            raise BenchError(f"/coordinatie after signing in answered HTTP {reply.status}")
    return sessions


def prime(port: int, site: Site, cookies: dict[str, str]) -> None:
    """Visit every kind of page a few times so that both workers have compiled their templates."""
    browser = Browser(port, cookies)
    rng = random.Random(SEED)
    for _ in range(6):
        for label in sorted(set(CLICKS)):
            browser.fetch("GET", click_path(label, site, rng))
        browser.fetch("GET", "/aanmelden")


# -- the report ----------------------------------------------------------------------------------------------

BARE = "bare Flask"


def server_problems(log: str) -> str:
    """What the server logged during a scenario: exceptions (500s), 'database is locked', worker timeouts."""
    blocks = log.split("Exception on ")[1:]
    if not blocks and "WORKER TIMEOUT" not in log and "database is locked" not in log:
        return "server log: no exceptions"
    locked = sum(1 for block in blocks if "database is locked" in block)
    finals: Counter[str] = Counter()
    for block in blocks:
        lines = [line for line in block.strip().splitlines() if line and not line.startswith((" ", "["))]
        finals[lines[-1][:140] if lines else "?"] += 1
    parts = [f"server log: {len(blocks)} exceptions ({locked} with 'database is locked')"]
    if "WORKER TIMEOUT" in log:
        parts.append(f"{log.count('WORKER TIMEOUT')} worker timeouts")
    parts += [f"{n}x {text}" for text, n in finals.most_common(3)]
    return "; ".join(parts)


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.0f}"


def describe(m: Measurement) -> list[str]:
    s = m.scenario
    head = (
        f"  {m.backend:<10}  {s.title}: {s.users} user processes, {s.warmup_s:g} s warm-up + {s.measure_s:g} s "
        f"measured: {m.requests:,} requests, {m.rate:.1f} req/s; p50 {_ms(m.percentile_ms(0.50))} ms, "
        f"p95 {_ms(m.percentile_ms(0.95))} ms, p99 {_ms(m.percentile_ms(0.99))} ms, "
        f"max {_ms(m.percentile_ms(1.0))} ms; errors {m.errors}"
    )
    lines = [head]
    if m.errors:
        kinds = ", ".join(f"{n}x {kind}" for kind, n in m.error_kinds().most_common(4))
        lines.append(f"              errors: {kinds}")
    if s.key != "intake" and m.backend != BARE and m.samples:
        by_page = sorted(m.labels(), key=lambda label: -m.percentile_ms(0.95, label))
        lines.append(
            "              p95 by page: "
            + " · ".join(f"{label} {_ms(m.percentile_ms(0.95, label))} ms" for label in by_page)
        )
    if m.backend != BARE:
        lines.append(f"              {server_problems(m.server_log)}")
    if m.cpu is not None:
        per_request = f"server CPU {m.cpu_ms_per_request():.1f} ms per request"
        if m.with_database:
            per_request += f", database {m.cpu_ms_per_request(database=True):.1f} ms"
        lines.append(
            f"              {m.cpu.describe(m.with_database)}; {per_request} "
            f"(all {m.sent:,} requests, warm-up included)"
        )
    return lines


def verdict(m: Measurement) -> str:
    missed = []
    if m.scenario.key == "browse" and not m.percentile_ms(0.95) <= P95_TARGET_MS:
        missed.append("p95")
    if m.scenario.key == "intake" and not m.succeeded_rate >= INTAKE_TARGET_PER_S:
        missed.append("rate")
    if m.errors:
        missed.append("errors")
    return f"FAIL ({', '.join(missed)})" if missed else "PASS"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], left: set[int]) -> list[str]:
    cells = [tuple(header), *(tuple(row) for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return [
        "  ".join(
            cell.ljust(w) if i in left else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in cells
    ]


def tables(results: dict[tuple[str, str], Measurement], backends: Sequence[str], plan: Sequence[Scenario]) -> list[str]:
    browse_rows = []
    intake_rows = []
    for scenario in plan:
        bare = results.get((scenario.key, BARE))
        for backend in backends:
            m = results.get((scenario.key, backend))
            if m is None:
                continue
            if scenario.key == "intake":
                intake_rows.append(
                    (
                        scenario.title,
                        backend,
                        f"{m.requests - m.errors:,}",
                        f"{m.succeeded_rate:.1f}",
                        _ms(m.percentile_ms(0.50)),
                        _ms(m.percentile_ms(0.95)),
                        f"≥ {INTAKE_TARGET_PER_S:g}/s",
                        verdict(m),
                        f"{bare.rate:.1f}" if bare else "-",
                        str(m.errors),
                        *_cpu_cells(m),
                    )
                )
                continue
            target = f"p95 ≤ {P95_TARGET_MS:g} ms" if scenario.key == "browse" else "(info)"
            browse_rows.append(
                (
                    scenario.title,
                    backend,
                    f"{m.requests:,}",
                    f"{m.rate:.1f}",
                    _ms(m.percentile_ms(0.50)),
                    _ms(m.percentile_ms(0.95)),
                    target,
                    verdict(m) if scenario.key == "browse" else ("-" if not m.errors else "errors"),
                    _ms(bare.percentile_ms(0.95)) if bare else "-",
                    str(m.errors),
                    *_cpu_cells(m),
                )
            )
    lines = _table(
        (
            "scenario",
            "backend",
            "requests",
            "req/s",
            "p50 ms",
            "p95 ms",
            "target",
            "result",
            "bare p95 ms",
            "errors",
            *CPU_HEADER,
        ),
        browse_rows,
        {0, 1, 6, 7},
    )
    lines.append("")
    lines += _table(
        (
            "scenario",
            "backend",
            "submitted",
            "subm/s",
            "p50 ms",
            "p95 ms",
            "target",
            "result",
            "bare req/s",
            "errors",
            *CPU_HEADER,
        ),
        intake_rows,
        {0, 1, 6, 7},
    )
    lines += [
        "bare = bench/bare_app.py under the same gunicorn and load; subm/s counts 302s to /aanmelden/bedankt only; "
        "PASS needs the target and 0 errors;",
        "CPU ms/req = the server's CPU time per request (gunicorn master and workers); others = share of the "
        "machine's CPU time taken by\nprocesses outside this benchmark during the scenario (latencies suffer when it "
        "is high; CPU ms/req much less).",
    ]
    return lines


CPU_HEADER = ("CPU ms/req", "others")


def _cpu_cells(m: Measurement) -> tuple[str, str]:
    if m.cpu is None:
        return "-", "-"
    return f"{m.cpu_ms_per_request():.1f}", f"{m.cpu.others / m.cpu.available:.0%}"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _machine(postgres: str) -> str:
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"Python {platform.python_version()}, Flask {_version('flask')}, Werkzeug {_version('werkzeug')}, "
        f"gunicorn {_version('gunicorn')}, SQLAlchemy {_version('sqlalchemy')}, SQLite {_sqlite_version()}, "
        f"PostgreSQL {postgres}; {os.cpu_count()} CPUs (shared by servers, database and load generator), "
        f"{memory_gib:.0f} GiB, {platform.system()} {platform.machine()}"
    )


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def measure_server(
    backend: str,
    server: Server,
    database: str | None,
    plan: Sequence[Scenario],
    site: Site,
    sessions: Sequence[dict[str, str]],
    results: dict[tuple[str, str], Measurement],
) -> None:
    for scenario in plan:
        offset = server.log_size()
        before = cpu_snapshot(server.pid, database)
        samples, sent = run_scenario(server.port, scenario, site, sessions if scenario.key != "intake" else [{}])
        cpu = cpu_use(before, cpu_snapshot(server.pid, database))
        measurement = Measurement(scenario, backend, samples, sent, server.log_since(offset), cpu, database is not None)
        results[(scenario.key, backend)] = measurement
        print("\n".join(describe(measurement)), flush=True)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} (1 / 5 / 15 min)"


def report(plan: Sequence[Scenario], postgres_admin_url: str) -> int:
    began = time.perf_counter()
    secret = secrets.token_hex(32)
    try:
        postgres = _postgres_version(postgres_admin_url)
    except Exception as error:  # reported below, where PostgreSQL's scenarios are skipped
        postgres = f"unreachable ({type(error).__name__})"
    low, high = THINK_SECONDS
    print("Samen web app benchmarks (python -m bench --only web)")
    print(_machine(postgres))
    print(f"Before the run: {_load()}; other work on the machine slows every figure, the baseline's too.")
    print(
        f"Servers: gunicorn --workers {WORKERS} (sync) on {HOST}, SAMEN_ENV=development, RATELIMIT_ENABLED=0: the\n"
        "per-IP sign-up limit (20/hour) stops abuse and would stop one load generator; production keeps it on.\n"
        "Load: separate processes (multiprocessing, spawn), each with its own connection and signed-in session;\n"
        f"a browsing user waits a random {low:g}-{high:g} s (uniform) between clicks; 'no think time' and intake "
        "send the next\nrequest as soon as the answer is in.\n"
        "Clicks: /coordinatie, /vrijwilligers, /bewoners, /wachtlijst (random ?pagina=), the run's proposals\n"
        "(/koppelen/runs/<id>?pagina=, twice as often) and its residents without a proposal (?wachtend_pagina=).\n"
        "Intake: valid, varied sign-ups (CSRF token and session cookie from one GET), each must answer 302 to\n"
        "/aanmelden/bedankt.\n"
        f"Data: demo organisations, accounts and people (seed_data) + {SCREENED_VOLUNTEERS} screened volunteers and "
        f"a waiting list\ntopped up to {WAITING_RESIDENTS:,} residents in and around Rijswijk (seed {SEED}), then one "
        "matching run (webapp.services.matching.queue_run + execute_run),\ncommitted.\n",
        flush=True,
    )
    results: dict[tuple[str, str], Measurement] = {}
    backends: list[str] = []
    failed = False
    site: Site | None = None
    with tempfile.TemporaryDirectory(prefix="samen-web-bench-") as tmp:
        scratch = Path(tmp)
        for backend in ("SQLite", "PostgreSQL"):
            try:
                with contextlib.ExitStack() as stack:
                    if backend == "SQLite":
                        url = stack.enter_context(sqlite_database(scratch))
                    else:
                        url = stack.enter_context(postgres_database(postgres_admin_url))
                    env = server_env(url, secret)
                    data = prepare(url, env)
                    site = site or data.site
                    print(f"{backend}: {data.describe()}", flush=True)
                    log = scratch / f"gunicorn-{backend.lower()}.log"
                    server = stack.enter_context(gunicorn("webapp:create_app()", env, log))
                    sessions = sign_in_all(server.port, USERS)
                    prime(server.port, data.site, sessions[0])
                    backends.append(backend)
                    database = urllib.parse.urlsplit(url).path.lstrip("/") if backend == "PostgreSQL" else None
                    measure_server(backend, server, database, plan, data.site, sessions, results)
            except BenchError as error:
                print(f"{backend}: ERROR {error}", flush=True)
                failed = True
            except Exception:  # a bug here must not stop the other backend's figures
                print(f"{backend}: ERROR\n{traceback.format_exc()}", flush=True)
                failed = True
            print(flush=True)
        try:
            bare_site = site or Site(run_id=1, pages={})
            with gunicorn("bench.bare_app:app", server_env(None, secret), scratch / "gunicorn-bare.log") as server:
                print(f"{BARE}: bench/bare_app.py, one small HTML page for every GET, 302 for POST /aanmelden")
                backends.append(BARE)
                measure_server(BARE, server, None, plan, bare_site, [{}], results)
        except BenchError as error:
            print(f"{BARE}: ERROR {error}", flush=True)
            failed = True
        print(flush=True)
    print("\n".join(tables(results, [b for b in backends if b != BARE], plan)))
    missed = [
        f"{m.scenario.title} on {m.backend}: {verdict(m)}"
        for m in results.values()
        if m.scenario.key in ("browse", "intake") and m.backend != BARE and verdict(m) != "PASS"
    ]
    print(f"Targets: {'; '.join(missed)}" if missed else "Targets: all met")
    print(f"Web benchmark took {time.perf_counter() - began:.0f} s; after the run: {_load()}")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the web benchmark and print its figures; 0 even when a target is missed, 130 after Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m bench --only web", description="Benchmarks of the web app.")
    parser.add_argument("--quick", action="store_true", help="shorter measuring windows (40 %%)")
    parser.add_argument("--postgres", default=POSTGRES_URL, help="PostgreSQL server for the scratch database")
    args = parser.parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return report(scenarios(args.quick), args.postgres)
    except KeyboardInterrupt:
        print("\nInterrupted: servers stopped, scratch databases removed.", flush=True)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    raise SystemExit(main())
