"""Samen's web application: the app factory reads as a checklist.

Flask is imported inside the factory, not here, so that the pure modules of this package (``webapp.enums``,
``webapp.rules``) load without it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; tests pass a mapping that overrides the configuration."""
    from flask import Flask

    from webapp.config import configure

    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    configure(app, test_config)
    register_extensions(app)
    register_edge(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from webapp.database import configure_engine_events
    from webapp.extensions import babel, csrf, db, limiter, login_manager, migrate
    from webapp.i18n import select_locale

    db.init_app(app)
    with app.app_context():
        configure_engine_events(db.engine)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(__file__), "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    # Sessions that can be revoked (webapp/auth/sessions.py): each request checks the session against the account
    # (session version, idle timeout, absolute lifetime); our own remember-me cookie replaces Flask-Login's
    # (never set: login_user(remember=False) everywhere).
    from webapp.auth import sessions

    login_manager.user_loader(sessions.load_user)
    login_manager.request_loader(sessions.load_user_from_remember_cookie)
    login_manager.unauthorized_handler(sessions.send_to_sign_in)


def register_blueprints(app: Flask) -> None:
    from webapp.admin.routes import bp as admin_bp
    from webapp.auditlog.routes import bp as auditlog_bp
    from webapp.auth.routes import bp as auth_bp
    from webapp.coalition.routes import bp as coalition_bp
    from webapp.coordination.routes import bp as coordination_bp
    from webapp.matches.routes import bp as matches_bp
    from webapp.matching.routes import bp as matching_bp
    from webapp.measure.routes import bp as measure_bp
    from webapp.public.routes import bp as public_bp
    from webapp.referrals.routes import bp as referrals_bp
    from webapp.residents.routes import bp as residents_bp
    from webapp.rights.routes import bp as rights_bp

    blueprints = (
        public_bp,
        auth_bp,
        referrals_bp,
        residents_bp,
        coordination_bp,
        matching_bp,
        matches_bp,
        measure_bp,
        rights_bp,
        admin_bp,
        auditlog_bp,
        coalition_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)

    # The JSON API for partner systems (bearer tokens, OpenAPI 3.1 at /api/v1/openapi.json).
    from webapp.api import register as register_api

    register_api(app)


def register_edge(app: Flask) -> None:
    from webapp.edge import register

    register(app)


def register_error_handlers(app: Flask) -> None:
    from webapp.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from webapp.templating import register

    register(app)


def register_commands(app: Flask) -> None:
    from webapp.commands import register

    register(app)
