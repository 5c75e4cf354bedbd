"""The audit trail: who did what to whose record, and when; append-only, and free of what it is about.

Every row names an action (``AuditAction``, nothing else is accepted), the kind and id of the record it is about
(``AuditSubject``), the account that acted (None: the website or a scheduled job) and the names of the fields it
touched (``fields``), never their values. Audit rows are never changed or deleted (on PostgreSQL a trigger refuses
it, migration 0005), so they outlive an erasure: whatever they hold about a person stays. Hence ``detail`` holds
only what identifies nobody:

- numbers, booleans and None, under any key (ids, counts, whether something happened);
- enumeration members (stored as their value: the vocabulary of ``webapp.enums``);
- codes: a ``str`` (or a ``date``/``datetime``, stored as ISO text) only under a key of ``CODE_KEYS``, and only when
  it looks like a code: lower case letters, digits and ``_ . : -``, no spaces, at most ``CODE_MAX_LENGTH``
  characters (a programme code, an ISO date, a reason code, a role);
- lists and dicts of the above (a dict's keys are identifiers; a list's items are checked under the list's key).

Anything else (a sentence, a name, an e-mail address, a phone number, an object) is refused with ``ValueError``
(a ``TypeError`` for a value of a kind the trail never stores): free text about a person belongs on the person's
record, where erasure reaches it (a volunteer's stopping reason is ``Volunteer.stopped_reason``). The key list
cannot tell a one-word name typed into a code field from a code; it keeps sentences and contact details out and
makes every new kind of detail a visible decision here.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from webapp.clock import stored_moment
from webapp.enums import AuditAction, AuditSubject
from webapp.models import AuditEvent, User

#: The keys of ``detail`` under which a code (a short ``str`` or a date) may be stored.
CODE_KEYS = frozenset(
    {
        # what kind, which code
        "code",
        "format",
        "kind",
        "method",
        "outcome",
        "person_kind",
        "programme",
        "reason",
        "received_via",
        "role",
        "rule",
        "status",
        "taken_over",
        "via",
        # from what to what (the codes of a change: roles, statuses, programmes)
        "from",
        "to",
        "old",
        "new",
        # days
        "counted_from",
        "due_on",
        "intake_on",
        "issued_on",
        "on",
        "requested_on",
        "since",
        "started_on",
        "until",
    }
)
CODE_MAX_LENGTH = 40
CODE = re.compile(r"[a-z0-9][a-z0-9_.:-]*")
# A key of ``detail`` or of a dict in it, and a field name in ``fields``.
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*")
IDENTIFIER_MAX_LENGTH = 60


def _checked_identifier(name: object, what: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"audit {what} must be a str, not {type(name).__name__}")
    if len(name) > IDENTIFIER_MAX_LENGTH or not IDENTIFIER.fullmatch(name):
        raise ValueError(f"audit {what} {name!r} is not an identifier (lower case letters, digits, _ and .)")
    return name


def _checked_value(key: str, value: object) -> Any:
    """The value as the trail stores it, or an error when it could say something about a person."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        return _checked_value(key, value.value) if not isinstance(value, str) else str(value.value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"audit detail {key!r}: {value} is no number the trail stores")
        return value
    if isinstance(value, datetime | date):
        return _checked_value(key, value.isoformat())
    if isinstance(value, str):
        if key not in CODE_KEYS:
            raise ValueError(f"audit detail {key!r} holds text: only ids, numbers, booleans and codes are stored")
        if len(value) > CODE_MAX_LENGTH or not CODE.fullmatch(value):
            raise ValueError(f"audit detail {key!r} holds free text, not a code")
        return value
    if isinstance(value, Mapping):
        return {name: _checked_value(name, item) for name, item in _items(value)}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [_checked_value(key, item) for item in items]
    raise TypeError(f"audit detail {key!r}: a {type(value).__name__} is not stored in the audit trail")


def _items(mapping: Mapping[Any, Any]) -> Iterable[tuple[str, Any]]:
    for name, item in mapping.items():
        yield _checked_identifier(name, "detail key"), item


def checked_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    """``detail`` as the trail stores it; refused (ValueError, TypeError) when it could hold free text."""
    return {name: _checked_value(name, value) for name, value in _items(detail)}


def record(
    session: Session,
    user: User | None,
    action: AuditAction,
    subject_type: AuditSubject | str,
    subject_id: int | None,
    *,
    fields: Iterable[str] = (),
    **detail: Any,
) -> AuditEvent:
    """Add one row to the audit trail (the caller commits): ``user`` did ``action`` to the record ``subject_type``
    ``subject_id``, touching ``fields`` (names only); ``detail`` holds ids, numbers, booleans and codes only (see
    the module's docstring)."""
    if not isinstance(action, AuditAction):
        raise TypeError(f"audit action must be an AuditAction, not {action!r}")
    try:
        subject = AuditSubject(subject_type)
    except ValueError:
        raise TypeError(f"audit subject must be an AuditSubject, not {subject_type!r}") from None
    if subject_id is not None and (isinstance(subject_id, bool) or not isinstance(subject_id, int)):
        raise TypeError(f"audit subject id must be an int or None, not {subject_id!r}")
    if isinstance(fields, str):
        raise TypeError("audit fields must be a list of field names, not one str")
    names = [_checked_identifier(name, "field name") for name in fields]
    event = AuditEvent(
        user_id=user.id if user is not None else None,
        action=action.value,
        subject_type=subject.value,
        subject_id=subject_id,
        fields=list(dict.fromkeys(names)),
        detail=checked_detail(detail),
    )
    session.add(event)
    return event


def viewed(
    session: Session, user: User | None, subject_type: AuditSubject, subject_id: int, *, via: str = "", **detail: Any
) -> AuditEvent:
    """``user`` saw the record ``subject_type`` ``subject_id`` (a page or a file that shows a person's data).
    ``via`` names the page when it is not the record's own (a code, e.g. "match" or "subject_request")."""
    extra = {"via": via} if via else {}
    return record(session, user, AuditAction.VIEWED, subject_type, subject_id, **extra, **detail)


# -- the admins' search ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditSearch:
    """What an admin looks for in the trail; None is "any". Days are local and both ends count."""

    subject_type: AuditSubject | None = None
    subject_id: int | None = None
    user_id: int | None = None
    without_user: bool = False  # the website or a scheduled job, no account
    action: AuditAction | None = None
    from_day: date | None = None
    to_day: date | None = None


def search_query(search: AuditSearch) -> Select[tuple[AuditEvent]]:
    """The audit rows that match, newest first (the subject and user indexes serve the usual filters)."""
    query = select(AuditEvent)
    if search.subject_type is not None:
        query = query.where(AuditEvent.subject_type == search.subject_type.value)
    if search.subject_id is not None:
        query = query.where(AuditEvent.subject_id == search.subject_id)
    if search.without_user:
        query = query.where(AuditEvent.user_id.is_(None))
    elif search.user_id is not None:
        query = query.where(AuditEvent.user_id == search.user_id)
    if search.action is not None:
        query = query.where(AuditEvent.action == search.action.value)
    if search.from_day is not None:
        query = query.where(AuditEvent.at >= stored_moment(search.from_day, time(0)))
    if search.to_day is not None:
        query = query.where(AuditEvent.at < stored_moment(search.to_day + timedelta(days=1), time(0)))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def accounts_by_id(session: Session, events: Iterable[AuditEvent]) -> dict[int, User]:
    """The accounts that acted in ``events``, by id (one query for a page of rows)."""
    ids = {event.user_id for event in events if event.user_id is not None}
    if not ids:
        return {}
    return {user.id: user for user in session.scalars(select(User).where(User.id.in_(ids)))}
