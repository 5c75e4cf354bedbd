"""``python -m bench`` (``make bench``): the engine benchmarks, the recruiting gaps ("Wie zoeken we?"), the web app.

``--only engine|recruiting|web`` runs one of them; ``--quick`` runs the engine's 1,000 x 1,000 case only, the
recruiting gaps' page case only and the web scenarios with shorter measuring windows.
"""

import argparse

from bench import matcher_bench, recruiting_bench, web_bench


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Samen's benchmarks (make bench).")
    parser.add_argument("--only", choices=("engine", "recruiting", "web"), help="run only one of the benchmarks")
    parser.add_argument("--quick", action="store_true", help="engine: 1,000 x 1,000 only; web: shorter windows")
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
    return status


if __name__ == "__main__":
    raise SystemExit(main())
