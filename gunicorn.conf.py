"""Gunicorn's settings for Samen (the README's production command names this file; gunicorn also reads
./gunicorn.conf.py by itself when started from the project's folder).

Logs carry no personal data: the access log records the method, the path without its query string (a search for a
name is personal data), the status, the size and the time taken; never the client's address, the referrer (it holds
the previous page's query string) or the user agent. With SAMEN_LOG_FORMAT=json (the default when SAMEN_ENV is
production) every line gunicorn writes is a JSON object, like the app's own lines (webapp/logs.py).
Workers, the address to bind and the app are given on the command line.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

from gunicorn.config import Config
from gunicorn.glogging import Logger

from webapp.logs import JsonLineFormatter, loggable_path


def _log_format() -> str:
    production = os.environ.get("SAMEN_ENV", "development") == "production"
    return os.environ.get("SAMEN_LOG_FORMAT") or ("json" if production else "text")


def _without_query_strings(record: logging.LogRecord) -> bool:
    """Gunicorn's own error lines name the request's URI ("Error handling request /bewoners?zoek=..."): keep the
    path only."""
    if isinstance(record.args, tuple):
        record.args = tuple(
            loggable_path(arg.split("?", 1)[0]) if isinstance(arg, str) and arg.startswith("/") else arg
            for arg in record.args
        )
    return True


class SamenLogger(Logger):
    """Gunicorn's logger with an access log that leaves out the query string, address, referrer and user agent."""

    def setup(self, cfg: Config) -> None:
        super().setup(cfg)
        self.error_log.addFilter(_without_query_strings)
        if _log_format() == "json":
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    handler.setFormatter(JsonLineFormatter())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        fields = {
            "event": "request",
            "method": environ.get("REQUEST_METHOD", "-"),
            "path": loggable_path(environ.get("PATH_INFO", "-")),
            "status": int(status),
            "bytes": getattr(resp, "sent", None),
            "duration_ms": request_time.seconds * 1000 + request_time.microseconds // 1000,
        }
        message = "{method} {path} {status} {duration_ms}ms".format(**fields)
        try:
            self.access_log.log(logging.INFO, message, extra=fields)
        except Exception:  # a log line must never break a response
            self.exception("access log line failed")


logger_class = SamenLogger
accesslog = "-"
errorlog = "-"
