"""Staff accounts and partner organisations, managed by an admin (there is no self-registration of staff)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.models import Organisation, OrganisationKind, Role, User
from webapp.security import hash_password
from webapp.services import audit
from webapp.services.errors import Conflict, DomainError, NotFound

# No 0/O, 1/l/I: the admin reads the password out or writes it down for the new colleague.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSWORD_GROUPS = 4
PASSWORD_GROUP_LENGTH = 5


class EmailTakenError(Conflict):
    pass


class OrganisationNameTakenError(Conflict):
    pass


class SelfLockoutError(DomainError):
    """An admin tried to deactivate or demote their own account."""


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


@dataclass(frozen=True)
class NewAccount:
    name: str
    email: str
    role: Role
    organisation_id: int


def create_account(session: Session, actor: User, new: NewAccount) -> tuple[User, str]:
    """A staff account with a temporary password the new colleague must change at first login."""
    if email_taken(session, new.email):
        raise EmailTakenError(email_taken_message())
    organisation = _organisation(session, new.organisation_id)
    if not organisation.active:
        raise DomainError(_("Deze organisatie is niet actief. Kies een actieve organisatie."))
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
        session, actor, "account.created", "user", user.id, role=user.role.value, organisation_id=organisation.id
    )
    return user, password


def update_account(
    session: Session, actor: User, user: User, *, name: str, role: Role, organisation_id: int, active: bool
) -> list[str]:
    """Change an account's name, role, organisation or whether it may sign in; returns what changed."""
    if user.id == actor.id and not active:
        raise SelfLockoutError(_("U kunt uw eigen account niet op inactief zetten."))
    if user.id == actor.id and role is not Role.ADMIN:
        raise SelfLockoutError(_("U kunt uw eigen rol niet wijzigen: dan bent u geen beheerder meer."))
    organisation = _organisation(session, organisation_id)
    if not organisation.active and organisation.id != user.organisation_id:
        raise DomainError(_("Deze organisatie is niet actief. Kies een actieve organisatie."))
    changed: dict[str, object] = {}
    if user.name != name.strip():
        changed["name"] = True
        user.name = name.strip()
    if user.role is not role:
        changed["role"] = {"from": user.role.value, "to": role.value}
        user.role = role
    if user.organisation_id != organisation.id:
        changed["organisation_id"] = {"from": user.organisation_id, "to": organisation.id}
        user.organisation = organisation
    if user.active != active:
        changed["active"] = active
        user.active = active
    if changed:
        session.flush()
        audit.record(session, actor, "account.updated", "user", user.id, **changed)
    return list(changed)


def reset_password(session: Session, actor: User, user: User) -> str:
    """A new temporary password for a colleague who forgot theirs; they must change it at next login."""
    if user.id == actor.id:
        raise SelfLockoutError(_("Uw eigen wachtwoord wijzigt u via 'Wachtwoord wijzigen'."))
    password = generate_temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    session.flush()
    audit.record(session, actor, "account.password_reset", "user", user.id)
    return password


def create_organisation(session: Session, actor: User, *, name: str, kind: OrganisationKind) -> Organisation:
    if organisation_name_taken(session, name):
        raise OrganisationNameTakenError(organisation_name_taken_message())
    organisation = Organisation(name=name.strip(), kind=kind, active=True)
    session.add(organisation)
    session.flush()
    audit.record(session, actor, "organisation.created", "organisation", organisation.id, kind=kind.value)
    return organisation


def update_organisation(
    session: Session, actor: User, organisation: Organisation, *, name: str, kind: OrganisationKind, active: bool
) -> list[str]:
    """Rename an organisation, change its kind, or set it (in)active; returns what changed."""
    if organisation_name_taken(session, name, except_id=organisation.id):
        raise OrganisationNameTakenError(organisation_name_taken_message())
    changed: dict[str, object] = {}
    if organisation.name != name.strip():
        changed["name"] = {"from": organisation.name, "to": name.strip()}
        organisation.name = name.strip()
    if organisation.kind is not kind:
        changed["kind"] = {"from": organisation.kind.value, "to": kind.value}
        organisation.kind = kind
    if organisation.active != active:
        changed["active"] = active
        organisation.active = active
    if changed:
        session.flush()
        audit.record(session, actor, "organisation.updated", "organisation", organisation.id, **changed)
    return list(changed)
