"""What every request and response passes at the edge of the app: the proxy in front, security headers, input
that must never reach the database, and logs without personal data."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def register(app: Flask) -> None:
    proxies = int(app.config["SAMEN_PROXY_COUNT"])
    if proxies:
        # Trust exactly the configured number of proxies for the client's address and scheme (rate limits, HSTS).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
