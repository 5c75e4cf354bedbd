"""Coordinator work: the Monday-morning dashboard, the volunteer list, a volunteer's file and details, possible
duplicate sign-ups and merging them, planning the intake talk, screening, stopping."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from webapp import catalogue, consent_forms, labels
from webapp.auditlog.trail import record_view, record_views
from webapp.clock import local_today
from webapp.coordination import recruiting_text
from webapp.coordination.forms import (
    MergeForm,
    PlanIntakeForm,
    ScreeningForm,
    StopVolunteerForm,
    VolunteerEditForm,
    VolunteerFilterForm,
    distance_value,
)
from webapp.enums import AuditAction, AuditSubject, ConsentPurpose, SubjectKind
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    IntakeOutcome,
    Match,
    MatchStatus,
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
from webapp.services import consent, measurements, subject_rights
from webapp.services import recruiting as recruiting_service
from webapp.services import screening as screening_service
from webapp.services import volunteers as volunteer_service
from webapp.services.errors import Conflict, DomainError, FieldError
from webapp.services.screening import Screening, conflict_message, record_screening
from webapp.services.week import coordinator_week
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
        if volunteer.rescreening_since is not None:
            return "bad", _("opnieuw screenen")
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
    """The coordinator's week: the work waiting in every part of the process (each item links to where to act),
    then the figures: sign-ups, VOGs, free places per programme, waiting residents, proposals, matches."""
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
        week=coordinator_week(db.session, current_app.config, today),
        vog_notice_days=int(current_app.config["SAMEN_VOG_NOTICE_DAYS"]),
        new_signups=new_signups,
        vog_pending=vog_pending,
        oldest_vog_request_days=(today - oldest_vog_request).days if oldest_vog_request else None,
        rows=rows,
        suitable_free_total=len(available),
        waiting_count=waiting_count,
        longest_wait_days=max(0, (today - oldest_waiting).days) if oldest_waiting else None,
        open_proposals=_count(select(func.count(Proposal.id)).where(Proposal.status == ProposalStatus.OPEN)),
        active_matches=_count(select(func.count(Match.id)).where(Match.status == MatchStatus.ACTIEF)),
        introductions=_count(select(func.count(Match.id)).where(Match.status == MatchStatus.KENNISMAKING)),
        vog_years=_vog_years(),
        privacy_requests=subject_rights.open_counts(db.session, today),
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
    rescreening_since: date | None
    restricted_at: datetime | None
    consents_to_matching: bool


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
            Volunteer.rescreening_since,
            Volunteer.restricted_at,
            Volunteer.consents_to_matching,
        ).where(*where)
    )
    return [_ScreeningFacts(programmes[row[0]], *row[1:-1], bool(row[-1])) for row in rows]


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
        duplicate_pairs=len(volunteer_service.duplicate_pairs(db.session)),
        **_badges(local_today()),
    )


def _volunteer_or_404(volunteer_id: int) -> Volunteer:
    return db.get_or_404(Volunteer, volunteer_id)


def _history(volunteer: Volunteer) -> list[dict[str, Any]]:
    """The volunteer's audit trail in words a coordinator reads, newest first."""
    events = db.session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.subject_type == AuditSubject.VOLUNTEER.value, AuditEvent.subject_id == volunteer.id)
        # What happened to the record; who looked at it is the admins' audit search (/beheer/audit).
        .where(AuditEvent.action != AuditAction.VIEWED.value)
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


# The names of a volunteer's details as the history and the conflict summary show them.
DETAIL_LABELS: dict[str, Any] = {
    "first_name": _l("voornaam"),
    "last_name": _l("achternaam"),
    "email": _l("e-mailadres"),
    "phone": _l("telefoonnummer"),
    "birth_date": _l("geboortedatum"),
    "postcode": _l("postcode"),
    "gender": _l("geslacht"),
    "availability": _l("beschikbaarheid"),
    "languages": _l("talen"),
    "interests": _l("interesses"),
    "max_distance_km": _l("reisafstand"),
}
# What a merge can take over from the duplicate, as the history names it.
TAKEN_OVER_LABELS: dict[str, Any] = {
    "programmes": _l("programma's"),
    "interests": _l("interesses"),
    "availability": _l("beschikbaarheid"),
    "languages": _l("talen"),
    "intake": _l("intakegesprek"),
    "intake_notes": _l("aantekeningen van het intakegesprek"),
    "intake_planned_on": _l("gepland intakegesprek"),
    "vog": _l("VOG"),
    "rescreening_since": _l("nieuwe screening na zorgen over veiligheid"),
}


def _names(codes: Any, vocabulary: dict[str, Any]) -> str:
    return ", ".join(str(vocabulary.get(code, code)) for code in codes or [])


def _history_lines(event: AuditEvent) -> list[str]:
    detail = event.detail or {}
    lines: list[str] = []
    if event.action == "volunteer.signed_up":
        lines.append(_("Aangemeld via de website"))
    elif event.action == AuditAction.VOLUNTEER_STOPPED:
        # The reason is kept with the volunteer (shown with the details above), never in the audit trail.
        lines.append(_("Gestopt"))
    elif event.action == "volunteer.updated":
        # Rows from before migration 0005 kept the field names in the detail.
        names = event.fields or detail.get("fields")
        lines.append(_("Gegevens gewijzigd: %(fields)s", fields=_names(names, DETAIL_LABELS)))
    elif event.action == "volunteer.intake_planned":
        lines.append(_("Intakegesprek gepland op %(date)s", date=when(_parse_date(detail.get("on")))))
    elif event.action == "volunteer.rescreened":
        lines.append(
            _(
                "Opnieuw gescreend na zorgen over veiligheid (sinds %(date)s): kan weer gekoppeld worden",
                date=when(_parse_date(detail.get("since"))),
            )
        )
    elif event.action == "volunteer.merged":
        line = _("Dubbele aanmelding nr. %(id)s hiermee samengevoegd", id=detail.get("removed_id"))
        if detail.get("taken_over"):
            line += _("; overgenomen: %(parts)s", parts=_names(detail["taken_over"], TAKEN_OVER_LABELS))
        lines.append(line)
    elif event.action == "volunteer.screened":
        if "intake" in detail:
            outcome = detail["intake"].get("outcome")
            label = _label_of(IntakeOutcome, outcome) if outcome else _("nog geen gesprek")
            on = _parse_date(detail["intake"].get("on"))
            line = _("Intakegesprek: %(outcome)s", outcome=label) + (f" ({when(on)})" if on else "")
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
    elif event.action in (AuditAction.CONSENT_GIVEN, AuditAction.CONSENT_WITHDRAWN):
        purpose = _label_of(ConsentPurpose, detail.get("purpose", ""))
        if event.action == AuditAction.CONSENT_GIVEN:
            lines.append(_("Toestemming gegeven: %(purpose)s", purpose=purpose))
        else:
            lines.append(_("Toestemming ingetrokken: %(purpose)s", purpose=purpose))
    else:
        lines.append(_label_of(AuditAction, event.action))
    return lines


def _rescreening_notice(volunteer: Volunteer) -> str:
    """The plain sentence both the volunteer's page and the screening page show while re-screening is due."""
    if volunteer.rescreening_since is None:
        return ""
    return _(
        "Een koppeling is beëindigd wegens zorgen over veiligheid op %(date)s; leg een nieuw intakegesprek vast "
        "voordat deze vrijwilliger opnieuw gekoppeld kan worden.",
        date=when(volunteer.rescreening_since),
    )


def _consent_section(
    volunteer: Volunteer,
    give_form: consent_forms.GiveConsentForm | None = None,
    withdraw_form: consent_forms.WithdrawConsentForm | None = None,
    withdraw_purpose: ConsentPurpose | None = None,
) -> dict[str, Any]:
    states = consent.current(db.session, volunteer)
    return consent_forms.section_context(
        volunteer,
        states,
        consent.history(db.session, volunteer),
        give_form or consent_forms.give_form(volunteer, states, current_app.config["SAMEN_PRIVACY_VERSION"]),
        consent_forms.withdraw_forms(states, withdraw_form, withdraw_purpose),
        url_for("coordination.give_consent", volunteer_id=volunteer.id),
        lambda purpose: url_for("coordination.withdraw_consent", volunteer_id=volunteer.id, purpose=purpose.value),
    )


def _render_detail(
    volunteer: Volunteer,
    stop_form: StopVolunteerForm,
    status: int = 200,
    problem: str = "",
    consent_section: dict[str, Any] | None = None,
) -> Any:
    today = local_today()
    programmes = {p.code: p for p in _programmes()}
    blockers = eligibility_blockers(volunteer, programmes, today, _vog_years())
    matches = db.session.scalars(
        select(Match)
        .options(selectinload(Match.resident))
        .where(Match.volunteer_id == volunteer.id)
        .order_by(Match.ended_on.is_not(None), Match.created_at.desc(), Match.id.desc())
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
        duplicates=volunteer_service.duplicates_of(db.session, volunteer),
        rescreening_notice=_rescreening_notice(volunteer),
        history=_history(volunteer),
        stop_form=stop_form,
        problem=problem,
        privacy=subject_rights.rights_of(db.session, SubjectKind.VOLUNTEER, volunteer, today),
        consent=consent_section or _consent_section(volunteer),
        loneliness=measurements.overview(db.session, volunteer),
        **_badges(today),
    ), status


@bp.route("/vrijwilligers/<int:volunteer_id>")
@roles_required(*COORDINATION)
def volunteer_detail(volunteer_id: int) -> Any:
    """Everything the volunteer told us, their screening, eligibility per programme and current matches."""
    volunteer = _volunteer_or_404(volunteer_id)
    record_view(AuditSubject.VOLUNTEER, volunteer.id)
    stop_form = StopVolunteerForm(formdata=None, data={"version": str(volunteer.version)})
    return _render_detail(volunteer, stop_form)


# --- A volunteer's details --------------------------------------------------------------------------------------


def _details_data(volunteer: Volunteer) -> dict[str, Any]:
    return {
        "first_name": volunteer.first_name,
        "last_name": volunteer.last_name,
        "email": volunteer.email,
        "phone": volunteer.phone,
        "birth_date": volunteer.birth_date,
        "postcode": volunteer.postcode,
        "gender": volunteer.gender.value if volunteer.gender else "",
        "availability": list(volunteer.availability),
        "languages": list(volunteer.languages),
        "interests": list(volunteer.interests),
        "max_distance_km": distance_value(volunteer.max_distance_km),
    }


def _display(name: str, value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if name == "interests":
        return _names(value, catalogue.INTERESTS)
    if name == "languages":
        return _names(value, catalogue.LANGUAGES)
    if name == "availability":
        return ", ".join(catalogue.slot_label(code) for code in value)
    if name == "gender":
        return catalogue.label(catalogue.GENDERS, value)
    if name == "max_distance_km":
        return _("tot %(km)s km", km=value)
    if name == "birth_date":
        return when(value)
    return str(value)


def _stored_differences(volunteer: Volunteer, form: VolunteerEditForm) -> list[tuple[str, str]]:
    """The stored values that differ from what the coordinator typed, to compare after a conflict."""
    differences = []
    for name, value in _details_data(volunteer).items():
        field = form[name]
        typed = field.parsed[0] if name == "postcode" and getattr(field, "parsed", None) else field.data
        if name == "email":
            typed = (typed or "").strip().lower()
        if (typed or None) != (value or None):
            differences.append((str(field.label.text), _display(name, value)))
    return differences


@bp.route("/vrijwilligers/<int:volunteer_id>/bewerken", methods=["GET", "POST"])
@roles_required(*COORDINATION)
def edit_volunteer(volunteer_id: int) -> Any:
    """Correct what the volunteer entered; refused without losing the input when someone else saved in between."""
    volunteer = _volunteer_or_404(volunteer_id)
    if volunteer.anonymised_at is not None:
        flash(_("De gegevens van deze vrijwilliger zijn gewist; er valt niets meer te wijzigen."), "error")
        return redirect(url_for("coordination.volunteer_detail", volunteer_id=volunteer.id))
    record_view(AuditSubject.VOLUNTEER, volunteer.id, via="edit")
    data = None if request.method == "POST" else {**_details_data(volunteer), "version": str(volunteer.version)}
    form = VolunteerEditForm(data=data, current_distance_km=volunteer.max_distance_km)
    conflict: list[tuple[str, str]] | None = None
    if form.validate_on_submit():
        try:
            changed = volunteer_service.update_volunteer(
                db.session, volunteer, current_user, form.details(), int(form.version.data)
            )
            db.session.commit()
        except (Conflict, StaleDataError):
            db.session.rollback()
            db.session.refresh(volunteer)
            conflict = _stored_differences(volunteer, form)
            form.version.data = str(volunteer.version)
        else:
            if changed:
                flash(_("De gegevens van %(name)s zijn opgeslagen.", name=volunteer.full_name), "success")
            else:
                flash(_("Er was niets gewijzigd."), "info")
            return redirect(url_for("coordination.volunteer_detail", volunteer_id=volunteer.id))
    status = 200 if request.method == "GET" else (409 if conflict is not None else 422)
    return render_template("coordination/edit.html", form=form, volunteer=volunteer, conflict=conflict), status


# --- Possible duplicates and merging ------------------------------------------------------------------------------


def _further_along(volunteer: Volunteer) -> tuple[int, int, int]:
    """Which of two sign-ups to keep by default: the one with a match, then the one screened, then the oldest."""
    return (-volunteer.places_taken, 0 if volunteer.intake_outcome is not None else 1, volunteer.id)


@bp.route("/vrijwilligers/dubbel")
@roles_required(*COORDINATION)
def duplicates() -> str:
    """Every pair of sign-ups that may be the same person, each with a link to compare and merge them."""
    pairs = volunteer_service.duplicate_pairs(db.session)
    ids = {i for pair in pairs for i in (pair.first_id, pair.second_id)}
    by_id = {v.id: v for v in db.session.scalars(select(Volunteer).where(Volunteer.id.in_(ids)))} if ids else {}
    rows = []
    for pair in pairs:
        kept, other = sorted((by_id[pair.first_id], by_id[pair.second_id]), key=_further_along)
        rows.append({"kept": kept, "other": other, "same_email": pair.same_email, "same_phone": pair.same_phone})
    return render_template("coordination/duplicates.html", rows=rows, **_badges(local_today()))


def _ended_matches(volunteer_id: int) -> int:
    return _count(
        select(func.count(Match.id)).where(Match.volunteer_id == volunteer_id, Match.status == MatchStatus.BEEINDIGD)
    )


def _compare_facts(get: Callable[[str], Any], ended: int) -> list[str]:
    """One column of the compare page, in the order of ``COMPARE_ROWS``."""
    outcome = get("intake_outcome")
    intake = labels.label(outcome) + (f", {when(get('intake_on'))}" if get("intake_on") else "") if outcome else "—"
    if get("vog_status") is VogStatus.AFGEGEVEN and get("vog_issued_on"):
        vog = _("afgegeven op %(date)s", date=when(get("vog_issued_on")))
    elif get("vog_status") is VogStatus.AANGEVRAAGD and get("vog_requested_on"):
        vog = _("aangevraagd op %(date)s", date=when(get("vog_requested_on")))
    else:
        vog = labels.label(get("vog_status"))
    return [
        when(get("created_at"), "d MMM yyyy"),
        get("email"),
        get("phone"),
        when(get("birth_date")),
        get("postcode"),
        _display("gender", get("gender").value if get("gender") else ""),
        ", ".join(catalogue.label(catalogue.PROGRAMMES, p.code) for p in get("programmes")) or "—",
        _display("interests", get("interests")),
        _display("availability", get("availability")),
        _display("languages", get("languages")),
        _display("max_distance_km", distance_value(get("max_distance_km"))),
        str(get("capacity")),
        intake,
        _("ja") if get("intake_notes") else _("geen"),
        when(get("intake_planned_on")) or "—",
        vog,
        when(get("rescreening_since")) or "—",
        when(get("stopped_at")) if get("stopped_at") else _("nee"),
        _("%(running)d lopend, %(ended)d beëindigd", running=get("places_taken"), ended=ended),
    ]


COMPARE_ROWS = [
    _l("Aangemeld op"),
    _l("E-mailadres"),
    _l("Telefoonnummer"),
    _l("Geboortedatum"),
    _l("Postcode"),
    _l("Geslacht"),
    _l("Programma's"),
    _l("Interesses"),
    _l("Beschikbaar"),
    _l("Talen"),
    _l("Reisafstand"),
    _l("Capaciteit"),
    _l("Intakegesprek"),
    _l("Aantekeningen van het gesprek"),
    _l("Intakegesprek gepland"),
    _l("VOG"),
    _l("Nieuwe screening nodig sinds"),
    _l("Gestopt"),
    _l("Koppelingen"),
]


def _render_compare(
    kept: Volunteer, other: Volunteer, form: MergeForm | None = None, status: int = 200, problem: str = ""
) -> Any:
    refusal = volunteer_service.merge_refusal(db.session, kept, other)
    kept_ended, other_ended = _ended_matches(kept.id), _ended_matches(other.id)
    after = {**volunteer_service.merged_values(kept, other)} if refusal is None else {}
    columns = [
        _compare_facts(lambda name: getattr(kept, name), kept_ended),
        _compare_facts(lambda name: getattr(other, name), other_ended),
        _compare_facts(lambda name: after[name] if name in after else getattr(kept, name), kept_ended + other_ended),
    ]
    rows = [
        {"label": label, "kept": k, "other": o, "after": a, "differs": k != o}
        for label, k, o, a in zip(COMPARE_ROWS, *columns, strict=True)
    ]
    if form is None:
        form = MergeForm(formdata=None, data={"kept_version": str(kept.version), "other_version": str(other.version)})
    return render_template(
        "coordination/merge.html",
        kept=kept,
        other=other,
        rows=rows,
        form=form,
        refusal=refusal,
        problem=problem,
        **_badges(local_today()),
    ), status


@bp.route("/vrijwilligers/<int:volunteer_id>/samenvoegen/<int:other_id>")
@roles_required(*COORDINATION)
def compare_volunteers(volunteer_id: int, other_id: int) -> Any:
    """Two possible duplicate sign-ups side by side, and what the kept one will hold after merging."""
    kept, other = _volunteer_or_404(volunteer_id), _volunteer_or_404(other_id)
    record_views([(AuditSubject.VOLUNTEER, kept.id), (AuditSubject.VOLUNTEER, other.id)], via="merge")
    return _render_compare(kept, other)


@bp.route("/vrijwilligers/<int:volunteer_id>/samenvoegen/<int:other_id>", methods=["POST"])
@roles_required(*COORDINATION)
def merge_volunteers(volunteer_id: int, other_id: int) -> Any:
    """Merge the duplicate ``other_id`` into ``volunteer_id``; refused when either changed since the compare page."""
    kept, other = _volunteer_or_404(volunteer_id), _volunteer_or_404(other_id)
    form = MergeForm()
    if not form.validate_on_submit():
        return _render_compare(kept, other, form, 422, _("Het formulier is onvolledig. Laad de pagina opnieuw."))
    other_name = other.full_name
    try:
        volunteer_service.merge_volunteers(
            db.session, kept, other, current_user, int(form.kept_version.data), int(form.other_version.data)
        )
        db.session.commit()
    except (Conflict, StaleDataError, IntegrityError) as error:
        db.session.rollback()
        kept, other = _volunteer_or_404(volunteer_id), _volunteer_or_404(other_id)
        db.session.refresh(kept)
        db.session.refresh(other)
        message = error.message if isinstance(error, Conflict) else volunteer_service.merge_conflict_message()
        return _render_compare(kept, other, None, 409, message)
    flash(
        _(
            "De dubbele aanmelding van %(other)s (nr. %(id)d) is samengevoegd met %(name)s.",
            other=other_name,
            id=other_id,
            name=kept.full_name,
        ),
        "success",
    )
    return redirect(url_for("coordination.volunteer_detail", volunteer_id=kept.id))


# --- Screening ------------------------------------------------------------------------------------------------


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


def _screening_data(volunteer: Volunteer) -> dict[str, Any]:
    return {
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


def _screening_form(volunteer: Volunteer, from_request: bool) -> ScreeningForm:
    if from_request:
        form = ScreeningForm(today=local_today(), active_matches=volunteer.places_taken)
    else:
        form = ScreeningForm(
            formdata=None,
            data=_screening_data(volunteer),
            today=local_today(),
            active_matches=volunteer.places_taken,
        )
    form.programmes.choices = _programme_choices(volunteer)
    return form


def _plan_form(volunteer: Volunteer) -> PlanIntakeForm:
    return PlanIntakeForm(
        formdata=None,
        data={"intake_planned_on": volunteer.intake_planned_on, "plan_version": str(volunteer.version)},
    )


def _render_screening(
    volunteer: Volunteer,
    form: ScreeningForm,
    plan_form: PlanIntakeForm | None = None,
    status: int = 200,
    problem: str = "",
    conflict: bool = False,
) -> Any:
    return render_template(
        "coordination/screening.html",
        form=form,
        plan_form=plan_form or _plan_form(volunteer),
        volunteer=volunteer,
        in_use=volunteer.places_taken,
        problem=problem,
        conflict=conflict,
        rescreening_notice=_rescreening_notice(volunteer),
        **_badges(local_today()),
    ), status


def _flash_screening_saved(volunteer: Volunteer, changed: list[str]) -> None:
    if not changed:
        flash(_("Er was niets gewijzigd."), "info")
        return
    flash(_("De screening van %(name)s is opgeslagen.", name=volunteer.full_name), "success")
    since = volunteer.rescreening_since
    if "rescreening" in changed:
        flash(
            _(
                "Het nieuwe intakegesprek is vastgelegd: de zorgen over veiligheid staan een koppeling niet meer "
                "in de weg."
            ),
            "success",
        )
    elif since is not None and "intake" in changed and volunteer.intake_on is not None:
        flash(
            _(
                "Het intakegesprek op %(intake)s was vóór %(since)s, de dag waarop de koppeling wegens zorgen over "
                "veiligheid eindigde. Leg een intakegesprek op of na %(since)s vast voordat deze vrijwilliger "
                "opnieuw gekoppeld kan worden.",
                intake=when(volunteer.intake_on),
                since=when(since),
            ),
            "warning",
        )


@bp.route("/vrijwilligers/<int:volunteer_id>/screening", methods=["GET", "POST"])
@roles_required(*COORDINATION)
def screen_volunteer(volunteer_id: int) -> Any:
    """Record the intake talk, the VOG status (never the document), capacity and programmes."""
    volunteer = _volunteer_or_404(volunteer_id)
    record_view(AuditSubject.VOLUNTEER, volunteer.id, via="screening")
    form = _screening_form(volunteer, from_request=request.method == "POST")
    if form.validate_on_submit():
        try:
            changed = record_screening(db.session, volunteer, current_user, _screening_from(form))
            db.session.commit()
        except (Conflict, StaleDataError) as error:
            db.session.rollback()
            db.session.refresh(volunteer)
            form.version.data = str(volunteer.version)
            message = error.message if isinstance(error, Conflict) else conflict_message()
            return _render_screening(volunteer, form, status=409, problem=message, conflict=True)
        except DomainError as error:
            db.session.rollback()
            return _render_screening(volunteer, form, status=422, problem=error.message)
        _flash_screening_saved(volunteer, changed)
        return redirect(url_for("coordination.volunteer_detail", volunteer_id=volunteer.id))
    return _render_screening(volunteer, form, status=422 if request.method == "POST" else 200)


@bp.route("/vrijwilligers/<int:volunteer_id>/intake-plannen", methods=["POST"])
@roles_required(*COORDINATION)
def plan_intake(volunteer_id: int) -> Any:
    """Plan the intake talk for today or a later day."""
    volunteer = _volunteer_or_404(volunteer_id)
    plan_form = PlanIntakeForm()
    if not plan_form.validate_on_submit():
        return _render_screening(volunteer, _screening_form(volunteer, False), plan_form, 422)
    try:
        changed = screening_service.plan_intake(
            db.session, volunteer, current_user, plan_form.intake_planned_on.data, int(plan_form.plan_version.data)
        )
        db.session.commit()
    except FieldError as error:
        db.session.rollback()
        plan_form.intake_planned_on.errors = [*plan_form.intake_planned_on.errors, error.message]
        return _render_screening(volunteer, _screening_form(volunteer, False), plan_form, 422)
    except (Conflict, StaleDataError) as error:
        db.session.rollback()
        db.session.refresh(volunteer)
        plan_form.plan_version.data = str(volunteer.version)
        message = error.message if isinstance(error, Conflict) else conflict_message()
        return _render_screening(volunteer, _screening_form(volunteer, False), plan_form, 409, message)
    if changed:
        flash(
            _(
                "Het intakegesprek met %(name)s is gepland op %(date)s.",
                name=volunteer.full_name,
                date=when(volunteer.intake_planned_on),
            ),
            "success",
        )
    else:
        flash(_("Er was niets gewijzigd."), "info")
    return redirect(url_for("coordination.volunteer_detail", volunteer_id=volunteer.id))


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


# --- Consent per purpose ----------------------------------------------------------------------------------------


def _purpose_or_404(code: str) -> ConsentPurpose:
    try:
        purpose = ConsentPurpose(code)
    except ValueError:
        abort(404)
    if purpose not in consent.VOLUNTEER_PURPOSES:
        abort(404)
    return purpose


def _stopped_detail(volunteer: Volunteer) -> StopVolunteerForm:
    return StopVolunteerForm(formdata=None, data={"version": str(volunteer.version)})


@bp.route("/vrijwilligers/<int:volunteer_id>/toestemming", methods=["POST"])
@roles_required(*COORDINATION)
def give_consent(volunteer_id: int) -> Any:
    """Record the volunteer's consent for a purpose not (or no longer) given."""
    volunteer = _volunteer_or_404(volunteer_id)
    states = consent.current(db.session, volunteer)
    form = consent_forms.give_form(volunteer, states, "", formdata=request.form)
    if not form.validate_on_submit():
        return _render_detail(volunteer, _stopped_detail(volunteer), 422, "", _consent_section(volunteer, form))
    given = form.given()
    try:
        consent.give(db.session, volunteer, given, current_user)
        db.session.commit()
    except consent.ConsentError as error:
        db.session.rollback()
        form[error.field].errors = [*form[error.field].errors, error.message]
        volunteer = _volunteer_or_404(volunteer_id)
        return _render_detail(volunteer, _stopped_detail(volunteer), 422, "", _consent_section(volunteer, form))
    except DomainError as error:
        db.session.rollback()
        volunteer = _volunteer_or_404(volunteer_id)
        return _render_detail(volunteer, _stopped_detail(volunteer), 409, error.message)
    flash(_("De toestemming voor %(purpose)s is vastgelegd.", purpose=labels.label(given.purpose)), "success")
    warning = consent.representative_warning(volunteer, given)
    if warning:
        flash(warning, "warning")
    return redirect(url_for("coordination.volunteer_detail", volunteer_id=volunteer_id, _anchor="toestemming"))


@bp.route("/vrijwilligers/<int:volunteer_id>/toestemming/<purpose>/intrekken", methods=["POST"])
@roles_required(*COORDINATION)
def withdraw_consent(volunteer_id: int, purpose: str) -> Any:
    """Withdraw the volunteer's consent for one purpose: that processing stops at once."""
    volunteer = _volunteer_or_404(volunteer_id)
    chosen = _purpose_or_404(purpose)
    form = consent_forms.WithdrawConsentForm(prefix=consent_forms.withdraw_prefix(chosen))
    if not form.validate_on_submit():
        section = _consent_section(volunteer, withdraw_form=form, withdraw_purpose=chosen)
        return _render_detail(volunteer, _stopped_detail(volunteer), 422, "", section)
    try:
        withdrawal = consent.withdraw(db.session, volunteer, chosen, current_user, form.note.data or "")
        db.session.commit()
    except consent.ConsentError as error:
        db.session.rollback()
        form.note.errors = [*form.note.errors, error.message]
        volunteer = _volunteer_or_404(volunteer_id)
        section = _consent_section(volunteer, withdraw_form=form, withdraw_purpose=chosen)
        return _render_detail(volunteer, _stopped_detail(volunteer), 422, "", section)
    except DomainError as error:
        db.session.rollback()
        volunteer = _volunteer_or_404(volunteer_id)
        return _render_detail(volunteer, _stopped_detail(volunteer), 409, error.message)
    flash(_("De toestemming voor %(purpose)s is ingetrokken.", purpose=labels.label(chosen)), "success")
    if withdrawal.lapsed_proposals:
        lapsed = withdrawal.lapsed_proposals
        flash(ngettext("%(num)d open voorstel is vervallen.", "%(num)d open voorstellen zijn vervallen.", lapsed))
    if withdrawal.running_match:
        flash(
            _(
                "Deze vrijwilliger heeft nog een lopende koppeling. Die stopt niet vanzelf: bespreek met de "
                "vrijwilliger of de koppeling beëindigd moet worden."
            ),
            "warning",
        )
    return redirect(url_for("coordination.volunteer_detail", volunteer_id=volunteer_id, _anchor="toestemming"))


@bp.route("/coordinatie/wie-zoeken-we")
@roles_required(*COORDINATION)
def recruiting_gaps() -> str:
    """Wie zoeken we?: which new volunteers would help the residents the latest run left without anyone who fits
    (printable on A4). Each run's worker works it out; over a region it takes longer than a request may."""
    programmes = _programmes()
    asked = request.args.get("programma", "")
    code = asked if asked in {p.code for p in programmes} else None
    report = recruiting_service.latest_report(db.session, code)
    return render_template(
        "coordination/recruiting.html",
        report=report,
        gaps=report.gaps,
        programme_code=code,
        programmes=programmes,
        **recruiting_text.helpers(),
    )
