"""API tokens: the keys partner systems use for the JSON API (``/api/v1``); the one writer of ``api_tokens``.

A token belongs to one organisation and serves one purpose: ``referrer`` (refer residents, follow the organisation's
referrals) or ``viewer`` (the coalition's figures as a viewer sees them). The secret is shown once, when it is
issued; the table keeps only its hash (``webapp.security.token_hash``: the secret is long and random, not chosen by
a person) and a short prefix to recognise it by in the list. A token stops working at once when it is revoked or
when its organisation is deactivated (the same rule as for the organisation's staff, who are signed out then).

Issuing and revoking are in the audit trail, with the token's id, its organisation and its role; never the name an
admin gave it (free text) nor anything of the secret.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from webapp.enums import AuditAction, AuditSubject, Role
from webapp.models import ApiToken, Organisation, User, utcnow
from webapp.security import token_hash
from webapp.services import audit
from webapp.services.errors import Conflict, FieldError

#: The purposes a token can serve; staff roles (admin, coordinator) are never given to a system.
API_ROLES: tuple[Role, ...] = (Role.REFERRER, Role.VIEWER)
#: What every secret starts with, so that a leaked one is recognised (by secret scanners, by people).
SECRET_START = "samen_"
PREFIX_LENGTH = len(SECRET_START) + 8
NAME_LENGTH = 120
# last_used_at is a hint for admins ("is this key still used?"): writing it on every request would make every read
# a write; once a minute is precise enough.
LAST_USED_PRECISION = timedelta(minutes=1)
_CONTROLS = re.compile("[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class IssuedToken:
    """A token just issued and its secret: the only moment the secret exists outside the partner's system."""

    token: ApiToken
    secret: str


def new_secret() -> str:
    return SECRET_START + secrets.token_urlsafe(32)


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise FieldError("name", _("Geef de sleutel een naam, bijvoorbeeld het systeem dat hem gebruikt."))
    if len(name) > NAME_LENGTH:
        raise FieldError("name", _("De naam is hoogstens %(num)d tekens lang.", num=NAME_LENGTH))
    if _CONTROLS.search(name):
        raise FieldError("name", _("De naam bevat een onzichtbaar teken. Typ hem opnieuw."))
    return name


def issue(session: Session, actor: User | None, organisation: Organisation, role: Role, name: str) -> IssuedToken:
    """A new token for ``organisation`` and ``role`` (``actor`` None: the command line); returns it with its secret,
    which is not stored."""
    if role not in API_ROLES:
        raise FieldError("role", _("Een API-sleutel is voor verwijzen of voor meekijken."))
    if not organisation.active:
        raise FieldError("organisation", _("Deze organisatie is niet actief; geef haar eerst weer toegang."))
    secret = new_secret()
    token = ApiToken(
        organisation=organisation,
        role=role,
        name=_checked_name(name),
        prefix=secret[:PREFIX_LENGTH],
        token_hash=token_hash(secret),
        created_by_id=actor.id if actor is not None else None,
        created_at=utcnow(),
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.API_TOKEN_ISSUED,
        AuditSubject.API_TOKEN,
        token.id,
        organisation_id=organisation.id,
        role=role,
    )
    return IssuedToken(token, secret)


def revoke(session: Session, actor: User, token: ApiToken) -> None:
    """The token stops working at once; it stays listed as revoked."""
    if token.revoked_at is not None:
        raise Conflict(_("Deze sleutel is al ingetrokken."))
    token.revoked_at = utcnow()
    token.revoked_by_id = actor.id
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.API_TOKEN_REVOKED,
        AuditSubject.API_TOKEN,
        token.id,
        organisation_id=token.organisation_id,
        role=token.role,
    )


def in_use(token: ApiToken) -> bool:
    """Whether the token works: not revoked, and its organisation active."""
    return token.revoked_at is None and token.organisation.active


def authenticate(session: Session, secret: str, now: datetime | None = None) -> ApiToken | None:
    """The token whose secret this is, when it works (else None, whatever the reason: a caller learns nothing about
    a revoked or unknown key); notes when it was used."""
    if not secret.startswith(SECRET_START):
        return None
    token = session.scalar(
        select(ApiToken).options(selectinload(ApiToken.organisation)).where(ApiToken.token_hash == token_hash(secret))
    )
    if token is None or not in_use(token):
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
    return token


def listed() -> Select[tuple[ApiToken]]:
    """Every token for the admins' list: working ones first, newest first."""
    return (
        select(ApiToken)
        .options(
            selectinload(ApiToken.organisation), selectinload(ApiToken.created_by), selectinload(ApiToken.revoked_by)
        )
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    )


def find_organisation(session: Session, name: str) -> Organisation | None:
    """The organisation of exactly this name (the command line names it)."""
    return session.scalar(select(Organisation).where(Organisation.name == name.strip()))
