"""The loneliness measurement (De Jong Gierveld, 11 items): coordinators take it with a resident or a lonely
volunteer (also at a check-in of their match) or make a one-time link, and the person fills it in on their own phone
at ``/meting/<token>`` (public, no sign-in: the link is the key)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp import labels, loneliness
from webapp.auditlog.trail import record_view
from webapp.clock import local_today
from webapp.enums import AuditSubject, MeasurementMoment
from webapp.extensions import db, limiter
from webapp.measure.forms import LinkForm, MeasurementForm, SelfMeasurementForm
from webapp.models import CheckIn, LonelinessMeasurement, Match, Resident, User, Volunteer
from webapp.security import COORDINATION, roles_required
from webapp.services import measurements, outbox_notices
from webapp.services.errors import Conflict, DomainError, FieldError, NotFound
from webapp.services.measurements import LinkGone

bp = Blueprint("measure", __name__)

Person = Resident | Volunteer
#: The link form shares the page with the questionnaire: its fields have names and ids of their own.
LINK_PREFIX = "link"


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


@bp.context_processor
def questionnaire() -> dict[str, Any]:
    return {"lead_in": loneliness.LEAD_IN, "instrument_version": loneliness.INSTRUMENT_VERSION}


def result_text(measurement: LonelinessMeasurement) -> str:
    """'7 van 11: matig eenzaam', or 'onvolledig (2 vragen niet beantwoord)'."""
    if measurement.total is None or measurement.category is None:
        return ngettext(
            "onvolledig (%(num)d vraag niet beantwoord)",
            "onvolledig (%(num)d vragen niet beantwoord)",
            measurement.missing,
        )
    return _("%(total)d van 11: %(category)s", total=measurement.total, category=labels.label(measurement.category))


@bp.app_template_global("measurement_result")
def measurement_result(measurement: LonelinessMeasurement) -> str:
    return result_text(measurement)


# -- the people ------------------------------------------------------------------------------------------------


def _resident_or_404(resident_id: int) -> Resident:
    resident = db.session.get(Resident, resident_id)
    if resident is None:
        abort(404)
    return resident


def _volunteer_or_404(volunteer_id: int) -> Volunteer:
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None:
        abort(404)
    return volunteer


def _subject(person: Person) -> AuditSubject:
    return AuditSubject.RESIDENT if isinstance(person, Resident) else AuditSubject.VOLUNTEER


def person_url(person: Person, anchor: str = "eenzaamheid") -> str:
    if isinstance(person, Resident):
        return url_for("residents.resident_detail", resident_id=person.id, _anchor=anchor)
    return url_for("coordination.volunteer_detail", volunteer_id=person.id, _anchor=anchor)


def _form_url(person: Person) -> str:
    if isinstance(person, Resident):
        return url_for("measure.resident_measurement", resident_id=person.id)
    return url_for("measure.volunteer_measurement", volunteer_id=person.id)


def _link_url(person: Person) -> str:
    if isinstance(person, Resident):
        return url_for("measure.resident_link", resident_id=person.id)
    return url_for("measure.volunteer_link", volunteer_id=person.id)


def _check_in_for(person: Person, check_in_id: int | None) -> tuple[CheckIn, Match] | None:
    """The check-in a measurement is taken at, when it is one of the person's matches (else none)."""
    if check_in_id is None:
        return None
    check_in = db.session.get(CheckIn, check_in_id)
    if check_in is None:
        return None
    match = db.session.get(Match, check_in.match_id)
    mine = match is not None and (
        match.resident_id == person.id if isinstance(person, Resident) else match.volunteer_id == person.id
    )
    return (check_in, match) if mine and match is not None else None


def _on_field(form: Any, error: FieldError) -> str:
    """Put the service's message on the field it is about; returns it when no field of the form fits."""
    field = form._fields.get(error.field)
    if field is None:
        return error.message
    field.errors = [*field.errors, error.message]
    return ""


# -- taking it with the person ---------------------------------------------------------------------------------


def _render_form(
    person: Person,
    form: MeasurementForm | None = None,
    link_form: LinkForm | None = None,
    status: int = 200,
    problem: str = "",
    check_in_id: int | None = None,
) -> tuple[str, int]:
    at_check_in = _check_in_for(person, check_in_id)
    today = local_today()
    if form is None:
        # The first measurement is the intake's; later ones are in between, or at a check-in.
        first = not measurements.measurements_of(db.session, person, limit=1)
        moment = MeasurementMoment.INTAKE if first else MeasurementMoment.OTHER
        data: dict[str, Any] = {"measured_on": today, "moment": moment.value}
        if at_check_in is not None:
            data.update(
                measured_on=at_check_in[0].held_on,
                moment=MeasurementMoment.CHECK_IN.value,
                check_in=str(at_check_in[0].id),
            )
        form = MeasurementForm(formdata=None, data=data)
    if link_form is None:
        moment = form.moment.data or MeasurementMoment.OTHER.value
        link_data = {"moment": moment, "check_in": str(at_check_in[0].id) if at_check_in else ""}
        link_form = LinkForm(formdata=None, data=link_data, prefix=LINK_PREFIX)
    form.measured_on.render_kw = {**(form.measured_on.render_kw or {}), "max": today.isoformat()}
    html = render_template(
        "measure/form.html",
        person=person,
        is_resident=isinstance(person, Resident),
        form=form,
        link_form=link_form,
        refusal=measurements.refusal(db.session, person),
        problem=problem,
        at_check_in=at_check_in,
        person_url=person_url(person),
        form_url=_form_url(person),
        link_url=_link_url(person),
        statements=list(zip(form.items(), loneliness.STATEMENTS, strict=True)),
    )
    return html, status


def _measure(person: Person) -> Any:
    """GET: the questionnaire for a coordinator to fill in with the person; POST: record it."""
    if request.method == "GET":
        record_view(_subject(person), person.id, via="measurement")
        return _render_form(person, check_in_id=request.args.get("contactmoment", type=int))
    form = MeasurementForm()
    check_in_id = form.check_in_id()
    if not form.validate_on_submit():
        return _render_form(person, form, status=422, check_in_id=check_in_id)
    try:
        measurement = measurements.record_measurement(
            db.session,
            _me(),
            person,
            form.answers(),
            measured_on=form.measured_on.data,
            moment=MeasurementMoment(form.moment.data),
            check_in=check_in_id,
            age=form.age.data if person.birth_date is None else None,
        )
        db.session.commit()
    except FieldError as error:
        db.session.rollback()
        return _render_form(person, form, status=422, problem=_on_field(form, error), check_in_id=check_in_id)
    except DomainError as error:
        db.session.rollback()
        return _render_form(person, form, status=409, problem=error.message, check_in_id=check_in_id)
    flash(_("De meting is vastgelegd: %(result)s.", result=result_text(measurement)), "success")
    at_check_in = _check_in_for(person, check_in_id)
    if at_check_in is not None:
        return redirect(url_for("matches.match_detail", match_id=at_check_in[1].id, _anchor="contactmomenten-kop"))
    return redirect(person_url(person))


@bp.route("/bewoners/<int:resident_id>/meting", methods=["GET", "POST"])
@roles_required(*COORDINATION)
def resident_measurement(resident_id: int) -> Any:
    """Take the loneliness measurement with a resident."""
    return _measure(_resident_or_404(resident_id))


@bp.route("/vrijwilligers/<int:volunteer_id>/meting", methods=["GET", "POST"])
@roles_required(*COORDINATION)
def volunteer_measurement(volunteer_id: int) -> Any:
    """Take the loneliness measurement with a volunteer who said they feel lonely."""
    return _measure(_volunteer_or_404(volunteer_id))


# -- a link to fill it in oneself --------------------------------------------------------------------------------


def _make_link(person: Person) -> Any:
    """Make a one-time link and show it once (on this response: it is stored only as a hash); e-mail it when the
    person has an e-mail address."""
    form = LinkForm(prefix=LINK_PREFIX)
    check_in_id = form.check_in_id()
    if not form.validate_on_submit():
        return _render_form(person, link_form=form, status=422, check_in_id=check_in_id)
    try:
        new = measurements.create_link(
            db.session, _me(), person, MeasurementMoment(form.moment.data), check_in=check_in_id
        )
        url = outbox_notices.public_url(current_app.config) + url_for("measure.fill_in", token=new.token)
        mailed = measurements.mail_link(db.session, person, new, url)
        db.session.commit()
    except FieldError as error:
        db.session.rollback()
        problem = _on_field(form, error)
        return _render_form(person, link_form=form, status=422, problem=problem, check_in_id=check_in_id)
    except DomainError as error:
        db.session.rollback()
        return _render_form(person, link_form=form, status=409, problem=error.message, check_in_id=check_in_id)
    return render_template(
        "measure/link_created.html",
        person=person,
        url=url,
        mailed=mailed,
        link=new.link,
        person_url=person_url(person),
    )


@bp.route("/bewoners/<int:resident_id>/meting/link", methods=["POST"])
@roles_required(*COORDINATION)
def resident_link(resident_id: int) -> Any:
    """A link for the resident to fill the questionnaire in themselves."""
    return _make_link(_resident_or_404(resident_id))


@bp.route("/vrijwilligers/<int:volunteer_id>/meting/link", methods=["POST"])
@roles_required(*COORDINATION)
def volunteer_link(volunteer_id: int) -> Any:
    """A link for the volunteer to fill the questionnaire in themselves."""
    return _make_link(_volunteer_or_404(volunteer_id))


# -- the person, on their own phone ------------------------------------------------------------------------------


def spent_link_key() -> str:
    return f"measurement-link:{get_remote_address()}"


def _gone(response: Response) -> bool:
    return response.status_code in (404, 410)


def _gone_page(message: str, status: int) -> tuple[str, int]:
    return render_template("measure/gone.html", message=message), status


# Only requests with an unknown, used or expired link count (a guard against guessing tokens): a valid link works
# once anyway, and a mistake on the form must not use anything up.
@bp.route("/meting/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SAMEN_MEASUREMENT_LINK_LIMIT"], key_func=spent_link_key, deduct_when=_gone)
def fill_in(token: str) -> Any:
    """The questionnaire through a one-time link: no sign-in, no name on the page."""
    try:
        measurements.open_link(db.session, token)
    except NotFound as error:
        return _gone_page(error.message, 404)
    except LinkGone as error:
        return _gone_page(error.message, 410)
    form = SelfMeasurementForm()
    if form.validate_on_submit():
        try:
            measurements.use_link(db.session, token, form.answers())
            db.session.commit()
        except LinkGone as error:
            db.session.rollback()
            return _gone_page(error.message, 410)
        except (Conflict, FieldError) as error:
            db.session.rollback()
            return render_template("measure/fill_in.html", form=form, problem=error.message), 422
        return redirect(url_for("measure.thanks"))
    status = 422 if request.method == "POST" else 200
    return render_template("measure/fill_in.html", form=form, problem=""), status


@bp.route("/meting/bedankt")
def thanks() -> str:
    return render_template("measure/thanks.html")
