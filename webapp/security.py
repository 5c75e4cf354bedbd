"""Passwords (argon2), the secrets of two-factor sign-in and remember-me, and role checks for staff pages.

The crypto helpers here are pure (no database): the accounts service stores what they make, the views call them.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort
from flask_login import current_user, login_required
from werkzeug.exceptions import Forbidden

from webapp.models import Role, User

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12

F = TypeVar("F", bound=Callable[..., Any])


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    """True when ``password`` is the user's; a hash with old parameters is upgraded in place (the caller commits)."""
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


# -- secrets that are stored only as a hash (remember-me validators, recovery codes) ----------------------------


def token_hash(secret: str) -> str:
    """SHA-256 is enough here: these secrets are long random strings, not passwords people choose."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_hash(stored: str, secret: str) -> bool:
    return hmac.compare_digest(stored, token_hash(secret))


def new_remember_secret() -> tuple[str, str]:
    """A selector (finds the row) and a validator (proves the cookie; only its hash is stored)."""
    return secrets.token_hex(12), secrets.token_urlsafe(32)


# No 0/O, 1/l/I: recovery codes are typed from paper.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_COUNT = 10
RECOVERY_GROUPS = 3
RECOVERY_GROUP_LENGTH = 4


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """``count`` codes like 'k7mp-x2qr-tahe' (about 59 bits each)."""
    return [
        "-".join(
            "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP_LENGTH))
            for _ in range(RECOVERY_GROUPS)
        )
        for _ in range(count)
    ]


def normalise_recovery_code(text: str) -> str | None:
    """What someone typed as a recovery code, in the stored form; None when it cannot be one."""
    letters = "".join(c for c in text.lower() if c not in " -")
    if len(letters) != RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH or any(c not in RECOVERY_ALPHABET for c in letters):
        return None
    size = RECOVERY_GROUP_LENGTH
    return "-".join(letters[i : i + size] for i in range(0, len(letters), size))


# -- TOTP (RFC 6238: 6 digits, 30-second steps) ---------------------------------------------------------------

TOTP_STEP_SECONDS = 30
TOTP_DIGITS = 6
# One step either side: a phone clock a little off, or a code typed just as it changed.
TOTP_TOLERANCE_STEPS = 1


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def totp_code(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).generate_otp(step)


def totp_step(at_seconds: float) -> int:
    return int(at_seconds // TOTP_STEP_SECONDS)


def grouped(secret: str, size: int = 4) -> str:
    """'JBSW Y3DP EHPK 3PXP': the secret in groups for typing it into an app by hand."""
    return " ".join(secret[i : i + size] for i in range(0, len(secret), size))


def matching_totp_step(secret: str, code: str, at_seconds: float, after_step: int | None) -> int | None:
    """The time step whose code ``code`` is, within the tolerance and later than ``after_step`` (a code used
    before is refused: without this a code seen over someone's shoulder works for another minute)."""
    digits = "".join(code.split())
    if len(digits) != TOTP_DIGITS or not digits.isdigit():
        return None
    now_step = totp_step(at_seconds)
    for step in range(now_step - TOTP_TOLERANCE_STEPS, now_step + TOTP_TOLERANCE_STEPS + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(totp_code(secret, step), digits):
            return step
    return None


# -- who may see what -----------------------------------------------------------------------------------------

# Roles that see every resident and volunteer (contact details, the reason for a referral, notes).
SENSITIVE_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})


def needs_confirmation(role: Role, organisation_is_controller: bool) -> bool:
    """A sensitive role outside the controlling organisation needs an admin's confirmation with a reason."""
    return role in SENSITIVE_ROLES and not organisation_is_controller


def has_sensitive_access(user: User) -> bool:
    if not needs_confirmation(user.role, user.organisation.is_controller):
        return True
    return user.sensitive_access_confirmed_at is not None


class SensitiveAccessRefused(Forbidden):
    """A coordinator or admin of a partner organisation whose access no admin has confirmed (the auth blueprint
    renders a page that explains this)."""


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Only signed-in staff with one of ``roles``: others are sent to sign in, or refused with 403; a sensitive role
    outside the controlling organisation also needs an admin's confirmation."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            if not has_sensitive_access(current_user):
                raise SensitiveAccessRefused()
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


def must_use_two_factor(role: Role, required: bool) -> bool:
    """Whether an account must sign in with two factors: the sensitive roles, when the setting asks for it."""
    return required and role in SENSITIVE_ROLES


STAFF = (Role.ADMIN, Role.COORDINATOR, Role.REFERRER)
COORDINATION = (Role.COORDINATOR, Role.ADMIN)
