"""Passwords (argon2) and role checks for staff pages."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort
from flask_login import current_user, login_required

from webapp.models import Role, User

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12

F = TypeVar("F", bound=Callable[..., Any])


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    """True when ``password`` is the user's; a hash with old parameters is upgraded in place."""
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


# A fixed hash to verify against when the e-mail address is unknown, so that a login attempt takes as
# long for an unknown address as for a wrong password.
DUMMY_HASH = _hasher.hash("samen-timing-equaliser")


def spend_password_time(password: str) -> None:
    with contextlib.suppress(VerificationError):
        _hasher.verify(DUMMY_HASH, password + "x")


def safe_next(target: str | None) -> str | None:
    """Only a local path: an absolute or protocol-relative URL could send staff to another site."""
    if not target or urlsplit(target).netloc or urlsplit(target).scheme or not target.startswith("/"):
        return None
    if target.startswith("//") or "\\" in target:
        return None
    return target


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Only signed-in staff with one of ``roles``: others are sent to sign in, or refused with 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


STAFF = (Role.ADMIN, Role.COORDINATOR, Role.REFERRER)
COORDINATION = (Role.COORDINATOR, Role.ADMIN)
