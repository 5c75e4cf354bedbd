"""Recording who saw a person's record: the one helper every page and file that shows a person's data calls.

A GET handler writes nothing, with one exception: the audit row that says who looked. It is committed before the
page is rendered, so that no data leaves the server unrecorded (a failure to record is a 500, not an unrecorded
view). Lists are not recorded row by row: a list shows names to find a record, the record itself is recorded when
it is opened. A page sent back after a refused POST is not recorded again: its GET was.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user

from webapp.enums import AuditSubject
from webapp.extensions import db
from webapp.services import audit


def record_view(subject_type: AuditSubject, subject_id: int, *, via: str = "", **detail: Any) -> None:
    """The signed-in user sees the record ``subject_type`` ``subject_id`` on this page (``via``: a code for the
    page when it is not the record's own, e.g. "match"); recorded and committed at once, for GET only."""
    record_views([(subject_type, subject_id)], via=via, **detail)


def record_views(subjects: list[tuple[AuditSubject, int]], *, via: str = "", **detail: Any) -> None:
    """Several records on one page (a match shows its resident and its volunteer): one row each, one commit."""
    if request.method not in {"GET", "HEAD"}:
        return
    user = current_user._get_current_object() if current_user.is_authenticated else None
    for subject_type, subject_id in subjects:
        audit.viewed(db.session, user, subject_type, subject_id, via=via, **detail)
    db.session.commit()
