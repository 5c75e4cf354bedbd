"""``python -m bench`` (``make bench``): the engine benchmarks, then the web app benchmark.

``--only engine|web`` runs one of them; ``--quick`` runs the engine's 1,000 x 1,000 case only and the web
scenarios with shorter measuring windows.
"""

import argparse

from bench import matcher_bench, web_bench


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Samen's benchmarks (make bench).")
    parser.add_argument("--only", choices=("engine", "web"), help="run only the engine or only the web benchmark")
    parser.add_argument("--quick", action="store_true", help="engine: 1,000 x 1,000 only; web: shorter windows")
    args = parser.parse_args()
    flags = ["--quick"] if args.quick else []
    status = 0
    if args.only in (None, "engine"):
        status = max(status, matcher_bench.main(flags))
    if args.only is None:
        print(flush=True)
    if args.only in (None, "web"):
        status = max(status, web_bench.main(flags))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
