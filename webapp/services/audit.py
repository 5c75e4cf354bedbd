"""The audit trail: who did what to whom."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from webapp.models import AuditEvent, User


def record(
    session: Session, user: User | None, action: str, subject_type: str, subject_id: int | None, **detail: Any
) -> None:
    session.add(
        AuditEvent(
            user_id=user.id if user is not None else None,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            detail=detail,
        )
    )
