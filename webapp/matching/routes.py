"""Matching runs, proposals, approval and rejection, choosing a volunteer by hand (coordinators)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from webapp import catalogue, jobs, labels, reasons
from webapp.auditlog.trail import record_view
from webapp.clock import local_today
from webapp.enums import AuditSubject
from webapp.extensions import db
from webapp.matching import presenters
from webapp.matching.forms import ALL_PROGRAMMES, ChooseForm, DecisionForm, RejectForm, StartRunForm, UndoRejectionForm
from webapp.models import (
    Match,
    MatchRun,
    Programme,
    Proposal,
    ProposalStatus,
    Resident,
    ResidentStatus,
    RunFailure,
    RunStage,
    RunWaitingResident,
)
from webapp.security import COORDINATION, roles_required, safe_next
from webapp.services import matches
from webapp.services import matching as service
from webapp.services.errors import DomainError, NotFound
from webapp.templating import when

bp = Blueprint("matching", __name__, url_prefix="/koppelen")

STATUS_FILTERS = {status.value: status for status in ProposalStatus}
#: The largest id a row can have (a 32-bit integer column on PostgreSQL).
MAX_ID = 2**31 - 1


def _open_problem(proposal: Proposal) -> str | None:
    """Why an open proposal can no longer be approved as things stand now (shown instead of the button)."""
    volunteer, resident = proposal.volunteer, proposal.resident
    if volunteer.stopped_at is not None:
        return _("Deze vrijwilliger is gestopt en kan niet meer gekoppeld worden.")
    if volunteer.free_capacity < 1:
        return _("Deze vrijwilliger heeft geen plek meer.")
    if resident.status is ResidentStatus.KENNISMAKING:
        return _("Deze bewoner maakt al kennis met een ander maatje.")
    if resident.status is ResidentStatus.GEKOPPELD:
        return _("Deze bewoner heeft al een maatje.")
    if resident.status is not ResidentStatus.WACHTEND:
        return _("Deze bewoner staat niet meer op de wachtlijst.")
    if resident.intake_on is None:
        return _("Met deze bewoner is nog geen intakegesprek gehouden.")
    return None


@bp.context_processor
def matching_helpers() -> dict[str, Any]:
    return {
        "pair_facts": presenters.pair_facts,
        "score_percent": presenters.score_percent,
        "waiting_reasons": reasons.waiting_reasons,
        "proposal_statuses": list(ProposalStatus),
        "open_problem": _open_problem,
        "here": request.full_path.rstrip("?"),
    }


def _page(arg: str = "pagina") -> int:
    page = request.args.get(arg, 1, type=int)
    return page if page and page > 0 else 1


def _per_page() -> int:
    return int(current_app.config["SAMEN_PAGE_SIZE"])


def _back(default: str) -> str:
    return safe_next(request.form.get("next")) or default


def _fail(error: Exception) -> None:
    """Undo the half-done use case and tell the coordinator why, in their language."""
    db.session.rollback()
    if isinstance(error, DomainError):
        flash(error.message, "error")
    elif isinstance(error, IntegrityError):
        flash(_("Deze bewoner heeft al een maatje."), "error")
    else:
        flash(_("Iemand anders heeft dit net gewijzigd. Bekijk de nieuwe stand en probeer het opnieuw."), "error")


# -- runs ---------------------------------------------------------------------------------------------


def _start_form() -> StartRunForm:
    form = StartRunForm()
    programmes = db.session.scalars(
        select(Programme).where(Programme.active.is_(True)).order_by(Programme.sort_order)
    ).all()
    form.programme.choices = [SelectChoice(ALL_PROGRAMMES, _("Alle programma's"))] + [
        SelectChoice(p.code, catalogue.label(catalogue.PROGRAMMES, p.code)) for p in programmes
    ]
    return form


def _render_runs(form: StartRunForm, status: int = 200) -> tuple[str, int]:
    page = db.paginate(
        select(MatchRun)
        .options(joinedload(MatchRun.started_by))
        .order_by(MatchRun.started_at.desc(), MatchRun.id.desc()),
        page=_page(),
        per_page=_per_page(),
    )
    run_ids = [run.id for run in page.items]
    decided: dict[int, dict[str, int]] = {rid: {} for rid in run_ids}
    if run_ids:
        rows = db.session.execute(
            select(Proposal.run_id, Proposal.status, func.count())
            .where(Proposal.run_id.in_(run_ids))
            .group_by(Proposal.run_id, Proposal.status)
        )
        for run_id, proposal_status, count in rows:
            decided[run_id][proposal_status.value] = count
    return render_template("matching/runs.html", form=form, page=page, decided=decided), status


@bp.route("/")
@roles_required(*COORDINATION)
def runs() -> tuple[str, int]:
    return _render_runs(_start_form())


@bp.route("/runs", methods=["POST"])
@roles_required(*COORDINATION)
def start_run() -> Response | tuple[str, int]:
    form = _start_form()
    if not form.validate_on_submit():
        return _render_runs(form, 422)
    programme_code = form.programme.data or None
    try:
        run = service.queue_run(db.session, current_user, programme_code, current_app.config)
        run_id = run.id
        db.session.commit()
    except DomainError as error:
        _fail(error)
        return redirect(url_for("matching.runs"))
    except IntegrityError:
        # The partial unique index: another run of this programme was queued at the same moment.
        db.session.rollback()
        flash(service.run_already_active(), "error")
        return redirect(url_for("matching.runs"))
    try:
        jobs.enqueue_match_run(run_id)
    except jobs.QueueUnavailable:
        db.session.rollback()
        service.fail_run(db.session, run_id, RunFailure.WACHTRIJ_ONBEREIKBAAR)
        db.session.commit()
    return redirect(url_for("matching.run_detail", run_id=run_id))


@bp.route("/runs/<int:run_id>")
@roles_required(*COORDINATION)
def run_detail(run_id: int) -> str:
    run = db.session.get(MatchRun, run_id, options=[joinedload(MatchRun.started_by)])
    if run is None:
        abort(404)
    if run.status.active:
        if service.fail_stale_runs(db.session, current_app.config):
            db.session.commit()
            db.session.refresh(run)
        if run.status.active:
            return render_template("matching/run_progress.html", run=run, stages=list(RunStage))
    status_filter = STATUS_FILTERS.get(request.args.get("status", ""))
    query = (
        select(Proposal)
        .where(Proposal.run_id == run_id)
        .options(
            joinedload(Proposal.volunteer),
            joinedload(Proposal.resident).joinedload(Resident.intake_by),
            joinedload(Proposal.decided_by),
            joinedload(Proposal.rejection_reason),
        )
        .order_by(Proposal.score.desc(), Proposal.id)
    )
    if status_filter is not None:
        query = query.where(Proposal.status == status_filter)
    proposals = db.paginate(query, page=_page(), per_page=_per_page())
    counts = {
        status.value: count
        for status, count in db.session.execute(
            select(Proposal.status, func.count()).where(Proposal.run_id == run_id).group_by(Proposal.status)
        )
    }
    waiting = db.paginate(
        select(RunWaitingResident)
        .where(RunWaitingResident.run_id == run_id)
        .options(joinedload(RunWaitingResident.resident))
        .order_by(RunWaitingResident.waiting_days.desc(), RunWaitingResident.id),
        page=_page("wachtend_pagina"),
        per_page=_per_page(),
    )
    proposal_ids = [p.id for p in proposals.items]
    match_of = (
        dict(db.session.execute(select(Match.proposal_id, Match.id).where(Match.proposal_id.in_(proposal_ids))).all())
        if proposal_ids
        else {}
    )
    chosen_by_hand = db.session.scalars(
        select(Match)
        .where(Match.run_id == run_id, Match.proposal_id.is_(None))
        .options(joinedload(Match.resident), joinedload(Match.volunteer), joinedload(Match.created_by))
        .order_by(Match.created_at, Match.id)
    ).all()
    return render_template(
        "matching/run_detail.html",
        run=run,
        proposals=proposals,
        counts=counts,
        status_filter=status_filter.value if status_filter else "",
        waiting=waiting,
        decision_form=DecisionForm(),
        match_of=match_of,
        chosen_by_hand=chosen_by_hand,
    )


# -- decisions ----------------------------------------------------------------------------------------


def _proposal_or_404(proposal_id: int) -> Proposal:
    proposal = db.session.get(
        Proposal, proposal_id, options=[joinedload(Proposal.volunteer), joinedload(Proposal.resident)]
    )
    if proposal is None:
        abort(404)
    return proposal


def _run_url(proposal: Proposal) -> str:
    return url_for("matching.run_detail", run_id=proposal.run_id, _anchor=f"voorstel-{proposal.id}")


@bp.route("/voorstellen/<int:proposal_id>/goedkeuren", methods=["POST"])
@roles_required(*COORDINATION)
def approve(proposal_id: int) -> Response:
    proposal = _proposal_or_404(proposal_id)
    back = _back(_run_url(proposal))
    volunteer_name, resident_name = proposal.volunteer.full_name, proposal.resident.full_name
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        matches.approve_proposal(
            db.session,
            proposal_id,
            current_user,
            vog_valid_years=int(current_app.config["SAMEN_VOG_VALID_YEARS"]),
            today=local_today(),
        )
        db.session.commit()
    except (DomainError, IntegrityError, StaleDataError) as error:
        _fail(error)
        return redirect(back)
    flash(
        _(
            "Goedgekeurd: %(volunteer)s en %(resident)s maken kennis. Plan de kennismaking op de pagina van de "
            "koppeling.",
            volunteer=volunteer_name,
            resident=resident_name,
        ),
        "success",
    )
    return redirect(back)


def _reject_form() -> tuple[RejectForm, dict[str, Any]]:
    form = RejectForm()
    reasons = matches.active_rejection_reasons(db.session)
    form.reason.choices = [SelectChoice(r.code, labels.reason_label(r)) for r in reasons]
    form.needs_note = {r.code for r in reasons if r.needs_note}
    return form, {r.code: r for r in reasons}


@bp.route("/voorstellen/<int:proposal_id>/afwijzen", methods=["GET", "POST"])
@roles_required(*COORDINATION)
def reject(proposal_id: int) -> Response | tuple[str, int]:
    proposal = _proposal_or_404(proposal_id)
    form, reasons_by_code = _reject_form()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        back = _back(_run_url(proposal))
        try:
            rejected = matches.reject_proposal(
                db.session, proposal_id, current_user, form.reason.data or "", form.note.data or "", today=local_today()
            )
            until = rejected.excluded_until
            db.session.commit()
        except (DomainError, IntegrityError, StaleDataError) as error:
            _fail(error)
            return redirect(back)
        if until is None:
            flash(_("Het voorstel is afgewezen. Dit paar wordt niet opnieuw voorgesteld."), "success")
        else:
            flash(
                _(
                    "Het voorstel is afgewezen. Dit paar wordt tot en met %(date)s niet opnieuw voorgesteld.",
                    date=when(until),
                ),
                "success",
            )
        return redirect(back)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "matching/reject.html", form=form, proposal=proposal, reasons_by_code=reasons_by_code
    ), status


@bp.route("/voorstellen/<int:proposal_id>/afwijzing-intrekken", methods=["GET", "POST"])
@roles_required(*COORDINATION)
def undo_rejection(proposal_id: int) -> Response | tuple[str, int]:
    """Take a rejection back with a reason; the pair may be proposed again."""
    proposal = _proposal_or_404(proposal_id)
    form = UndoRejectionForm()
    back = url_for("residents.resident_detail", resident_id=proposal.resident_id, _anchor="voorstellen")
    status = 200
    problem = ""
    if form.validate_on_submit():
        try:
            matches.undo_rejection(db.session, proposal_id, current_user, form.note.data or "")
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            problem, status = error.message, 409
        else:
            flash(_("De afwijzing is ingetrokken. Dit paar kan weer worden voorgesteld."), "success")
            return redirect(back)
    elif request.method == "POST":
        status = 422
    return render_template(
        "matching/undo_rejection.html", form=form, proposal=proposal, back=back, problem=problem
    ), status


# -- choosing by hand ---------------------------------------------------------------------------------


def _render_candidates(resident: Resident, form: ChooseForm, status: int = 200) -> tuple[str, int]:
    problem = None
    result = None
    try:
        result = service.candidates_for(db.session, resident.id, current_app.config)
    except NotFound:
        abort(404)
    except DomainError as error:
        problem = error.message
    run_id = request.args.get("ronde", type=int)
    if run_id is not None and not 0 < run_id <= MAX_ID:
        run_id = None
    back = url_for("matching.run_detail", run_id=run_id) if run_id else url_for("matching.runs")
    if not form.next.data:
        form.next.data = back
    return (
        render_template(
            "matching/candidates.html",
            resident=resident,
            result=result,
            problem=problem,
            form=form,
            back=back,
            run_id=run_id,
        ),
        status,
    )


def _resident_or_404(resident_id: int) -> Resident:
    resident = db.session.get(Resident, resident_id)
    if resident is None:
        abort(404)
    return resident


@bp.route("/bewoners/<int:resident_id>/kandidaten")
@roles_required(*COORDINATION)
def candidates(resident_id: int) -> tuple[str, int]:
    resident = _resident_or_404(resident_id)
    record_view(AuditSubject.RESIDENT, resident.id, via="candidates")
    return _render_candidates(resident, ChooseForm())


@bp.route("/bewoners/<int:resident_id>/kiezen", methods=["POST"])
@roles_required(*COORDINATION)
def choose(resident_id: int) -> Response | tuple[str, int]:
    resident = _resident_or_404(resident_id)
    resident_name = resident.full_name
    form = ChooseForm()
    if not form.validate_on_submit():
        return _render_candidates(resident, form, 422)
    volunteer_id: Any = form.volunteer_id.data
    try:
        match = service.choose_volunteer(
            db.session,
            resident_id,
            int(volunteer_id),
            current_user,
            current_app.config,
            run_id=form.run_id.data,
        )
        volunteer_name, match_id = match.volunteer.full_name, match.id
        db.session.commit()
    except (DomainError, IntegrityError, StaleDataError) as error:
        _fail(error)
        return redirect(url_for("matching.candidates", resident_id=resident_id))
    flash(
        _(
            "Gekozen: %(volunteer)s en %(resident)s maken kennis. Plan hier de kennismaking.",
            volunteer=volunteer_name,
            resident=resident_name,
        ),
        "success",
    )
    return redirect(url_for("matches.match_detail", match_id=match_id))
