"""The audit trail for admins: who saw or changed what, searchable by person, action and time."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from sqlalchemy import func, select

from webapp.auditlog.forms import WITHOUT_ACCOUNT, AuditSearchForm
from webapp.enums import AuditAction, AuditSubject
from webapp.extensions import db
from webapp.labels import label
from webapp.models import AuditEvent, Role, User
from webapp.security import roles_required
from webapp.services import audit

bp = Blueprint("auditlog", __name__, url_prefix="/beheer/audit")

# Where the record of each kind of subject is shown (the others have no page of their own).
SUBJECT_PAGES = {
    AuditSubject.RESIDENT: ("residents.resident_detail", "resident_id"),
    AuditSubject.VOLUNTEER: ("coordination.volunteer_detail", "volunteer_id"),
    AuditSubject.MATCH: ("matches.match_detail", "match_id"),
    AuditSubject.SUBJECT_REQUEST: ("rights.request_detail", "request_id"),
    AuditSubject.USER: ("admin.edit_account", "user_id"),
    AuditSubject.ORGANISATION: ("admin.edit_organisation", "organisation_id"),
}


def _accounts() -> list[tuple[int, str]]:
    users = db.session.execute(select(User.id, User.name).order_by(func.lower(User.name), User.id)).all()
    return [(user_id, name) for user_id, name in users]


def _search_from(form: AuditSearchForm) -> audit.AuditSearch:
    account = form.account.data or ""
    return audit.AuditSearch(
        subject_type=AuditSubject(form.soort.data) if form.soort.data else None,
        subject_id=form.nummer.data,
        user_id=int(account) if account and account != WITHOUT_ACCOUNT else None,
        without_user=account == WITHOUT_ACCOUNT,
        action=AuditAction(form.actie.data) if form.actie.data else None,
        from_day=form.van.data,
        to_day=form.tot.data,
    )


def _label_or_value(enum_class: Any, value: str) -> str:
    """A stored value's label; a value no longer in the enumeration is shown as it is."""
    try:
        return label(enum_class(value))
    except ValueError:
        return value


def _subject_link(event: AuditEvent) -> str:
    try:
        page = SUBJECT_PAGES.get(AuditSubject(event.subject_type))
    except ValueError:
        page = None
    if page is None or event.subject_id is None:
        return ""
    endpoint, argument = page
    return url_for(endpoint, **{argument: event.subject_id})


def _detail_text(event: AuditEvent) -> str:
    """The detail as ``key: value`` pairs (ids, codes and numbers only: see webapp.services.audit)."""
    return "; ".join(f"{key}: {value}" for key, value in sorted((event.detail or {}).items()))


@bp.route("/")
@roles_required(Role.ADMIN)
def search() -> tuple[str, int]:
    """Who saw or changed what: filters by whose record, account, action and days; the newest first."""
    form = AuditSearchForm(formdata=request.args, accounts=_accounts())
    if not form.validate():
        return render_template("auditlog/search.html", form=form, page=None, rows=[]), 400
    page = db.paginate(
        audit.search_query(_search_from(form)),
        page=max(1, request.args.get("pagina", 1, type=int) or 1),
        per_page=current_app.config["SAMEN_PAGE_SIZE"],
        error_out=False,
    )
    users = audit.accounts_by_id(db.session, page.items)
    rows = [
        {
            "event": event,
            "user": users.get(event.user_id) if event.user_id is not None else None,
            "action": _label_or_value(AuditAction, event.action),
            "subject": _label_or_value(AuditSubject, event.subject_type),
            "link": _subject_link(event),
            "detail": _detail_text(event),
        }
        for event in page.items
    ]
    return render_template("auditlog/search.html", form=form, page=page, rows=rows), 200
