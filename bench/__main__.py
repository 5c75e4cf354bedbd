"""``python -m bench`` (``make bench``): every benchmark; ``--quick`` runs the 1,000 x 1,000 case only."""

from bench.matcher_bench import main

raise SystemExit(main())
