"""What the browser benchmark and the server and browser tests start on this machine alike: Debian's Chromium as
Playwright drives it, and the README's production environment for gunicorn and ``flask samen worker``."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def production_env(database_url: str, redis_url: str, queue: str, secret_key: str) -> dict[str, str]:
    """The production section's environment on PostgreSQL and Redis, with its own RQ queue name. The demo accounts
    have no second factor, so that one requirement is off; everything else is as in production."""
    return {
        **os.environ,
        "SAMEN_ENV": "production",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "SAMEN_RQ_QUEUE": queue,
        "SAMEN_REQUIRE_TWO_FACTOR": "0",
        "SAMEN_LOG_FORMAT": "text",
    }
