"""Wie zoeken we?: how long judging hypothetical volunteers takes (``python -m bench --only recruiting``).

Two parts, both in this process:

- engine: ``matcher.evaluate_recruits`` on 1,000 waiting residents and 400 volunteers in one town (scarce supply,
  bench/synthetic.py, seed 2026), with the rules' defaults and with every rule in play (``coordinator_rules``).
  The profiles are made as the web app makes them: for every waiting resident without any feasible volunteer, one
  per part-day and language of theirs, at their place, one place, the volunteers' median travel distance. Besides
  the page's case (one place: the bounds settle every profile) it times the engine running again for every profile
  (``use_bounds=False``) and profiles with two places, where the bounds often leave the answer to a run;
- web: ``webapp.services.recruiting.recruiting_gaps`` (loading the waiting list, the run, the profiles, the
  evaluation) on the demo data in a scratch SQLite database, for all programmes and for each one.

Figures are wall-clock times on this machine; none of them is a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from bench.synthetic import coordinator_rules, make_residents, make_volunteers
from matcher import MatchRules, RecruitingReport, Resident, Volunteer, evaluate_recruits, propose_matches

ROOT = Path(__file__).resolve().parent.parent
SEED = 2026
RESIDENTS, VOLUNTEERS = 1_000, 400
#: Profiles timed with the engine running again for each (that is slow by design: it is the check of the bounds).
FORCED_PROFILES = 10


def profiles_for(
    volunteers: Sequence[Volunteer], residents: Sequence[Resident], rules: MatchRules, capacity: int = 1
) -> list[Volunteer]:
    """The web app's profiles, on engine dataclasses: per resident without a feasible volunteer, part-day and
    language, a volunteer at their place (the service places them on the PC4 point, which is the same thing)."""
    result = propose_matches(volunteers, residents, rules)
    stuck = {u.resident_id for u in result.unmatched if u.feasible_volunteers == 0}
    limits = [v.max_distance_km for v in volunteers if v.max_distance_km is not None]
    distance = float(statistics.median(limits)) if limits else None
    ages = [v.age for v in volunteers if v.age is not None]
    profiles: dict[tuple[Hashable, ...], Volunteer] = {}
    for resident in residents:
        if resident.id not in stuck:
            continue
        rule = rules.age_rules.get(resident.programme)
        age = None
        if rule is not None and rule.bounds_volunteer:
            age = int(statistics.median(ages)) if ages else 40
            age = min(age, rule.volunteer_max_age) if rule.volunteer_max_age is not None else age
            age = max(age, rule.volunteer_min_age) if rule.volunteer_min_age is not None else age
        for slot in sorted(resident.availability):
            for language in sorted(resident.languages) or [None]:
                key = (resident.lat, resident.lon, resident.programme, slot, language, resident.preferred_gender)
                profiles.setdefault(
                    key,
                    Volunteer(
                        id=("profiel", len(profiles)),
                        lat=resident.lat,
                        lon=resident.lon,
                        availability={slot},
                        languages={language} if language else set(),
                        programmes={resident.programme},
                        capacity=capacity,
                        age=age,
                        gender=resident.preferred_gender,
                        max_distance_km=distance,
                    ),
                )
    return list(profiles.values())


def _timed(call: Callable[[], RecruitingReport]) -> tuple[float, RecruitingReport]:
    started = time.perf_counter()
    report = call()
    return time.perf_counter() - started, report


def _line(label: str, seconds: float, report: RecruitingReport) -> str:
    stats = report.stats
    per_profile = stats.seconds_recruits / stats.recruits * 1000 if stats.recruits else 0.0
    gains = sum(o.matched_gain for o in report.outcomes)
    return (
        f"  {label:<34} {stats.recruits:>4} profiles  total {seconds:6.3f} s  "
        f"(baseline run {stats.seconds_baseline:.3f} s, profiles {stats.seconds_recruits:.3f} s: "
        f"{per_profile:7.2f} ms each)  engine again {stats.reruns:>3}x on "
        f"{stats.rerun_residents:,} residents  gained {gains}"
    )


def engine_part(quick: bool = False) -> list[str]:
    lines = [
        f"engine: evaluate_recruits, {RESIDENTS:,} residents x {VOLUNTEERS} volunteers in one town "
        f"(bench/synthetic.py, seed {SEED})"
    ]
    rng = np.random.default_rng(SEED)
    volunteers = make_volunteers(VOLUNTEERS, rng)
    residents = make_residents(RESIDENTS, rng)
    for name, rules in (("defaults", MatchRules()), ("all rules", coordinator_rules(volunteers, residents, SEED))):
        started = time.perf_counter()
        run = propose_matches(volunteers, residents, rules)
        run_seconds = time.perf_counter() - started
        profiles = profiles_for(volunteers, residents, rules)
        stuck = sum(1 for u in run.unmatched if u.feasible_volunteers == 0)
        lines.append(
            f" {name}: one run {run_seconds:.3f} s, {run.stats.matched} matched, {len(run.unmatched)} waiting, "
            f"{stuck} without any feasible volunteer"
        )
        seconds, report = _timed(lambda p=profiles, r=rules: evaluate_recruits(volunteers, residents, p, r))
        lines.append(_line("one place (the page)", seconds, report))
        if quick:
            continue
        forced = profiles[:FORCED_PROFILES]
        seconds, forced_report = _timed(
            lambda p=forced, r=rules: evaluate_recruits(volunteers, residents, p, r, use_bounds=False)
        )
        same = [o.matched_gain for o in forced_report.outcomes] == [
            o.matched_gain for o in report.outcomes[: len(forced)]
        ]
        lines.append(_line("one place, engine again for each", seconds, forced_report) + f"  same gains: {same}")
        two = [replace(p, capacity=2) for p in profiles[: FORCED_PROFILES * 4]]
        seconds, two_report = _timed(lambda p=two, r=rules: evaluate_recruits(volunteers, residents, p, r))
        lines.append(_line("two places", seconds, two_report))
    return lines


def web_part() -> list[str]:
    """The service on the demo data, in a scratch SQLite database (migrated and loaded by the flask commands)."""
    with tempfile.TemporaryDirectory(prefix="samen-recruiting-bench-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'demo.sqlite3'}"
        env = {**os.environ, "DATABASE_URL": url}
        flask = [sys.executable, "-m", "flask", "--app", "webapp"]
        for command in (["db", "upgrade"], ["samen", "seed-demo"]):
            subprocess.run([*flask, *command], cwd=ROOT, env=env, check=True, capture_output=True)

        from webapp import create_app
        from webapp.convert import load_programmes
        from webapp.extensions import db
        from webapp.services.recruiting import recruiting_gaps

        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        lines = ["web: webapp.services.recruiting.recruiting_gaps on the demo data (SQLite), best of 5"]
        with app.app_context(), app.test_request_context():
            codes: list[str | None] = [None, *load_programmes(db.session)]
            for code in codes:
                times: list[float] = []
                found: Any = None
                for _ in range(5):
                    started = time.perf_counter()
                    found = recruiting_gaps(db.session, app.config, code)
                    times.append(time.perf_counter() - started)
                    db.session.rollback()
                lines.append(
                    f"  {code or 'all programmes':<18} {min(times):6.3f} s (median {statistics.median(times):.3f} s)  "
                    f"{found.residents} residents, {found.waiting} waiting, {found.without_feasible} without any "
                    f"feasible volunteer, {found.profiles} profiles"
                )
        return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.recruiting_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("engine", "web"))
    parser.add_argument("--quick", action="store_true", help="engine: only the page's case (one place)")
    args = parser.parse_args(argv)
    print("Wie zoeken we? benchmarks (make bench)")
    if args.only in (None, "engine"):
        print("\n".join(engine_part(quick=args.quick)), flush=True)
    if args.only in (None, "web"):
        print("\n".join(web_part()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
