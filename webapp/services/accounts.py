"""Staff accounts and partner organisations, managed by an admin (there is no self-registration of staff), and the
account's own use cases: signing in (password, second factor, remember-me), signing out, changing the password.

Every session can be revoked. The signed session cookie and each remember-me token carry the account's
``session_version``; raising it (``end_all_sessions``) ends every session and remember-me token of the account at
once. That happens at sign-out, at a new password, when the second factor is set up or reset, and when the account or
its organisation is deactivated.

The last TOTP time step an account used is kept in ``User.totp_last_step``. A code of that step or an earlier one
is refused, so a code seen over someone's shoulder cannot be used again; the UPDATE that claims a step is
conditional, so two sign-ins with one code never both succeed. ``totp_confirmed_at`` says when the second factor
was set up.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from webapp.enums import AuditAction, AuditSubject
from webapp.labels import label
from webapp.models import Organisation, OrganisationKind, RecoveryCode, RememberToken, Role, User, utcnow
from webapp.security import (
    check_password,
    hash_password,
    matching_totp_step,
    needs_confirmation,
    new_recovery_codes,
    new_remember_secret,
    new_totp_secret,
    normalise_recovery_code,
    same_hash,
    spend_password_time,
    token_hash,
)
from webapp.services import audit
from webapp.services.errors import Conflict, DomainError, FieldError, NotFound

# -- the audit actions of accounts and sign-in, in one place -------------------------------------------------------
LOGIN = AuditAction.AUTH_LOGIN
LOGIN_FAILED = AuditAction.AUTH_LOGIN_FAILED
LOGOUT = AuditAction.AUTH_LOGOUT
REMEMBER_TOKEN_MISUSED = AuditAction.AUTH_REMEMBER_TOKEN_MISUSED
ACCOUNT_CREATED = AuditAction.ACCOUNT_CREATED
ACCOUNT_UPDATED = AuditAction.ACCOUNT_UPDATED
ROLE_CHANGED = AuditAction.ACCOUNT_ROLE_CHANGED
ORGANISATION_CHANGED = AuditAction.ACCOUNT_ORGANISATION_CHANGED
SENSITIVE_ACCESS_CONFIRMED = AuditAction.ACCOUNT_SENSITIVE_ACCESS_CONFIRMED
PASSWORD_CHANGED = AuditAction.ACCOUNT_PASSWORD_CHANGED
PASSWORD_RESET = AuditAction.ACCOUNT_PASSWORD_RESET
TWO_FACTOR_ENROLLED = AuditAction.ACCOUNT_TWO_FACTOR_ENROLLED
TWO_FACTOR_RESET = AuditAction.ACCOUNT_TWO_FACTOR_RESET
ORGANISATION_CREATED = AuditAction.ORGANISATION_CREATED
ORGANISATION_UPDATED = AuditAction.ORGANISATION_UPDATED
AUDIT_ACTIONS = (
    LOGIN,
    LOGIN_FAILED,
    LOGOUT,
    REMEMBER_TOKEN_MISUSED,
    ACCOUNT_CREATED,
    ACCOUNT_UPDATED,
    ROLE_CHANGED,
    ORGANISATION_CHANGED,
    SENSITIVE_ACCESS_CONFIRMED,
    PASSWORD_CHANGED,
    PASSWORD_RESET,
    TWO_FACTOR_ENROLLED,
    TWO_FACTOR_RESET,
    ORGANISATION_CREATED,
    ORGANISATION_UPDATED,
)

# How a sign-in was completed (the ``method`` of an auth.login event).
BY_PASSWORD = "password"
BY_TOTP = "totp"
BY_RECOVERY_CODE = "recovery_code"
BY_REMEMBER_ME = "remember_me"

# No 0/O, 1/l/I: the admin reads the password out or writes it down for the new colleague.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSWORD_GROUPS = 4
PASSWORD_GROUP_LENGTH = 5
MIN_REASON_LENGTH = 10
# How long the cookie a token just replaced still signs in (the same browser's parallel requests).
REMEMBER_GRACE_SECONDS = 60


class EmailTakenError(Conflict):
    pass


class OrganisationNameTakenError(Conflict):
    pass


class SelfLockoutError(DomainError):
    """An admin tried to deactivate or demote their own account, or deactivate their own organisation."""


class SignInRefused(DomainError):
    """The e-mail address and password do not let anyone in (the message says only what may be said)."""


def generate_temporary_password() -> str:
    """Four groups of five characters from a 31-letter alphabet: about 99 bits, e.g. 'k7mpx-2qrta-...'."""
    groups = (
        "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LENGTH)) for _ in range(PASSWORD_GROUPS)
    )
    return "-".join(groups)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_taken(session: Session, email: str, except_user_id: int | None = None) -> bool:
    statement = select(User.id).where(func.lower(User.email) == normalise_email(email))
    if except_user_id is not None:
        statement = statement.where(User.id != except_user_id)
    return session.scalar(statement.limit(1)) is not None


def email_taken_message() -> str:
    return _("Er is al een account met dit e-mailadres. Zoek het op in de lijst en pas dat account aan.")


def organisation_name_taken(session: Session, name: str, except_id: int | None = None) -> bool:
    statement = select(Organisation.id).where(func.lower(Organisation.name) == name.strip().lower())
    if except_id is not None:
        statement = statement.where(Organisation.id != except_id)
    return session.scalar(statement.limit(1)) is not None


def organisation_name_taken_message() -> str:
    return _("Er is al een organisatie met deze naam.")


def _organisation(session: Session, organisation_id: int) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(_("Deze organisatie bestaat niet (meer)."))
    return organisation


def controller_name(session: Session) -> str:
    """The name of the controlling organisation (Welzijn Rijswijk), for messages."""
    name = session.scalar(select(Organisation.name).where(Organisation.is_controller.is_(True)).limit(1))
    return name or "Welzijn Rijswijk"


def may_sign_in(user: User) -> bool:
    return user.active and user.organisation.active


# -- revoking sessions ---------------------------------------------------------------------------------------------


def end_all_sessions(session: Session, user: User) -> None:
    """Every session and remember-me token of the account stops working (this browser's too: the caller starts a
    new session when the account should stay signed in here)."""
    user.session_version = User.session_version + 1
    session.execute(delete(RememberToken).where(RememberToken.user_id == user.id))
    session.flush()
    session.refresh(user, ["session_version"])


def end_sessions_of_organisation(session: Session, organisation: Organisation) -> None:
    members = select(User.id).where(User.organisation_id == organisation.id).scalar_subquery()
    session.execute(
        update(User)
        .where(User.organisation_id == organisation.id)
        .values(session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(RememberToken).where(RememberToken.user_id.in_(members)))
    session.flush()
    for member in organisation.users:
        session.expire(member, ["session_version"])


# -- signing in and out --------------------------------------------------------------------------------------------


def wrong_combination_message() -> str:
    return _("Deze combinatie van e-mailadres en wachtwoord kennen we niet.")


def _failed(session: Session, user: User | None, reason: str) -> None:
    # Never the typed address, password or code: only which account, if any, and why.
    audit.record(session, None, LOGIN_FAILED, AuditSubject.USER, user.id if user is not None else None, reason=reason)


def authenticate(session: Session, email: str, password: str) -> User:
    """The account behind an e-mail address and password; refused (and recorded) otherwise. The caller commits
    either way: the record of a failed attempt, or a password hash upgraded to today's parameters."""
    user = session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))
    if user is None:
        spend_password_time(password)
        _failed(session, None, "unknown_account")
        raise SignInRefused(wrong_combination_message())
    if not check_password(user, password):
        _failed(session, user, "password")
        raise SignInRefused(wrong_combination_message())
    if not user.active:
        _failed(session, user, "account_inactive")
        raise SignInRefused(wrong_combination_message())
    if not user.organisation.active:
        # The password was right, so saying this reveals nothing about it.
        _failed(session, user, "organisation_inactive")
        raise SignInRefused(_("Uw organisatie is niet meer actief; neem contact op met Welzijn Rijswijk."))
    return user


def record_sign_in(session: Session, user: User, method: str) -> None:
    user.last_login_at = utcnow()
    audit.record(session, user, LOGIN, AuditSubject.USER, user.id, method=method)


def sign_out(session: Session, user: User) -> None:
    """Signing out ends every session and remember-me token of the account, not only this browser's."""
    end_all_sessions(session, user)
    audit.record(session, user, LOGOUT, AuditSubject.USER, user.id)


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """The account's own new password; every other session ends (the caller starts a new one here)."""
    if not check_password(user, current):
        raise FieldError("current", _("Dit is niet uw huidige wachtwoord."))
    if new == current:
        raise FieldError("new", _("Kies een ander wachtwoord dan het huidige."))
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    end_all_sessions(session, user)
    audit.record(session, user, PASSWORD_CHANGED, AuditSubject.USER, user.id)


# -- remember-me ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RememberCookie:
    value: str
    expires_at: datetime


def issue_remember_token(session: Session, user: User, days: int, now: datetime | None = None) -> RememberCookie:
    """A new "stay signed in" token: the cookie gets ``selector:validator``, the table the validator's hash."""
    now = now or utcnow()
    selector, validator = new_remember_secret()
    token = RememberToken(
        user_id=user.id,
        selector=selector,
        validator_hash=token_hash(validator),
        session_version=user.session_version,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(token)
    session.flush()
    return RememberCookie(f"{selector}:{validator}", token.expires_at)


def use_remember_token(
    session: Session, cookie: str, now: datetime | None = None
) -> tuple[User, RememberCookie | None] | None:
    """The account a remember-me cookie stands for, and the cookie that replaces it; None when it is refused.

    The token is replaced at each use: same selector, new validator, same expiry. A known selector with a wrong
    validator means a copy was used after the original (or the other way round), so every token and session of the
    account ends. One exception: the validator the token replaced less than ``REMEMBER_GRACE_SECONDS`` ago is the
    same browser asking for several pages at once (tabs restored after a restart); it signs in and keeps the
    cookie the first of those requests got (the replacing cookie is then None)."""
    now = now or utcnow()
    selector, _sep, validator = cookie.partition(":")
    if not selector or not validator or len(selector) > 32 or len(validator) > 100:
        return None
    token = session.scalar(select(RememberToken).where(RememberToken.selector == selector))
    if token is None:
        return None
    user = token.user
    if not same_hash(token.validator_hash, validator):
        if _just_replaced(token, validator, now):
            return (user, None) if _still_valid(token, user, now) else None
        end_all_sessions(session, user)
        audit.record(session, None, REMEMBER_TOKEN_MISUSED, AuditSubject.USER, user.id)
        return None
    if not _still_valid(token, user, now):
        session.delete(token)
        session.flush()
        return None
    new_validator = new_remember_secret()[1]
    # Conditional: of two requests with one cookie, only one replaces it; the other finds it just replaced.
    claimed = session.execute(
        update(RememberToken)
        .where(RememberToken.id == token.id, RememberToken.validator_hash == token.validator_hash)
        .values(
            validator_hash=token_hash(new_validator),
            previous_validator_hash=token.validator_hash,
            replaced_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.expire(token)
        current = session.scalar(select(RememberToken).where(RememberToken.selector == selector))
        if current is not None and _just_replaced(current, validator, now) and _still_valid(current, user, now):
            return user, None
        return None
    session.expire(token)
    return user, RememberCookie(f"{selector}:{new_validator}", token.expires_at)


def _just_replaced(token: RememberToken, validator: str, now: datetime) -> bool:
    return (
        token.previous_validator_hash is not None
        and token.replaced_at is not None
        and now - token.replaced_at <= timedelta(seconds=REMEMBER_GRACE_SECONDS)
        and same_hash(token.previous_validator_hash, validator)
    )


def _still_valid(token: RememberToken, user: User, now: datetime) -> bool:
    return token.expires_at > now and token.session_version == user.session_version and may_sign_in(user)


# -- two-factor sign-in (TOTP) -------------------------------------------------------------------------------------


def has_two_factor(user: User) -> bool:
    return user.totp_secret is not None and user.totp_confirmed_at is not None


def start_two_factor(session: Session, user: User) -> str:
    """A new secret for the authenticator app, not yet in use until a code from the app confirms it."""
    if has_two_factor(user):
        raise Conflict(_("Tweestapsverificatie staat al aan voor uw account."))
    user.totp_secret = new_totp_secret()
    user.totp_confirmed_at = None
    user.totp_last_step = None
    session.flush()
    return user.totp_secret


def wrong_code_message() -> str:
    return _("Deze code klopt niet. Controleer of de tijd op uw telefoon goed staat en typ de nieuwste code.")


def confirm_two_factor(session: Session, user: User, code: str, at_seconds: float) -> list[str]:
    """Turn two-factor sign-in on with a first code from the app; returns the recovery codes, shown once. Every
    other session of the account ends (they were signed in with one factor)."""
    if has_two_factor(user):
        raise Conflict(_("Tweestapsverificatie staat al aan voor uw account."))
    secret = user.totp_secret
    if secret is None:
        raise Conflict(_("Begin opnieuw met het instellen: er is nog geen geheime sleutel gemaakt."))
    step = matching_totp_step(secret, code, at_seconds, after_step=None)
    if step is None:
        raise FieldError("code", wrong_code_message())
    confirmed = session.execute(
        update(User)
        .where(User.id == user.id, User.totp_secret == secret, User.totp_confirmed_at.is_(None))
        .values(totp_confirmed_at=utcnow(), totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if confirmed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("Tweestapsverificatie is intussen al ingesteld of opnieuw begonnen. Laad de pagina opnieuw."))
    session.expire(user, ["totp_confirmed_at", "totp_last_step", "totp_secret"])
    codes = _new_recovery_codes(session, user)
    end_all_sessions(session, user)
    audit.record(session, user, TWO_FACTOR_ENROLLED, AuditSubject.USER, user.id)
    return codes


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = new_recovery_codes()
    session.add_all(RecoveryCode(user_id=user.id, code_hash=token_hash(code)) for code in codes)
    session.flush()
    return codes


def unused_recovery_codes(session: Session, user: User) -> int:
    statement = select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )
    return int(session.scalar(statement) or 0)


def verify_second_factor(session: Session, user: User, code: str, at_seconds: float) -> str:
    """Check the second factor: a code from the app not used before, or an unused recovery code (each works once).
    Returns how (BY_TOTP or BY_RECOVERY_CODE); a refusal is recorded and the caller commits it."""
    secret = user.totp_secret
    if secret is None or not has_two_factor(user):
        raise Conflict(_("Voor dit account staat tweestapsverificatie niet aan. Log opnieuw in."))
    typed = "".join(code.split())
    if typed.isdigit():
        step = matching_totp_step(secret, typed, at_seconds, after_step=user.totp_last_step)
        if step is None:
            used_before = matching_totp_step(secret, typed, at_seconds, after_step=None) is not None
            _failed(session, user, "code_reused" if used_before else "code")
            if used_before:
                raise FieldError("code", _("Deze code is al gebruikt. Wacht op de volgende code in de app."))
            raise FieldError("code", wrong_code_message())
        claimed = session.execute(
            update(User)
            .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        )
        session.expire(user, ["totp_last_step"])
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            _failed(session, user, "code_reused")
            raise FieldError("code", _("Deze code is al gebruikt. Wacht op de volgende code in de app."))
        return BY_TOTP
    recovery = normalise_recovery_code(code)
    if recovery is not None:
        used = session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == token_hash(recovery),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if used.rowcount == 1:  # type: ignore[attr-defined]
            return BY_RECOVERY_CODE
    _failed(session, user, "recovery_code" if recovery is not None else "code")
    raise FieldError(
        "code", _("Deze code klopt niet. Typ de 6 cijfers uit de app, of een herstelcode die u nog niet gebruikte.")
    )


def reset_two_factor(session: Session, actor: User, user: User) -> None:
    """An admin turns a colleague's second factor off (a lost phone): the secret and recovery codes go, every
    session ends; where two factors are required, the colleague sets it up again at the next sign-in."""
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_all_sessions(session, user)
    audit.record(session, actor, TWO_FACTOR_RESET, AuditSubject.USER, user.id)


# -- accounts, managed by an admin ---------------------------------------------------------------------------------


def sensitive_access_message(organisation: Organisation, role: Role, controller: str) -> str:
    return _(
        "Let op: %(organisation)s is niet %(controller)s. Met de rol %(role)s ziet deze medewerker de gegevens van "
        "alle bewoners en vrijwilligers, ook waarom iemand is doorverwezen. Schrijf op waarom dat nodig is "
        "(minstens %(min)d tekens); daarmee bevestigt u de toegang.",
        organisation=organisation.name,
        controller=controller,
        role=label(role),
        min=MIN_REASON_LENGTH,
    )


def _confirm_sensitive_access(session: Session, actor: User, user: User, reason: str) -> None:
    user.sensitive_access_reason = reason
    user.sensitive_access_confirmed_by_id = actor.id
    user.sensitive_access_confirmed_at = utcnow()
    session.flush()
    # The reason is free text: it stays on the account, not in the audit trail.
    audit.record(
        session,
        actor,
        SENSITIVE_ACCESS_CONFIRMED,
        AuditSubject.USER,
        user.id,
        fields=["sensitive_access_reason"],
        role=user.role,
        organisation_id=user.organisation_id,
    )


def _clear_sensitive_access(user: User) -> None:
    user.sensitive_access_reason = ""
    user.sensitive_access_confirmed_by_id = None
    user.sensitive_access_confirmed_at = None


def confirmation_needed(user: User | None, role: Role, organisation: Organisation, *, active: bool = True) -> bool:
    """Whether saving an account with ``role`` at ``organisation`` needs a reason: a sensitive role outside the
    controlling organisation, not yet confirmed for this very role and organisation (``user`` None: a new account)."""
    if not active or not needs_confirmation(role, organisation.is_controller):
        return False
    if user is None or user.sensitive_access_confirmed_at is None:
        return True
    return user.role is not role or user.organisation_id != organisation.id


def access_reason_problem(
    session: Session, user: User | None, role: Role, organisation_id: int, reason: str, *, active: bool = True
) -> FieldError | None:
    """What is wrong with the reason for sensitive access, if anything (said together with the form's other
    mistakes; the use cases check it again)."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or not confirmation_needed(user, role, organisation, active=active):
        return None
    if len(reason.strip()) >= MIN_REASON_LENGTH:
        return None
    return FieldError("access_reason", sensitive_access_message(organisation, role, controller_name(session)))


def _check_reason(
    session: Session, user: User | None, role: Role, organisation: Organisation, reason: str, *, active: bool
) -> str | None:
    """The reason to store when the account needs a confirmation (None when it does not); refused when too short."""
    problem = access_reason_problem(session, user, role, organisation.id, reason, active=active)
    if problem is not None:
        raise problem
    return reason.strip() if confirmation_needed(user, role, organisation, active=active) else None


@dataclass(frozen=True)
class NewAccount:
    name: str
    email: str
    role: Role
    organisation_id: int
    # Needed for a coordinator or admin outside the controlling organisation.
    sensitive_access_reason: str = ""


def create_account(session: Session, actor: User, new: NewAccount) -> tuple[User, str]:
    """A staff account with a temporary password the new colleague must change at first login."""
    if email_taken(session, new.email):
        raise EmailTakenError(email_taken_message())
    organisation = _organisation(session, new.organisation_id)
    if not organisation.active:
        raise DomainError(_("Deze organisatie is niet actief. Kies een actieve organisatie."))
    reason = _check_reason(session, None, new.role, organisation, new.sensitive_access_reason, active=True)
    password = generate_temporary_password()
    user = User(
        name=new.name.strip(),
        email=normalise_email(new.email),
        password_hash=hash_password(password),
        role=new.role,
        organisation=organisation,
        active=True,
        must_change_password=True,
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor, ACCOUNT_CREATED, AuditSubject.USER, user.id, role=user.role, organisation_id=organisation.id
    )
    if reason is not None:
        _confirm_sensitive_access(session, actor, user, reason)
    return user, password


def needs_sensitive_confirmation(user: User) -> bool:
    """True for a coordinator or admin outside the controlling organisation whom no admin confirmed yet."""
    return needs_confirmation(user.role, user.organisation.is_controller) and user.sensitive_access_confirmed_at is None


def update_account(
    session: Session,
    actor: User,
    user: User,
    *,
    name: str,
    role: Role,
    organisation_id: int,
    active: bool,
    sensitive_access_reason: str = "",
) -> list[str]:
    """Change an account's name, role, organisation or whether it may sign in; returns what changed. A coordinator
    or admin outside the controlling organisation needs a reason (again after a change of role or organisation);
    deactivating the account ends its sessions."""
    if user.id == actor.id and not active:
        raise SelfLockoutError(_("U kunt uw eigen account niet op inactief zetten."))
    if user.id == actor.id and role is not Role.ADMIN:
        raise SelfLockoutError(_("U kunt uw eigen rol niet wijzigen: dan bent u geen beheerder meer."))
    organisation = _organisation(session, organisation_id)
    if not organisation.active and organisation.id != user.organisation_id:
        raise DomainError(_("Deze organisatie is niet actief. Kies een actieve organisatie."))
    role_changes = user.role is not role
    organisation_changes = user.organisation_id != organisation.id
    reason = _check_reason(session, user, role, organisation, sensitive_access_reason, active=active)

    changed: dict[str, object] = {}
    if user.name != name.strip():
        changed["name"] = True
        user.name = name.strip()
    if user.active != active:
        changed["active"] = active
        user.active = active
    if changed:
        session.flush()
        # Which fields, and whether the account may still sign in; never the name itself.
        extra = {"active": active} if "active" in changed else {}
        audit.record(session, actor, ACCOUNT_UPDATED, AuditSubject.USER, user.id, fields=list(changed), **extra)
    if role_changes:
        audit.record(
            session, actor, ROLE_CHANGED, AuditSubject.USER, user.id, fields=["role"], **{"from": user.role, "to": role}
        )
        changed["role"] = True
        user.role = role
    if organisation_changes:
        audit.record(
            session,
            actor,
            ORGANISATION_CHANGED,
            AuditSubject.USER,
            user.id,
            fields=["organisation_id"],
            **{"from": user.organisation_id, "to": organisation.id},
        )
        changed["organisation_id"] = True
        user.organisation = organisation
    if role_changes or organisation_changes:
        _clear_sensitive_access(user)
    session.flush()
    if reason is not None:
        _confirm_sensitive_access(session, actor, user, reason)
        changed["sensitive_access"] = True
    if changed.get("active") is False:
        end_all_sessions(session, user)
    return list(changed)


def reset_password(session: Session, actor: User, user: User) -> str:
    """A new temporary password for a colleague who forgot theirs; they must change it at next login, and every
    session of the account ends."""
    if user.id == actor.id:
        raise SelfLockoutError(_("Uw eigen wachtwoord wijzigt u via 'Wachtwoord wijzigen'."))
    password = generate_temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.password_changed_at = utcnow()
    end_all_sessions(session, user)
    audit.record(session, actor, PASSWORD_RESET, AuditSubject.USER, user.id)
    return password


def create_organisation(session: Session, actor: User, *, name: str, kind: OrganisationKind) -> Organisation:
    if organisation_name_taken(session, name):
        raise OrganisationNameTakenError(organisation_name_taken_message())
    organisation = Organisation(name=name.strip(), kind=kind, active=True)
    session.add(organisation)
    session.flush()
    audit.record(session, actor, ORGANISATION_CREATED, AuditSubject.ORGANISATION, organisation.id, kind=kind)
    return organisation


def update_organisation(
    session: Session, actor: User, organisation: Organisation, *, name: str, kind: OrganisationKind, active: bool
) -> list[str]:
    """Rename an organisation, change its kind, or set it (in)active; returns what changed. Deactivating it ends
    the sessions of all its accounts."""
    if organisation_name_taken(session, name, except_id=organisation.id):
        raise OrganisationNameTakenError(organisation_name_taken_message())
    if not active and organisation.active and organisation.id == actor.organisation_id:
        raise SelfLockoutError(_("U kunt uw eigen organisatie niet op inactief zetten: dan kan niemand er meer in."))
    if not active and organisation.active and organisation.is_controller:
        raise SelfLockoutError(
            _(
                "%(name)s is de verwerkingsverantwoordelijke en blijft actief: zonder kan niemand Samen beheren.",
                name=organisation.name,
            )
        )
    changed: dict[str, object] = {}
    if organisation.name != name.strip():
        changed["name"] = True  # the audit trail names the field, never the text
        organisation.name = name.strip()
    if organisation.kind is not kind:
        changed["kind"] = {"from": organisation.kind, "to": kind}
        organisation.kind = kind
    if organisation.active != active:
        changed["active"] = active
        organisation.active = active
    if changed:
        session.flush()
        detail = {name: value for name, value in changed.items() if name != "name"}
        audit.record(
            session,
            actor,
            ORGANISATION_UPDATED,
            AuditSubject.ORGANISATION,
            organisation.id,
            fields=list(changed),
            **detail,
        )
    if changed.get("active") is False:
        end_sessions_of_organisation(session, organisation)
    return list(changed)
