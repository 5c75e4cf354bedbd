"""Residents for coordinators: list and search, intake by phone, detail, edit, intake talk, closing, waiting list."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from webapp import catalogue, consent_forms, labels
from webapp.auditlog.trail import record_view
from webapp.enums import AuditSubject, ConsentPurpose, SubjectKind
from webapp.extensions import db
from webapp.models import Resident, ResidentStatus, User
from webapp.postcodes import pc4_areas
from webapp.residents.forms import (
    STATUS_CHOICES,
    CloseForm,
    IntakeForm,
    PlanIntakeForm,
    ResidentEditForm,
    ResidentIntakeForm,
    resident_form_data,
)
from webapp.security import COORDINATION, roles_required
from webapp.services import consent, measurements, subject_rights
from webapp.services.coalition import waiting_forecast
from webapp.services.errors import Conflict, DomainError, NotFound
from webapp.services.matches import close_resident, holding_match
from webapp.services.residents import (
    ResidentDataError,
    active_programmes,
    age_bounds_text,
    get_resident,
    has_age_bounds,
    matches_for,
    plan_intake,
    proposals_for,
    record_intake,
    register_resident,
    residents_query,
    today,
    update_resident,
    waiting_days,
    waiting_list_query,
)

bp = Blueprint("residents", __name__)


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


def _page() -> int:
    return max(1, request.args.get("pagina", 1, type=int) or 1)


def _resident_or_404(resident_id: int) -> Resident:
    try:
        return get_resident(db.session, resident_id)
    except NotFound:
        abort(404)


def _place(pc4: str) -> str:
    area = pc4_areas().get(pc4)
    return area.place if area else ""


def _programme_filter(programmes: list[Any]) -> str:
    code = request.args.get("programma", "")
    return code if code in {programme.code for programme in programmes} else ""


def _age_bound(programmes: list[Any]) -> list[tuple[Any, str]]:
    return [(programme, age_bounds_text(programme)) for programme in programmes if has_age_bounds(programme)]


@bp.route("/bewoners")
@roles_required(*COORDINATION)
def list_residents() -> str:
    """All residents, filtered by status and programme, searchable by name, postcode and phone."""
    programmes = active_programmes(db.session)
    status_code = request.args.get("status", "")
    status = ResidentStatus(status_code) if status_code in {s.value for s in ResidentStatus} else None
    programme = _programme_filter(programmes)
    text = request.args.get("zoek", "").strip()[:100]
    page = db.paginate(
        residents_query(status, programme, text),
        page=_page(),
        per_page=current_app.config["SAMEN_PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "residents/list.html",
        page=page,
        programmes=programmes,
        status_choices=STATUS_CHOICES,
        chosen_status=status.value if status else "",
        chosen_programme=programme,
        text=text,
        filtered=bool(status or programme or text),
        today=today(),
        waiting_days=waiting_days,
    )


@bp.route("/bewoners/nieuw", methods=["GET", "POST"])
@roles_required(*COORDINATION)
def new_resident() -> str | Response | tuple[str, int]:
    """A coordinator takes a resident in by phone."""
    programmes = active_programmes(db.session)
    form = ResidentIntakeForm(programmes=programmes)
    if form.validate_on_submit():
        try:
            resident = register_resident(
                db.session,
                _me(),
                form.resident_details(),
                form.consent_record(current_app.config["SAMEN_PRIVACY_VERSION"]),
                intake_on=form.intake_on.data,
                notes=form.notes.data or "",
            )
        except ResidentDataError as error:
            db.session.rollback()
            form[error.field].errors = [*form[error.field].errors, error.message]
        else:
            db.session.commit()
            flash(_("%(name)s staat nu op de wachtlijst.", name=resident.full_name), "success")
            return redirect(url_for("residents.resident_detail", resident_id=resident.id))
    status = 422 if request.method == "POST" else 200
    return render_template("residents/new.html", form=form, age_bound=_age_bound(programmes)), status


def _render_detail(
    resident: Resident,
    intake_form: IntakeForm | None = None,
    close_form: CloseForm | None = None,
    plan_form: PlanIntakeForm | None = None,
    status: int = 200,
    give_form: consent_forms.GiveConsentForm | None = None,
    withdraw_form: consent_forms.WithdrawConsentForm | None = None,
    withdraw_purpose: ConsentPurpose | None = None,
) -> tuple[str, int]:
    match = holding_match(db.session, resident.id)
    problem_anchor = (
        "intake-kop"
        if intake_form is not None
        else "plannen-kop"
        if plan_form is not None
        else "afsluiten-kop"
        if close_form is not None
        else "toestemming-vastleggen"
        if give_form is not None
        else f"toestemming-{withdraw_purpose.value}"
        if withdraw_purpose is not None
        else None
    )
    states = consent.current(db.session, resident)
    consent_section = consent_forms.section_context(
        resident,
        states,
        consent.history(db.session, resident),
        give_form or consent_forms.give_form(resident, states, current_app.config["SAMEN_PRIVACY_VERSION"]),
        consent_forms.withdraw_forms(states, withdraw_form, withdraw_purpose),
        url_for("residents.give_consent", resident_id=resident.id),
        lambda purpose: url_for("residents.withdraw_consent", resident_id=resident.id, purpose=purpose.value),
    )
    planned = {"planned_on": resident.intake_planned_on, "planned_at": resident.intake_planned_at}
    html = render_template(
        "residents/detail.html",
        problem_anchor=problem_anchor if status == 422 else None,
        resident=resident,
        referral=resident.referral,
        referral_status=resident.referral.status if resident.referral else None,
        proposals=proposals_for(db.session, resident),
        matches=matches_for(db.session, resident),
        active_match=match,
        waiting_days=waiting_days(resident),
        forecast=waiting_forecast(db.session, resident.programme_code, today()),
        place=_place(resident.pc4),
        intake_form=intake_form or IntakeForm(formdata=None, data={"intake_on": resident.intake_on or today()}),
        plan_form=plan_form or PlanIntakeForm(formdata=None, data=planned),
        close_form=close_form or CloseForm(formdata=None),
        today=today(),
        privacy=subject_rights.rights_of(db.session, SubjectKind.RESIDENT, resident, today()),
        consent=consent_section,
        loneliness=measurements.overview(db.session, resident),
    )
    return html, status


@bp.route("/bewoners/<int:resident_id>")
@roles_required(*COORDINATION)
def resident_detail(resident_id: int) -> tuple[str, int]:
    """Everything about one resident, for coordinators."""
    resident = _resident_or_404(resident_id)
    record_view(AuditSubject.RESIDENT, resident.id)
    return _render_detail(resident)


def _stored_values(resident: Resident, form: ResidentEditForm) -> list[tuple[str, str]]:
    """The stored values that differ from what the coordinator typed, to compare after a conflict."""
    differences = []
    for name, value in resident_form_data(resident).items():
        if name == "version":
            continue
        field = form[name]
        typed = field.parsed[0] if name == "postcode" and getattr(field, "parsed", None) else field.data
        if (typed or None) != (value or None):
            differences.append((str(field.label.text), _display(name, value)))
    return differences


def _display(name: str, value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if name == "programme":
        return catalogue.label(catalogue.PROGRAMMES, value)
    if name == "interests":
        return ", ".join(catalogue.label(catalogue.INTERESTS, code) for code in value)
    if name == "languages":
        return ", ".join(catalogue.label(catalogue.LANGUAGES, code) for code in value)
    if name == "availability":
        return ", ".join(catalogue.slot_label(code) for code in value)
    if name in ("gender", "preferred_gender"):
        return catalogue.label(catalogue.GENDERS, value)
    if name == "max_distance_km":
        return _("tot %(km)s km", km=value)
    if name == "birth_date":
        return value.strftime("%d-%m-%Y")
    return str(value)


@bp.route("/bewoners/<int:resident_id>/bewerken", methods=["GET", "POST"])
@roles_required(*COORDINATION)
def edit_resident(resident_id: int) -> str | Response | tuple[str, int]:
    """Correct a resident's data; refused without losing input when someone else saved in between."""
    resident = _resident_or_404(resident_id)
    if resident.anonymised_at is not None:
        flash(_("De gegevens van deze bewoner zijn gewist; er valt niets meer te wijzigen."), "error")
        return redirect(url_for("residents.resident_detail", resident_id=resident.id))
    record_view(AuditSubject.RESIDENT, resident.id, via="edit")
    programmes = active_programmes(db.session, also=resident.programme_code)
    form_data = None if request.method == "POST" else resident_form_data(resident)
    form = ResidentEditForm(programmes=programmes, data=form_data, current_distance_km=resident.max_distance_km)
    conflict: list[tuple[str, str]] | None = None
    if form.validate_on_submit():
        try:
            changed = update_resident(
                db.session,
                _me(),
                resident,
                form.resident_details(),
                form.notes.data or "",
                expected_version=form.expected_version(),
            )
            db.session.commit()
        except ResidentDataError as error:
            db.session.rollback()
            form[error.field].errors = [*form[error.field].errors, error.message]
        except (Conflict, StaleDataError):
            db.session.rollback()
            resident = _resident_or_404(resident_id)
            conflict = _stored_values(resident, form)
            form.version.data = str(resident.version)
        else:
            if changed:
                flash(_("De gegevens van %(name)s zijn opgeslagen.", name=resident.full_name), "success")
            else:
                flash(_("Er was niets gewijzigd."), "info")
            return redirect(url_for("residents.resident_detail", resident_id=resident.id))
    status = 200 if request.method == "GET" else (409 if conflict is not None else 422)
    return render_template(
        "residents/edit.html", form=form, resident=resident, conflict=conflict, age_bound=_age_bound(programmes)
    ), status


@bp.route("/bewoners/<int:resident_id>/intake", methods=["POST"], endpoint="record_intake")
@roles_required(*COORDINATION)
def record_intake_view(resident_id: int) -> Response | tuple[str, int]:
    """The intake talk with the resident took place today or on a given date."""
    resident = _resident_or_404(resident_id)
    form = IntakeForm()
    if not form.validate_on_submit():
        return _render_detail(resident, intake_form=form, status=422)
    try:
        record_intake(db.session, _me(), resident, form.intake_on.data)
        db.session.commit()
    except ResidentDataError as error:
        db.session.rollback()
        form.intake_on.errors = [*form.intake_on.errors, error.message]
        return _render_detail(_resident_or_404(resident_id), intake_form=form, status=422)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    except StaleDataError:
        db.session.rollback()
        flash(_("Iemand anders heeft deze bewoner net gewijzigd. Bekijk de gegevens en probeer het opnieuw."), "error")
    else:
        flash(_("Het intakegesprek is vastgelegd."), "success")
    return redirect(url_for("residents.resident_detail", resident_id=resident_id))


@bp.route("/bewoners/<int:resident_id>/intake-plannen", methods=["POST"], endpoint="plan_intake")
@roles_required(*COORDINATION)
def plan_intake_view(resident_id: int) -> Response | tuple[str, int]:
    """An appointment for the intake talk, today or later."""
    resident = _resident_or_404(resident_id)
    form = PlanIntakeForm()
    if not form.validate_on_submit():
        return _render_detail(resident, plan_form=form, status=422)
    try:
        plan_intake(db.session, _me(), resident, form.planned_on.data, form.planned_at.data)
        db.session.commit()
    except ResidentDataError as error:
        db.session.rollback()
        form[error.field].errors = [*form[error.field].errors, error.message]
        return _render_detail(_resident_or_404(resident_id), plan_form=form, status=422)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_detail(_resident_or_404(resident_id), status=409)
    except StaleDataError:
        db.session.rollback()
        flash(_("Iemand anders heeft deze bewoner net gewijzigd. Bekijk de gegevens en probeer het opnieuw."), "error")
        return _render_detail(_resident_or_404(resident_id), status=409)
    flash(_("Het intakegesprek is gepland."), "success")
    return redirect(url_for("residents.resident_detail", resident_id=resident_id))


@bp.route("/bewoners/<int:resident_id>/afsluiten", methods=["POST"], endpoint="close_resident")
@roles_required(*COORDINATION)
def close_resident_view(resident_id: int) -> Response | tuple[str, int]:
    """Close a resident's sign-up with a reason; never while a match is active."""
    resident = _resident_or_404(resident_id)
    form = CloseForm()
    if not form.validate_on_submit():
        return _render_detail(resident, close_form=form, status=422)
    try:
        close_resident(db.session, _me(), resident, form.reason.data or "")
        db.session.commit()
    except ResidentDataError as error:
        db.session.rollback()
        form.reason.errors = [*form.reason.errors, error.message]
        return _render_detail(_resident_or_404(resident_id), close_form=form, status=422)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_detail(_resident_or_404(resident_id), close_form=form, status=409)
    except StaleDataError:
        db.session.rollback()
        flash(_("Iemand anders heeft deze bewoner net gewijzigd. Bekijk de gegevens en probeer het opnieuw."), "error")
        return _render_detail(_resident_or_404(resident_id), close_form=form, status=409)
    flash(_("De aanmelding van %(name)s is afgesloten.", name=resident.full_name), "success")
    return redirect(url_for("residents.resident_detail", resident_id=resident_id))


# --- Consent per purpose ---------------------------------------------------------------------------------------


def _purpose_or_404(code: str) -> ConsentPurpose:
    try:
        return ConsentPurpose(code)
    except ValueError:
        abort(404)


@bp.route("/bewoners/<int:resident_id>/toestemming", methods=["POST"], endpoint="give_consent")
@roles_required(*COORDINATION)
def give_consent_view(resident_id: int) -> Response | tuple[str, int]:
    """Record the resident's consent for a purpose not (or no longer) given."""
    resident = _resident_or_404(resident_id)
    states = consent.current(db.session, resident)
    form = consent_forms.give_form(resident, states, "", formdata=request.form)
    if not form.validate_on_submit():
        return _render_detail(resident, give_form=form, status=422)
    given = form.given()
    try:
        consent.give(db.session, resident, given, _me())
        db.session.commit()
    except consent.ConsentError as error:
        db.session.rollback()
        form[error.field].errors = [*form[error.field].errors, error.message]
        return _render_detail(_resident_or_404(resident_id), give_form=form, status=422)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_detail(_resident_or_404(resident_id), status=409)
    flash(_("De toestemming voor %(purpose)s is vastgelegd.", purpose=labels.label(given.purpose)), "success")
    warning = consent.representative_warning(resident, given)
    if warning:
        flash(warning, "warning")
    return redirect(url_for("residents.resident_detail", resident_id=resident_id, _anchor="toestemming"))


@bp.route("/bewoners/<int:resident_id>/toestemming/<purpose>/intrekken", methods=["POST"], endpoint="withdraw_consent")
@roles_required(*COORDINATION)
def withdraw_consent_view(resident_id: int, purpose: str) -> Response | tuple[str, int]:
    """Withdraw the resident's consent for one purpose: that processing stops at once."""
    resident = _resident_or_404(resident_id)
    chosen = _purpose_or_404(purpose)
    form = consent_forms.WithdrawConsentForm(prefix=consent_forms.withdraw_prefix(chosen))
    if not form.validate_on_submit():
        return _render_detail(resident, withdraw_form=form, withdraw_purpose=chosen, status=422)
    try:
        withdrawal = consent.withdraw(db.session, resident, chosen, _me(), form.note.data or "")
        db.session.commit()
    except consent.ConsentError as error:
        db.session.rollback()
        form.note.errors = [*form.note.errors, error.message]
        return _render_detail(_resident_or_404(resident_id), withdraw_form=form, withdraw_purpose=chosen, status=422)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_detail(_resident_or_404(resident_id), status=409)
    flash(_("De toestemming voor %(purpose)s is ingetrokken.", purpose=labels.label(chosen)), "success")
    if withdrawal.lapsed_proposals:
        lapsed = withdrawal.lapsed_proposals
        flash(ngettext("%(num)d open voorstel is vervallen.", "%(num)d open voorstellen zijn vervallen.", lapsed))
    if withdrawal.running_match:
        flash(
            _(
                "Deze bewoner heeft nog een lopende koppeling. Die stopt niet vanzelf: bespreek met de bewoner of de "
                "koppeling beëindigd moet worden."
            ),
            "warning",
        )
    return redirect(url_for("residents.resident_detail", resident_id=resident_id, _anchor="toestemming"))


@bp.route("/wachtlijst")
@roles_required(*COORDINATION)
def waiting_list() -> str:
    """Waiting residents, longest wait first, with days waited and whether the intake is done."""
    programmes = active_programmes(db.session)
    programme = _programme_filter(programmes)
    page = db.paginate(
        waiting_list_query(programme),
        page=_page(),
        per_page=current_app.config["SAMEN_PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "residents/waiting_list.html",
        page=page,
        programmes=programmes,
        chosen_programme=programme,
        today=today(),
        waiting_days=waiting_days,
        place=_place,
    )
