"""``python -m bench`` (``make bench``): the engine benchmarks, the recruiting gaps ("Wie zoeken we?"), the web app,
a run through the web app's queue and worker, the year replay (waiting times under weekly runs).

``--only engine|recruiting|web|run|replay`` runs one of them; ``--only browser`` runs ``bench/browser_run.py``, a
national-size run started from the web page in Chromium (not in the default set: it needs Chromium, PostgreSQL and
Redis, and filling the database with 75,000 people takes minutes). ``--quick`` runs the engine's 1,000 x 1,000 case
only, the recruiting gaps' page case only, the web scenarios with shorter measuring windows and a smaller replayed
year.
"""

import argparse

from bench import browser_run, matcher_bench, recruiting_bench, replay, run_path, web_bench


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Samen's benchmarks (make bench).")
    parser.add_argument(
        "--only",
        choices=("engine", "recruiting", "web", "run", "replay", "browser"),
        help="run only one of the benchmarks (browser: only when asked)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="engine: 1,000 x 1,000 only; web: shorter windows; replay: smaller year"
    )
    args = parser.parse_args()
    flags = ["--quick"] if args.quick else []
    status = 0
    if args.only in (None, "engine"):
        status = max(status, matcher_bench.main(flags))
    if args.only is None:
        print(flush=True)
    if args.only in (None, "recruiting"):
        status = max(status, recruiting_bench.main(flags))
    if args.only is None:
        print(flush=True)
    if args.only in (None, "web"):
        status = max(status, web_bench.main(flags))
    if args.only is None:
        print(flush=True)
    if args.only in (None, "run"):
        status = max(status, run_path.main(flags))
    if args.only is None:
        print(flush=True)
    if args.only in (None, "replay"):
        status = max(status, replay.main(flags))
    if args.only == "browser":
        status = browser_run.main([])
    return status


if __name__ == "__main__":
    raise SystemExit(main())
