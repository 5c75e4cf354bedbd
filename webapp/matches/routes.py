"""The life of a match for coordinators: the list of matches and one match's page with its timeline and the form
for each step that is allowed now (plan the introduction, its outcome, a check-in, the ending)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from webapp import catalogue, labels
from webapp.auditlog.trail import record_views
from webapp.clock import local_date, local_today
from webapp.enums import AuditSubject, CheckInMethod, CheckInVerdict, CheckInWith, MatchStatus, MatchStep
from webapp.extensions import db
from webapp.matches import presenters
from webapp.matches.forms import (
    OUTCOME_YES,
    RESIDENT_RETURNS,
    CancelIntroductionForm,
    CheckInForm,
    EndForm,
    IntroductionForm,
    MatchFilterForm,
    OutcomeForm,
)
from webapp.models import Match, MatchEvent, Programme, User
from webapp.paging import page_of
from webapp.rules import allowed_steps
from webapp.rules import follow_up as follow_up_rule
from webapp.security import COORDINATION, roles_required
from webapp.services import follow_up, matches, measurements
from webapp.services.errors import Conflict, DomainError, FieldError

bp = Blueprint("matches", __name__, url_prefix="/koppelingen")


@bp.context_processor
def match_helpers() -> dict[str, Any]:
    return {"event_lines": presenters.event_lines}


#: The list's status filter: the default shows the matches that are still running.
RUNNING = "lopend"
ALL = "alle"
STATUS_FILTERS: dict[str, tuple[MatchStatus, ...] | None] = {
    RUNNING: (MatchStatus.KENNISMAKING, MatchStatus.ACTIEF),
    MatchStatus.KENNISMAKING.value: (MatchStatus.KENNISMAKING,),
    MatchStatus.ACTIEF.value: (MatchStatus.ACTIEF,),
    MatchStatus.BEEINDIGD.value: (MatchStatus.BEEINDIGD,),
    ALL: None,
}


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


def _policy() -> Any:
    return follow_up.policy_from(current_app.config)


# -- the list -------------------------------------------------------------------------------------------------


@bp.route("/")
@roles_required(*COORDINATION)
def list_matches() -> str:
    """Matches by status, programme and name; the ones that need something first (overdue check-ins first)."""
    form = MatchFilterForm(formdata=request.args)
    counts = follow_up.counts_by_status(db.session)
    running = counts[MatchStatus.KENNISMAKING] + counts[MatchStatus.ACTIEF]
    form.status.choices = [
        SelectChoice(RUNNING, _("lopend (%(n)d)", n=running)),
        *(
            SelectChoice(status.value, f"{labels.label(status)} ({counts[status]})")
            for status in (MatchStatus.KENNISMAKING, MatchStatus.ACTIEF, MatchStatus.BEEINDIGD)
        ),
        SelectChoice(ALL, _("alle (%(n)d)", n=sum(counts.values()))),
    ]
    programmes = db.session.scalars(select(Programme).order_by(Programme.sort_order)).all()
    form.programma.choices = [SelectChoice("", _("alle programma's"))] + [
        SelectChoice(p.code, catalogue.label(catalogue.PROGRAMMES, p.code)) for p in programmes
    ]
    form.validate()
    status_key = form.status.data if form.status.data in STATUS_FILTERS and not form.status.errors else RUNNING
    form.status.data = status_key
    programme = form.programma.data if not form.programma.errors else ""
    text = (form.zoek.data or "").strip() if not form.zoek.errors else ""

    rows = db.session.scalars(follow_up.matches_query(STATUS_FILTERS[status_key], programme or "", text)).unique()
    followed = follow_up.followed(db.session, list(rows), _policy(), local_today())
    if status_key == MatchStatus.BEEINDIGD.value:  # nothing to do for ended matches: the latest ending first
        followed.sort(
            key=lambda row: (row.match.ended_on or local_date(row.match.created_at), row.match.id), reverse=True
        )
    # The order (what needs attention first) is computed in Python, so the page is cut from the sorted list.
    page = page_of(followed, request.args.get("pagina", 1, type=int), int(current_app.config["SAMEN_PAGE_SIZE"]))
    return render_template(
        "matches/list.html",
        form=form,
        page=page,
        filtered=bool(programme or text or status_key != RUNNING),
        today=local_today(),
    )


# -- one match ------------------------------------------------------------------------------------------------


def _match_or_404(match_id: int) -> Match:
    match = db.session.get(
        Match,
        match_id,
        options=[
            joinedload(Match.resident),
            joinedload(Match.volunteer),
            selectinload(Match.check_ins),
            selectinload(Match.events).joinedload(MatchEvent.by),
        ],
    )
    if match is None:
        abort(404)
    return match


def _end_form(data: dict[str, Any] | None = None, formdata: Any = ...) -> EndForm:
    form = EndForm(data=data) if formdata is ... else EndForm(formdata=formdata, data=data)
    reasons = matches.ending_reasons(db.session)
    form.reason.choices = [SelectChoice("", _("kies een reden"))] + [
        SelectChoice(r.code, labels.reason_label(r)) for r in reasons
    ]
    form.note_required_for = [labels.reason_label(r) for r in reasons if r.needs_note]  # type: ignore[attr-defined]
    return form


def _fresh_forms(match: Match) -> dict[str, Any]:
    """Empty forms for each step, with sensible defaults (today, the introduction's date)."""
    today = local_today()
    planned = {
        "on": match.introduction_on,
        "at": match.introduction_at,
        "place": match.introduction_place,
        "coordinator_joins": match.coordinator_joins,
        "version": str(match.version),
    }
    return {
        "plan_form": IntroductionForm(formdata=None, data={"version": str(match.version)}),
        "move_form": IntroductionForm(formdata=None, data=planned),
        "outcome_form": OutcomeForm(formdata=None, data={"started_on": min(match.introduction_on or today, today)}),
        "cancel_form": CancelIntroductionForm(formdata=None),
        "check_in_form": CheckInForm(formdata=None, data={"held_on": today}),
        "end_form": _end_form(data={"ended_on": today}, formdata=None),
    }


def _render(match: Match, status: int = 200, problem: str = "", open_step: str = "", **forms: Any) -> Any:
    today = local_today()
    context = _fresh_forms(match)
    context.update(forms)
    dates = [c.held_on for c in match.check_ins]
    return render_template(
        "matches/detail.html",
        match=match,
        steps=allowed_steps(match.status, match.introduction_on is not None),
        step=MatchStep,
        follow=follow_up_rule(match, dates, _policy(), today),
        timeline=sorted(match.events, key=lambda e: (e.at, e.id)),
        problem=problem,
        open_step=open_step,
        today=today,
        measuring=measurements.check_in_offers(db.session, match),
        **context,
    ), status


@bp.route("/<int:match_id>")
@roles_required(*COORDINATION)
def match_detail(match_id: int) -> Any:
    """One match: both people, where it stands, its timeline and the forms for the next step."""
    match = _match_or_404(match_id)
    people = [(AuditSubject.RESIDENT, match.resident_id), (AuditSubject.VOLUNTEER, match.volunteer_id)]
    record_views(people, via="match", match=match.id)
    return _render(_match_or_404(match_id))


def _step(
    match_id: int,
    step: MatchStep,
    form: Any,
    form_name: str,
    anchor: str,
    act: Callable[[Match], Any],
    done: str,
) -> Any:
    """The shape every step shares: 409 when the step is not allowed now (nothing changes), 422 with the typed
    input kept when the input is wrong, otherwise the step, one commit, and back to the match page."""
    match = _match_or_404(match_id)
    if step not in allowed_steps(match.status, match.introduction_on is not None):
        problem = matches.refusal(match, step).message
        return _render(match, 409, problem)
    if not form.validate_on_submit():
        return _render(match, 422, open_step=anchor, **{form_name: form})
    try:
        act(match)
        db.session.commit()
    except FieldError as error:
        db.session.rollback()
        field = getattr(form, error.field, None)
        if field is not None:
            field.errors = [*field.errors, error.message]
            problem = ""
        else:
            problem = error.message
        return _render(_match_or_404(match_id), 422, problem, open_step=anchor, **{form_name: form})
    except Conflict as error:
        db.session.rollback()
        return _render(_match_or_404(match_id), 409, error.message)
    except DomainError as error:
        db.session.rollback()
        return _render(_match_or_404(match_id), 422, error.message, open_step=anchor, **{form_name: form})
    flash(done, "success")
    return redirect(url_for("matches.match_detail", match_id=match_id))


def _introduction(form: IntroductionForm) -> matches.Introduction:
    return matches.Introduction(
        on=form.on.data,
        at=form.at.data,
        place=form.place.data or "",
        coordinator_joins=bool(form.coordinator_joins.data),
    )


@bp.route("/<int:match_id>/kennismaking", methods=["POST"])
@roles_required(*COORDINATION)
def plan_introduction(match_id: int) -> Any:
    """Plan the introduction meeting: date, time, place, whether the coordinator joins."""
    form = IntroductionForm()
    return _step(
        match_id,
        MatchStep.PLAN_INTRODUCTION,
        form,
        "plan_form",
        "kennismaking-plannen",
        lambda m: matches.plan_introduction(db.session, m.id, _me(), _introduction(form), today=local_today()),
        _("De kennismaking is gepland."),
    )


@bp.route("/<int:match_id>/kennismaking/verzetten", methods=["POST"])
@roles_required(*COORDINATION)
def move_introduction(match_id: int) -> Any:
    """Move the planned introduction to another date, time or place."""
    form = IntroductionForm()
    return _step(
        match_id,
        MatchStep.MOVE_INTRODUCTION,
        form,
        "move_form",
        "kennismaking-verzetten",
        lambda m: matches.move_introduction(
            db.session, m.id, _me(), _introduction(form), int(form.version.data or 0), today=local_today()
        ),
        _("De kennismaking is verzet."),
    )


@bp.route("/<int:match_id>/uitkomst", methods=["POST"])
@roles_required(*COORDINATION)
def record_outcome(match_id: int) -> Any:
    """The outcome of the introduction: both yes (active from a date), or no (no blame)."""
    form = OutcomeForm()
    both_yes = form.outcome.data == OUTCOME_YES
    return _step(
        match_id,
        MatchStep.RECORD_OUTCOME,
        form,
        "outcome_form",
        "uitkomst",
        lambda m: matches.record_outcome(
            db.session, m.id, _me(), both_yes=both_yes, started_on=form.started_on.data, today=local_today()
        ),
        _("De koppeling is actief. Het eerste contactmoment staat in de planning.")
        if both_yes
        else _("Vastgelegd: geen klik. De bewoner staat weer op de wachtlijst met de eerdere wachttijd."),
    )


@bp.route("/<int:match_id>/kennismaking/annuleren", methods=["POST"])
@roles_required(*COORDINATION)
def cancel_introduction(match_id: int) -> Any:
    """Cancel the introduction with a reason (the same effects as a no)."""
    form = CancelIntroductionForm()
    return _step(
        match_id,
        MatchStep.CANCEL_INTRODUCTION,
        form,
        "cancel_form",
        "kennismaking-annuleren",
        lambda m: matches.cancel_introduction(db.session, m.id, _me(), form.note.data or "", today=local_today()),
        _("De kennismaking is geannuleerd. De bewoner staat weer op de wachtlijst met de eerdere wachttijd."),
    )


@bp.route("/<int:match_id>/contactmoment", methods=["POST"])
@roles_required(*COORDINATION)
def record_check_in(match_id: int) -> Any:
    """A check-in: date, with whom, how, how it goes, a note."""
    form = CheckInForm()

    def act(match: Match) -> None:
        record = matches.CheckInRecord(
            held_on=form.held_on.data,
            with_whom=CheckInWith(form.with_whom.data),
            method=CheckInMethod(form.method.data),
            verdict=CheckInVerdict(form.verdict.data),
            note=form.note.data or "",
        )
        matches.record_check_in(db.session, match.id, _me(), record, today=local_today())

    stops = form.verdict.data == CheckInVerdict.STOPPEN.value
    return _step(
        match_id,
        MatchStep.CHECK_IN,
        form,
        "check_in_form",
        "contactmoment",
        act,
        _("Het contactmoment is vastgelegd. Wil iemand stoppen? Beëindig de koppeling hieronder.")
        if stops
        else _("Het contactmoment is vastgelegd."),
    )


@bp.route("/<int:match_id>/beeindigen", methods=["POST"])
@roles_required(*COORDINATION)
def end_match(match_id: int) -> Any:
    """End an active match with a reason, a date and a closing note; the resident waits again or is closed."""
    form = _end_form()

    def act(match: Match) -> None:
        ending = matches.Ending(
            reason_code=form.reason.data or "",
            ended_on=form.ended_on.data,
            note=form.note.data or "",
            resident_returns=form.resident.data == RESIDENT_RETURNS,
        )
        matches.end_match(db.session, match.id, _me(), ending, today=local_today())

    return _step(
        match_id,
        MatchStep.END,
        form,
        "end_form",
        "beeindigen",
        act,
        _("De koppeling is beëindigd."),
    )
