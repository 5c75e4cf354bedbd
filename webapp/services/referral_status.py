"""The one writer of ``Referral.status``, the minimal status a referrer sees.

Every use case that changes what the rule reads (``webapp.rules.referral_status``: the resident's status and intake
talk) calls ``refresh`` in the same transaction; it records when the status last changed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp import rules
from webapp.enums import AuditAction, AuditSubject, ReferralStatus
from webapp.models import Referral, Resident, utcnow
from webapp.services import audit, outbox_notices


def refresh(session: Session, resident_id: int, at: datetime | None = None) -> ReferralStatus | None:
    """Bring the referral's stored status in line with the rule; returns the new status when it changed."""
    referral = session.scalar(select(Referral).where(Referral.resident_id == resident_id))
    if referral is None:
        return None
    resident = session.get(Resident, resident_id)
    assert resident is not None
    status = rules.referral_status(resident)
    if referral.status is status:
        return None
    previous = referral.status
    referral.status = status
    referral.status_changed_at = at or utcnow()
    session.flush()
    audit.record(
        session,
        None,
        AuditAction.REFERRAL_STATUS_CHANGED,
        AuditSubject.REFERRAL,
        referral.id,
        fields=["status"],
        old=previous,
        new=status,
    )
    # The referrer's notice, in this transaction (it decides itself whether it may be sent).
    outbox_notices.referral_status_changed(session, referral)
    return status
