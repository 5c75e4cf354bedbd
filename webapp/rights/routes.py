"""The AVG's rights for coordinators: data subject requests (access, erasure, ...), exports and erasure.

``/verzoeken/`` lists the open requests, the first due first (overdue ones marked); ``/verzoeken/nieuw`` registers
one about a person found by a search; ``/verzoeken/<id>`` shows one request with the action for its kind (download,
erasure with a confirmation step, restriction, the edit pages for a rectification) and the form to mark it handled.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from webapp.auditlog.trail import record_view
from webapp.clock import local_today
from webapp.enums import RequestKind, RequestStatus, SubjectKind
from webapp.extensions import db
from webapp.labels import choices_for
from webapp.models import SubjectRequest, User
from webapp.rights.forms import KIND_HINTS, VIA_LABELS, ActionForm, EraseForm, ExportForm, HandleForm, RequestForm
from webapp.security import COORDINATION, roles_required
from webapp.services import erasure, subject_rights
from webapp.services.errors import DomainError, FieldError, NotFound
from webapp.services.subject_rights import EXPORT_KINDS, NewRequest
from webapp.templating import when

bp = Blueprint("rights", __name__, url_prefix="/verzoeken")

#: The query parameter that names the person on the form (``?bewoner=12``), per kind.
PERSON_PARAMETERS = {SubjectKind.RESIDENT: "bewoner", SubjectKind.VOLUNTEER: "vrijwilliger"}


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


def _stale() -> str:
    return _("Iemand anders heeft de gegevens van deze persoon net gewijzigd. Bekijk ze en probeer het opnieuw.")


def _no_store(response: Response) -> Response:
    """Pages and files with personal data are never kept by the browser or a proxy."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def rights_helpers() -> dict[str, Any]:
    return {
        "via_label": lambda code: str(VIA_LABELS.get(code, code or "—")),
        "person_url": person_url,
        "request_kinds": RequestKind,
        "subject_kinds": SubjectKind,
    }


def person_url(kind: SubjectKind, person_id: int) -> str:
    if kind is SubjectKind.RESIDENT:
        return url_for("residents.resident_detail", resident_id=person_id)
    return url_for("coordination.volunteer_detail", volunteer_id=person_id)


def _record_view(subject_request: SubjectRequest) -> None:
    """The request's page shows the person: recorded as a view of the person's record."""
    subject = subject_rights.subject_type(subject_request.subject_kind)
    record_view(subject, subject_request.subject_id, via="subject_request", request=subject_request.id)


def _request_or_404(request_id: int) -> SubjectRequest:
    try:
        return subject_rights.get_request(db.session, request_id)
    except NotFound:
        abort(404)


# -- the list -------------------------------------------------------------------------------------------------


@bp.route("/")
@roles_required(*COORDINATION)
def list_requests() -> Response:
    """Open requests, the first due first, overdue ones marked; then the ones handled most recently."""
    today = local_today()
    html = render_template(
        "rights/list.html",
        rows=subject_rights.open_requests(db.session, today),
        handled=subject_rights.recently_handled(db.session, today),
        today=today,
    )
    return _no_store(make_response(html))


# -- a new request --------------------------------------------------------------------------------------------


def _chosen_person(form: RequestForm | None = None) -> tuple[SubjectKind, Any] | None:
    """The person the form is about: from the hidden fields after a POST, else from ``?bewoner=`` or
    ``?vrijwilliger=``."""
    chosen: tuple[SubjectKind, int] | None = None
    if form is not None and request.method == "POST":
        chosen = form.subject()
    else:
        for kind, parameter in PERSON_PARAMETERS.items():
            value = request.args.get(parameter, "")
            if value.isdigit() and len(value) < 10:
                chosen = (kind, int(value))
                break
    if chosen is None:
        return None
    person = subject_rights.find_person(db.session, *chosen)
    if person is None or person.anonymised_at is not None:
        return None
    return chosen[0], person


def _render_new(form: RequestForm, status: int = 200, problem: str = "") -> Response:
    text = request.args.get("zoek", "").strip()[:100]
    chosen = _chosen_person(form)
    if chosen is not None and request.method == "GET":
        form.subject_kind.data, form.subject_id.data = chosen[0].value, str(chosen[1].id)
    html = render_template(
        "rights/new.html",
        form=form,
        text=text,
        hits=subject_rights.find_people(db.session, text) if text and chosen is None else [],
        chosen=chosen,
        kind_hints=KIND_HINTS,
        person_parameters=PERSON_PARAMETERS,
        problem=problem,
    )
    return _no_store(make_response(html, status))


@bp.route("/nieuw", methods=["GET", "POST"])
@roles_required(*COORDINATION)
def new_request() -> Response:
    """Register a request: find the person, then what they ask, when and how it came in."""
    form = RequestForm()
    if request.method == "GET":
        return _render_new(form)
    if not form.validate_on_submit():
        return _render_new(form, 422)
    chosen = form.subject()
    if chosen is None:
        return _render_new(form, 422, _("Kies de persoon om wie het gaat."))
    try:
        created = subject_rights.register_request(
            db.session,
            _me(),
            NewRequest(
                kind=RequestKind(form.kind.data),
                subject_kind=chosen[0],
                subject_id=chosen[1],
                received_on=form.received_on.data,
                received_via=form.received_via.data or "",
                note=form.note.data or "",
            ),
            today=local_today(),
        )
        db.session.commit()
    except FieldError as error:
        db.session.rollback()
        field = getattr(form, error.field, None)
        if field is None or error.field in ("subject_kind", "subject_id"):
            return _render_new(form, 422, error.message)
        field.errors = [*field.errors, error.message]
        return _render_new(form, 422)
    except DomainError as error:
        db.session.rollback()
        return _render_new(form, 409, error.message)
    flash(
        _("Het verzoek is geregistreerd. Het moet uiterlijk %(date)s beantwoord zijn.", date=when(created.due_on)),
        "success",
    )
    return redirect(url_for("rights.request_detail", request_id=created.id))


# -- one request ----------------------------------------------------------------------------------------------


def _handle_form(subject_request: SubjectRequest, submitted: bool = False) -> HandleForm:
    """An erasure request is handled by the erasure itself: its form only refuses."""
    form = HandleForm() if submitted else HandleForm(formdata=None)
    if subject_request.kind is RequestKind.ERASURE:
        form.outcome.choices = choices_for([RequestStatus.REFUSED])
    return form


def _render_detail(
    subject_request: SubjectRequest,
    status: int = 200,
    problem: str = "",
    handle_form: HandleForm | None = None,
) -> Response:
    today = local_today()
    row = subject_rights.request_row(db.session, subject_request, today)
    person = row.person
    refusal = None
    if person is not None and subject_request.kind is RequestKind.ERASURE:
        refusal = erasure.erasure_refusal(db.session, subject_request.subject_kind, person)
    html = render_template(
        "rights/detail.html",
        row=row,
        subject_request=subject_request,
        person=person,
        is_open=subject_request.status is RequestStatus.OPEN,
        exportable=subject_request.kind in EXPORT_KINDS,
        erasure_refusal=refusal,
        handle_form=handle_form or _handle_form(subject_request),
        export_form=ExportForm(formdata=None),
        action_form=ActionForm(formdata=None),
        problem=problem,
        today=today,
    )
    return _no_store(make_response(html, status))


@bp.route("/<int:request_id>")
@roles_required(*COORDINATION)
def request_detail(request_id: int) -> Response:
    """One request: whose, when due, and the action for its kind."""
    subject_request = _request_or_404(request_id)
    _record_view(subject_request)
    return _render_detail(_request_or_404(request_id))


@bp.route("/<int:request_id>/afhandelen", methods=["POST"])
@roles_required(*COORDINATION)
def handle_request(request_id: int) -> Response:
    """Mark the request done or refused, with a note."""
    subject_request = _request_or_404(request_id)
    form = _handle_form(subject_request, submitted=True)
    if subject_request.status is not RequestStatus.OPEN:
        return _render_detail(subject_request, 409, subject_rights.already_handled())
    if not form.validate_on_submit():
        return _render_detail(subject_request, 422, handle_form=form)
    try:
        subject_rights.handle_request(
            db.session, _me(), request_id, RequestStatus(form.outcome.data), form.note.data or ""
        )
        db.session.commit()
    except FieldError as error:
        db.session.rollback()
        field = getattr(form, error.field, None)
        if field is not None:
            field.errors = [*field.errors, error.message]
        return _render_detail(_request_or_404(request_id), 422, "" if field is not None else error.message, form)
    except DomainError as error:
        db.session.rollback()
        return _render_detail(_request_or_404(request_id), 409, error.message)
    flash(_("Het verzoek is afgehandeld."), "success")
    return redirect(url_for("rights.request_detail", request_id=request_id))


@bp.route("/<int:request_id>/download", methods=["POST"])
@roles_required(*COORDINATION)
def download(request_id: int) -> Response:
    """Everything about the person as JSON or as a zip of CSV files (recorded in the audit trail)."""
    _request_or_404(request_id)
    form = ExportForm()
    if not form.validate_on_submit():
        return _render_detail(_request_or_404(request_id), 422, _("Kies JSON of CSV."))
    try:
        name, content = subject_rights.export_for_request(db.session, _me(), request_id, form.file_format.data or "")
        db.session.commit()
    except FieldError as error:
        db.session.rollback()
        return _render_detail(_request_or_404(request_id), 422, error.message)
    except DomainError as error:
        db.session.rollback()
        return _render_detail(_request_or_404(request_id), 409, error.message)
    response = make_response(content)
    response.headers["Content-Type"] = "application/json" if name.endswith(".json") else "application/zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return _no_store(response)


@bp.route("/<int:request_id>/wissen", methods=["GET", "POST"])
@roles_required(*COORDINATION)
def erase(request_id: int) -> Response:
    """The confirmation step of an erasure, then the erasure itself; the request is handled with it."""
    subject_request = _request_or_404(request_id)
    _record_view(subject_request)
    form = EraseForm()
    problem = ""
    status = 200
    if subject_request.kind is not RequestKind.ERASURE:
        return _render_detail(subject_request, 409, _("Dit kan niet bij een verzoek van deze soort."))
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 422
        else:
            try:
                subject_rights.erase_for_request(db.session, _me(), request_id)
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                problem, status = error.message, 409
            except StaleDataError:
                db.session.rollback()
                problem, status = _stale(), 409
            else:
                flash(_("De gegevens zijn gewist. Het verzoek is afgehandeld."), "success")
                return redirect(url_for("rights.request_detail", request_id=request_id))
    subject_request = _request_or_404(request_id)
    person = subject_rights.find_person(db.session, subject_request.subject_kind, subject_request.subject_id)
    refusal = erasure.erasure_refusal(db.session, subject_request.subject_kind, person) if person else None
    if subject_request.status is not RequestStatus.OPEN and not problem:
        refusal = subject_rights.already_handled()
        status = 409 if request.method == "POST" else status
    html = render_template(
        "rights/erase.html",
        subject_request=subject_request,
        person=person,
        form=form,
        refusal=refusal,
        problem=problem,
    )
    return _no_store(make_response(html, status))


def _restriction(request_id: int, *, restricted: bool) -> Response:
    _request_or_404(request_id)
    if not ActionForm().validate_on_submit():
        return _render_detail(_request_or_404(request_id), 422, _("Het formulier was verlopen. Probeer het nog eens."))
    try:
        subject_rights.set_restriction(db.session, _me(), request_id, restricted=restricted)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _render_detail(_request_or_404(request_id), 409, error.message)
    except StaleDataError:
        db.session.rollback()
        return _render_detail(_request_or_404(request_id), 409, _stale())
    flash(
        _("De verwerking is beperkt: niet koppelen, geen e-mails.") if restricted else _("De beperking is opgeheven."),
        "success",
    )
    return redirect(url_for("rights.request_detail", request_id=request_id))


@bp.route("/<int:request_id>/beperken", methods=["POST"])
@roles_required(*COORDINATION)
def restrict(request_id: int) -> Response:
    """Restrict the processing of the person's data at once."""
    return _restriction(request_id, restricted=True)


@bp.route("/<int:request_id>/beperking-opheffen", methods=["POST"])
@roles_required(*COORDINATION)
def lift_restriction(request_id: int) -> Response:
    """Lift the restriction again."""
    return _restriction(request_id, restricted=False)
