"""Coordinator work: the Monday-morning dashboard, the volunteer list, a volunteer's file, screening, stopping."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from webapp import catalogue, labels
from webapp.clock import local_today
from webapp.coordination.forms import (
    ScreeningForm,
    StopVolunteerForm,
    VolunteerFilterForm,
)
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    IntakeOutcome,
    Match,
    Programme,
    Proposal,
    ProposalStatus,
    Resident,
    ResidentStatus,
    User,
    VogStatus,
    Volunteer,
    volunteer_programmes,
)
from webapp.reasons import blocker_text
from webapp.rules import age_on, eligibility_blockers, eligible_programmes, vog_is_valid, vog_valid_until
from webapp.security import COORDINATION, roles_required
from webapp.services import screening as screening_service
from webapp.services.errors import Conflict, DomainError
from webapp.services.screening import Screening, conflict_message, record_screening
from webapp.templating import when

bp = Blueprint("coordination", __name__)


def _vog_years() -> int:
    return int(current_app.config["SAMEN_VOG_VALID_YEARS"])


def _programmes() -> list[Programme]:
    return list(db.session.scalars(select(Programme).order_by(Programme.sort_order, Programme.code)))


def _count(statement: Select[Any]) -> int:
    return db.session.scalar(statement) or 0


def _badges(today: date) -> dict[str, Any]:
    """Helpers the templates use to show a volunteer's screening state and VOG as a badge."""
    years = _vog_years()

    def screening_badge(volunteer: Volunteer) -> tuple[str, str]:
        if volunteer.stopped_at is not None:
            return "neutral", _("gestopt")
        if volunteer.intake_outcome is None:
            return "warn", _("nieuw")
        kind = {IntakeOutcome.GESCHIKT: "ok", IntakeOutcome.TWIJFEL: "warn"}.get(volunteer.intake_outcome, "bad")
        return kind, labels.label(volunteer.intake_outcome)

    def vog_badge(volunteer: Volunteer) -> tuple[str, str]:
        status = volunteer.vog_status
        if status is VogStatus.AFGEGEVEN:
            if vog_is_valid(volunteer, today, years):
                return "ok", _("VOG geldig")
            return "bad", _("VOG verlopen")
        if status is VogStatus.AANGEVRAAGD:
            return "warn", _("VOG aangevraagd")
        if status is VogStatus.AFGEWEZEN:
            return "bad", _("VOG afgewezen")
        return "neutral", _("geen VOG")

    return {"screening_badge": screening_badge, "vog_badge": vog_badge, "today": today}


@bp.route("/coordinatie")
@roles_required(*COORDINATION)
def dashboard() -> str:
    """What needs doing this week: intakes, VOGs, free places per programme, waiting residents, proposals."""
    today = local_today()
    active = Volunteer.stopped_at.is_(None)
    new_signups = _count(select(func.count(Volunteer.id)).where(active, Volunteer.intake_outcome.is_(None)))
    vog_pending = _count(select(func.count(Volunteer.id)).where(active, Volunteer.vog_status == VogStatus.AANGEVRAAGD))
    oldest_vog_request = db.session.scalar(
        select(func.min(Volunteer.vog_requested_on)).where(active, Volunteer.vog_status == VogStatus.AANGEVRAAGD)
    )

    programmes = _programmes()
    by_code = {p.code: p for p in programmes}
    available = _suitable_with_room()
    suitable_free: Counter[str] = Counter()
    ready: Counter[str] = Counter()
    for volunteer in available:
        suitable_free.update(volunteer.programme_codes)
        ready.update(eligible_programmes(volunteer, by_code, today, _vog_years()))

    waiting = Resident.status == ResidentStatus.WACHTEND
    waiting_count = _count(select(func.count(Resident.id)).where(waiting))
    oldest_waiting = db.session.scalar(select(func.min(Resident.waiting_since)).where(waiting))
    waiting_by_programme = dict(
        db.session.execute(
            select(Resident.programme_code, func.count(Resident.id)).where(waiting).group_by(Resident.programme_code)
        ).all()
    )
    rows = [
        {
            "programme": p,
            "suitable_free": suitable_free[p.code],
            "ready": ready[p.code],
            "waiting": waiting_by_programme.get(p.code, 0),
        }
        for p in programmes
        if p.active or suitable_free[p.code] or waiting_by_programme.get(p.code)
    ]
    return render_template(
        "coordination/dashboard.html",
        new_signups=new_signups,
        vog_pending=vog_pending,
        oldest_vog_request_days=(today - oldest_vog_request).days if oldest_vog_request else None,
        rows=rows,
        suitable_free_total=len(available),
        waiting_count=waiting_count,
        longest_wait_days=max(0, (today - oldest_waiting).days) if oldest_waiting else None,
        open_proposals=_count(select(func.count(Proposal.id)).where(Proposal.status == ProposalStatus.OPEN)),
        active_matches=_count(select(func.count(Match.id)).where(Match.holds_place)),
        vog_years=_vog_years(),
    )


@dataclass(frozen=True)
class _ScreeningFacts:
    """Just what the eligibility rule reads, without loading whole volunteers (their JSON columns) on every view."""

    programme_codes: list[str]
    intake_outcome: IntakeOutcome | None
    stopped_at: datetime | None
    capacity: int
    places_taken: int
    vog_status: VogStatus
    vog_issued_on: date | None


def _suitable_with_room() -> list[_ScreeningFacts]:
    """Suitable volunteers who have not stopped and have a free place, as screening facts."""
    where = (
        Volunteer.stopped_at.is_(None),
        Volunteer.intake_outcome == IntakeOutcome.GESCHIKT,
        Volunteer.capacity > Volunteer.places_taken,
    )
    programmes: dict[int, list[str]] = defaultdict(list)
    for volunteer_id, code in db.session.execute(
        select(volunteer_programmes.c.volunteer_id, volunteer_programmes.c.programme_code)
        .join(Volunteer, Volunteer.id == volunteer_programmes.c.volunteer_id)
        .where(*where)
    ):
        programmes[volunteer_id].append(code)
    rows = db.session.execute(
        select(
            Volunteer.id,
            Volunteer.intake_outcome,
            Volunteer.stopped_at,
            Volunteer.capacity,
            Volunteer.places_taken,
            Volunteer.vog_status,
            Volunteer.vog_issued_on,
        ).where(*where)
    )
    return [_ScreeningFacts(programmes[row[0]], *row[1:]) for row in rows]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(form: VolunteerFilterForm) -> Select[Any]:
    statement = select(Volunteer).options(selectinload(Volunteer.programmes))
    status = form.status.data if not form.status.errors else ""
    if status == "gestopt":
        statement = statement.where(Volunteer.stopped_at.is_not(None))
    elif status == "nieuw":
        statement = statement.where(Volunteer.stopped_at.is_(None), Volunteer.intake_outcome.is_(None))
    elif status:
        statement = statement.where(Volunteer.stopped_at.is_(None), Volunteer.intake_outcome == IntakeOutcome(status))
    if form.programma.data and not form.programma.errors:
        statement = statement.where(Volunteer.programmes.any(Programme.code == form.programma.data))
    if form.vog.data and not form.vog.errors:
        statement = statement.where(Volunteer.vog_status == VogStatus(form.vog.data))
    if form.plek.data:
        statement = statement.where(Volunteer.capacity > Volunteer.places_taken)
    query = (form.q.data or "").strip() if not form.q.errors else ""
    if query:
        pattern = f"%{_escape_like(query)}%"
        compact = f"%{_escape_like(query.replace(' ', '').upper())}%"
        statement = statement.where(
            or_(
                (Volunteer.first_name + " " + Volunteer.last_name).ilike(pattern, escape="\\"),
                Volunteer.email.ilike(pattern, escape="\\"),
                func.replace(func.upper(Volunteer.postcode), " ", "").like(compact, escape="\\"),
            )
        )
    return statement.order_by(Volunteer.created_at.desc(), Volunteer.id.desc())


@bp.route("/vrijwilligers")
@roles_required(*COORDINATION)
def volunteers() -> str:
    """The volunteer list with filters on screening state, programme, VOG, free place and a search."""
    form = VolunteerFilterForm(formdata=request.args)
    form.programma.choices = [("", _("alle"))] + [
        (p.code, catalogue.label(catalogue.PROGRAMMES, p.code)) for p in _programmes()
    ]
    form.validate()
    page = db.paginate(
        _filtered(form),
        page=request.args.get("pagina", 1, type=int),
        per_page=current_app.config["SAMEN_PAGE_SIZE"],
        error_out=False,
    )
    filtered = any(request.args.get(name) for name in ("q", "status", "programma", "vog", "plek"))
    return render_template(
        "coordination/volunteers.html",
        form=form,
        page=page,
        filtered=filtered,
        **_badges(local_today()),
    )


def _volunteer_or_404(volunteer_id: int) -> Volunteer:
    return db.get_or_404(Volunteer, volunteer_id)


def _history(volunteer: Volunteer) -> list[dict[str, Any]]:
    """The volunteer's audit trail in words a coordinator reads, newest first."""
    events = db.session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.subject_type == "volunteer", AuditEvent.subject_id == volunteer.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    ).all()
    return [{"event": event, "who": who, "lines": _history_lines(event)} for event, who in events]


def _label_of(enum_class: Any, value: str) -> str:
    """A stored value's label; an old value no longer in the enumeration is shown as it is."""
    try:
        return labels.label(enum_class(value))
    except ValueError:
        return value


def _parse_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _history_lines(event: AuditEvent) -> list[str]:
    detail = event.detail or {}
    lines: list[str] = []
    if event.action == "volunteer.signed_up":
        lines.append(_("Aangemeld via de website"))
    elif event.action == "volunteer.stopped":
        lines.append(_("Gestopt. Reden: %(reason)s", reason=detail.get("reason") or _("niet opgegeven")))
    elif event.action == "volunteer.screened":
        if "intake" in detail:
            outcome = detail["intake"].get("outcome")
            label = _label_of(IntakeOutcome, outcome) if outcome else _("nog geen gesprek")
            on = _parse_date(detail["intake"].get("on"))
            line = _("Kennismakingsgesprek: %(outcome)s", outcome=label) + (f" ({when(on)})" if on else "")
            if detail["intake"].get("notes_changed"):
                line += _("; aantekeningen bijgewerkt")
            lines.append(line)
        if "vog" in detail:
            status = detail["vog"].get("status")
            lines.append(_("VOG: %(status)s", status=_label_of(VogStatus, status)))
        if "capacity" in detail:
            lines.append(
                _("Capaciteit: %(old)s → %(new)s", old=detail["capacity"].get("from"), new=detail["capacity"].get("to"))
            )
        if "programmes" in detail:
            codes = detail["programmes"].get("to") or []
            lines.append(
                _("Programma's: %(names)s", names=", ".join(catalogue.label(catalogue.PROGRAMMES, c) for c in codes))
            )
    else:
        lines.append(event.action)
    return lines


def _render_detail(volunteer: Volunteer, stop_form: StopVolunteerForm, status: int = 200, problem: str = "") -> Any:
    today = local_today()
    programmes = {p.code: p for p in _programmes()}
    blockers = eligibility_blockers(volunteer, programmes, today, _vog_years())
    matches = db.session.scalars(
        select(Match)
        .options(selectinload(Match.resident))
        .where(Match.volunteer_id == volunteer.id, Match.holds_place)
        .order_by(Match.created_at)
    ).all()
    return render_template(
        "coordination/volunteer_detail.html",
        volunteer=volunteer,
        age=age_on(volunteer.birth_date, today),
        eligibility=[
            {
                "code": code,
                "requires_vog": programmes[code].requires_vog if code in programmes else False,
                "reasons": [blocker_text(b, _vog_years()) for b in reasons],
            }
            for code, reasons in blockers.items()
        ],
        vog_valid_until=vog_valid_until(volunteer, _vog_years()),
        matches=matches,
        history=_history(volunteer),
        stop_form=stop_form,
        problem=problem,
        **_badges(today),
    ), status


@bp.route("/vrijwilligers/<int:volunteer_id>")
@roles_required(*COORDINATION)
def volunteer_detail(volunteer_id: int) -> Any:
    """Everything the volunteer told us, their screening, eligibility per programme and current matches."""
    volunteer = _volunteer_or_404(volunteer_id)
    stop_form = StopVolunteerForm(formdata=None, data={"version": str(volunteer.version)})
    return _render_detail(volunteer, stop_form)


def _programme_choices(volunteer: Volunteer) -> list[tuple[str, str]]:
    chosen = set(volunteer.programme_codes)
    choices = []
    for programme in _programmes():
        if not programme.active and programme.code not in chosen:
            continue
        label = catalogue.label(catalogue.PROGRAMMES, programme.code)
        if programme.requires_vog:
            label = _("%(programme)s (VOG nodig)", programme=label)
        choices.append((programme.code, label))
    return choices


def _screening_from(form: ScreeningForm) -> Screening:
    return Screening(
        intake_outcome=IntakeOutcome(form.intake_outcome.data) if form.intake_outcome.data else None,
        intake_on=form.intake_on.data,
        intake_notes=form.intake_notes.data or "",
        vog_status=VogStatus(form.vog_status.data),
        vog_requested_on=form.vog_requested_on.data,
        vog_issued_on=form.vog_issued_on.data,
        capacity=int(form.capacity.data),
        programmes=tuple(form.programmes.data or ()),
        version=int(form.version.data),
    )


@bp.route("/vrijwilligers/<int:volunteer_id>/screening", methods=["GET", "POST"])
@roles_required(*COORDINATION)
def screen_volunteer(volunteer_id: int) -> Any:
    """Record the intake talk, the VOG status (never the document), capacity and programmes."""
    volunteer = _volunteer_or_404(volunteer_id)
    today = local_today()
    in_use = volunteer.places_taken
    initial = None
    if request.method == "GET":
        initial = {
            "intake_outcome": volunteer.intake_outcome.value if volunteer.intake_outcome else "",
            "intake_on": volunteer.intake_on,
            "intake_notes": volunteer.intake_notes,
            "vog_status": volunteer.vog_status.value,
            "vog_requested_on": volunteer.vog_requested_on,
            "vog_issued_on": volunteer.vog_issued_on,
            "capacity": volunteer.capacity,
            "programmes": volunteer.programme_codes,
            "version": str(volunteer.version),
        }
    form = ScreeningForm(data=initial, today=today, active_matches=in_use)
    form.programmes.choices = _programme_choices(volunteer)
    status, problem, conflict = 200, "", False
    if form.validate_on_submit():
        try:
            changed = record_screening(db.session, volunteer, current_user, _screening_from(form))
            db.session.commit()
        except (Conflict, StaleDataError) as error:
            db.session.rollback()
            db.session.refresh(volunteer)
            status, conflict = 409, True
            problem = error.message if isinstance(error, Conflict) else conflict_message()
            form.version.data = str(volunteer.version)
        except DomainError as error:
            db.session.rollback()
            status, problem = 422, error.message
        else:
            if changed:
                flash(_("De screening van %(name)s is opgeslagen.", name=volunteer.full_name), "success")
            else:
                flash(_("Er was niets gewijzigd."), "info")
            return redirect(url_for("coordination.volunteer_detail", volunteer_id=volunteer.id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "coordination/screening.html",
        form=form,
        volunteer=volunteer,
        in_use=in_use,
        problem=problem,
        conflict=conflict,
        **_badges(today),
    ), status


@bp.route("/vrijwilligers/<int:volunteer_id>/stoppen", methods=["POST"])
@roles_required(*COORDINATION)
def stop_volunteer(volunteer_id: int) -> Any:
    """The volunteer stops; refused while they have active matches."""
    volunteer = _volunteer_or_404(volunteer_id)
    form = StopVolunteerForm()
    if not form.validate_on_submit():
        return _render_detail(volunteer, form, 422)
    try:
        screening_service.stop_volunteer(
            db.session, volunteer, current_user, form.reason.data or "", int(form.version.data)
        )
        db.session.commit()
    except (Conflict, StaleDataError) as error:
        db.session.rollback()
        db.session.refresh(volunteer)
        form.version.data = str(volunteer.version)
        message = error.message if isinstance(error, Conflict) else conflict_message()
        return _render_detail(volunteer, form, 409, message)
    except DomainError as error:
        db.session.rollback()
        return _render_detail(volunteer, form, 422, error.message)
    flash(_("%(name)s is gestopt als vrijwilliger.", name=volunteer.full_name), "success")
    return redirect(url_for("coordination.volunteer_detail", volunteer_id=volunteer.id))
