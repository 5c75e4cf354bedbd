"""Flask extensions, created unbound here and bound to the app in the factory."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so that migrations can refer to (and SQLite batch mode can rebuild) them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


# -- rate limits --------------------------------------------------------------------------------------------
# Each limit counts under a key of its own kind, so that two limits with the same rate (say "20 per hour" for
# accepted sign-ups and for sign-ups with errors) never share a counter. Keys hold no e-mail address: the storage
# (Redis in production, shared by all workers) sees a keyed hash of it.


def client_address_key() -> str:
    """Per address (behind ProxyFix: the client's, not the proxy's)."""
    return f"address:{get_remote_address()}"


def typed_account_key() -> str:
    """Per account: the e-mail address typed on the sign-in form, lower-cased, whether or not the account exists."""
    typed = (request.form.get("email") or "").strip().lower()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, typed.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]
    return f"account:{digest}"


def accepted_signup_key() -> str:
    return f"signup-accepted:{get_remote_address()}"


def signup_with_errors_key() -> str:
    return f"signup-errors:{get_remote_address()}"


limiter = Limiter(key_func=client_address_key)
