"""The API's operations: refer a resident, follow the organisation's referrals, read the coalition's figures.

A referral goes through the web form's own checks (``webapp.referrals.forms.ReferralForm``, fed the JSON instead
of a browser's form) and the same use case (``webapp.services.residents.create_referral``), so that the API accepts
exactly what the form accepts and the one-writer rules hold. A referrer token sees its organisation's referrals as
the organisation's staff do on ``/verwijzingen``: another organisation's is "not found", never "forbidden", and a
referral whose resident withdrew the consent to share the status shows only that.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import current_app, g, request, url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import RAISE
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from webapp.api import API_PREFIX
from webapp.api import problems as problem
from webapp.api.problems import FieldProblem
from webapp.api.schemas import (
    REFERRAL_PURPOSES,
    Figures,
    PageQuery,
    ReferralIn,
    ReferralOut,
    ReferralPage,
)
from webapp.api.setup import api_limit, api_token_key
from webapp.clock import local_today
from webapp.coalition.present import exported, shown
from webapp.enums import AuditAction, AuditSubject, FigureKind, ReferralStatus, Role
from webapp.extensions import db, limiter
from webapp.labels import label
from webapp.models import ApiToken, Referral, User
from webapp.referrals.forms import ReferralForm
from webapp.services import api_tokens, audit
from webapp.services import referrals as referral_service
from webapp.services import residents as resident_service
from webapp.services.coalition import Dashboard, coalition_dashboard, for_viewers, settings_from
from webapp.services.errors import Conflict, NotFound
from webapp.services.residents import LIST_FIELDS, ResidentDataError

bp = Blueprint(
    "api",
    __name__,
    url_prefix=API_PREFIX,
    description="Referrals of residents by partner staff, and the coalition's figures.",
)
# Once, here: the blueprint is shared by every app the factory makes, and each call would add another limit.
limiter.limit(api_limit, key_func=api_token_key)(bp)

#: The token role each operation needs (by endpoint); an operation not listed here is refused.
ROLES: dict[str, Role] = {
    "api.create_referral": Role.REFERRER,
    "api.list_referrals": Role.REFERRER,
    "api.get_referral": Role.REFERRER,
    "api.coalition_figures": Role.VIEWER,
}
SECURITY = [{"bearerAuth": []}]
#: A referral as the demo data would accept it (``make run``: the flatcoach of Rijswijk Wonen).
REFERRAL_EXAMPLE: dict[str, Any] = {
    "referrer_email": "flatcoach@samen.test",
    "reason": "Mevrouw woont sinds het overlijden van haar man alleen en spreekt weinig mensen.",
    "resident": {
        "first_name": "Anna",
        "last_name": "de Vries",
        "phone": "070 1234567",
        "email": "",
        "postcode": "2284 AJ",
        "address": "Prinses Irenelaan 12",
        "birth_date": "1948-05-17",
        "gender": "vrouw",
        "programme": "buddy",
        "interests": ["wandelen", "koffie"],
        "availability": ["tue-afternoon", "thu-morning"],
        "languages": ["nl"],
        "preferred_gender": None,
        "max_distance_km": 3,
    },
    "consent": {
        "given_by": "persoon",
        "given_on": "2026-11-30",
        "method": "mondeling",
        "purposes": list(REFERRAL_PURPOSES),
    },
}
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def current_token() -> ApiToken:
    token: ApiToken = g.api_token
    return token


@bp.before_request
def authenticate() -> None:
    """A working token of the operation's role, from the Authorization header only (cookies are never read)."""
    header = request.headers.get("Authorization", "")
    scheme, _space, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise problem.unauthorized(token_given=bool(header))
    token = api_tokens.authenticate(db.session, secret.strip())
    if token is None:
        raise problem.unauthorized(token_given=True)
    if ROLES.get(request.endpoint or "") is not token.role:
        raise problem.wrong_role()
    g.api_token = token


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


@bp.before_request
def read_json_body() -> None:
    """A body must be JSON: another kind is a 415, JSON that does not parse a 400 (before the schema's checks)."""
    if request.method not in BODY_METHODS:
        return
    if not request.is_json:
        raise problem.unsupported_media_type()
    try:
        json.loads(request.get_data(cache=True), parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise problem.malformed_json() from None


# -- shaping the answers ------------------------------------------------------------------------------------------


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None else None


def status_code(status: ReferralStatus) -> str:
    return status.value.replace(" ", "_")


def referral_out(referral: Referral, sharing: bool) -> dict[str, Any]:
    """The minimal status, as ``/verwijzingen/<id>`` shows it to the referrer."""
    if not sharing:
        return {
            "id": referral.id,
            "created_at": _aware(referral.created_at),
            "status": "toestemming_ingetrokken",
            "status_label": _("toestemming ingetrokken"),
            "status_since": None,
            "withdrawn_at": None,
            "consent_withdrawn": True,
            "message": referral_service.status_withheld_message(),
        }
    return {
        "id": referral.id,
        "created_at": _aware(referral.created_at),
        "status": status_code(referral.status),
        "status_label": label(referral.status),
        "status_since": _aware(referral.status_changed_at),
        "withdrawn_at": _aware(referral.withdrawn_at),
        "consent_withdrawn": False,
        "message": None,
    }


# -- referrals ----------------------------------------------------------------------------------------------------

# Where each field of the web form lives in the JSON body.
FORM_POINTERS = {
    "consent_by": "#/consent/given_by",
    "consent_on": "#/consent/given_on",
    "consent_method": "#/consent/method",
    "consent_confirmed": "#/consent/purposes",
    "reason": "#/reason",
}


def _pointer(form_field: str) -> str:
    return FORM_POINTERS.get(form_field, f"#/resident/{form_field}")


def _form_data(data: dict[str, Any]) -> MultiDict[str, str]:
    """The JSON body as the browser would have posted the web form."""
    resident, consent = data["resident"], data["consent"]
    items: list[tuple[str, str]] = [
        (name, resident[name] or "")
        for name in ("first_name", "last_name", "phone", "email", "postcode", "address", "programme")
    ]
    items += [(name, resident[name] or "") for name in ("gender", "preferred_gender")]
    items.append(("birth_date", resident["birth_date"].isoformat() if resident["birth_date"] else ""))
    distance = resident["max_distance_km"]
    items.append(("max_distance_km", str(distance) if distance is not None else ""))
    items += [(name, value) for name in LIST_FIELDS for value in resident[name]]
    items += [
        ("consent_by", consent["given_by"]),
        ("consent_on", consent["given_on"].isoformat()),
        ("consent_method", consent["method"]),
        # The schema made sure the consent covers both purposes: that is the form's one tick.
        ("consent_confirmed", "y" if sorted(consent["purposes"]) == sorted(REFERRAL_PURPOSES) else ""),
        ("reason", data["reason"]),
    ]
    return MultiDict(items)


def _referrer(token: ApiToken, email: str) -> User | None:
    """The staff member the referral is made by: an active referrer account of the token's organisation."""
    return db.session.scalar(
        select(User).where(
            func.lower(User.email) == email.strip().lower(),
            User.organisation_id == token.organisation_id,
            User.role == Role.REFERRER,
            User.active.is_(True),
        )
    )


@bp.route("/referrals", methods=["POST"])
@bp.doc(security=SECURITY, summary="Refer a resident", operationId="createReferral")
@bp.arguments(
    ReferralIn,
    description="The resident, the reason and the consent record, as on the web form.",
    example=REFERRAL_EXAMPLE,
)
@bp.response(
    201,
    ReferralOut,
    description="Received: the referral's minimal status.",
    headers={"Location": {"description": "The referral's address.", "schema": {"type": "string"}}},
)
@bp.alt_response(400, response="BAD_REQUEST")
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
@bp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
@bp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
@bp.alt_response(429, response="TOO_MANY_REQUESTS")
@bp.alt_response(500, response="INTERNAL_SERVER_ERROR")
def create_referral(data: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Refer a resident who agreed to it: checked as the web form checks it, by the staff member
    `referrer_email`, who recorded the consent and gets the status notices."""
    token = current_token()
    form = ReferralForm(
        formdata=_form_data(data), meta={"csrf": False}, programmes=resident_service.active_programmes(db.session)
    )
    form.validate()
    errors = [
        FieldProblem(str(message), pointer=_pointer(name))
        for name, messages in form.errors.items()
        for message in messages
        if name != "csrf_token"
    ]
    referrer = _referrer(token, data["referrer_email"])
    if referrer is None:
        message = _("Er is bij uw organisatie geen actief account van een verwijzer met dit e-mailadres.")
        errors.append(FieldProblem(message, pointer="#/referrer_email"))
    if errors or referrer is None:
        raise problem.invalid_input(errors)
    try:
        referral = resident_service.create_referral(
            db.session,
            referrer,
            form.resident_details(),
            form.consent_record(current_app.config["SAMEN_PRIVACY_VERSION"]),
            form.reason.data or "",
        )
    except ResidentDataError as error:
        db.session.rollback()
        raise problem.invalid_input([FieldProblem(error.message, pointer=_pointer(error.field))]) from None
    except Conflict as error:  # someone recorded the same thing at the same moment
        db.session.rollback()
        raise problem.Problem(409, _("Conflict"), error.message) from None
    audit.record(
        db.session,
        referrer,
        AuditAction.API_REFERRAL_CREATED,
        AuditSubject.REFERRAL,
        referral.id,
        resident_id=referral.resident_id,
        api_token=token.id,
    )
    db.session.commit()
    location = url_for("api.get_referral", referral_id=referral.id)
    return referral_out(referral, sharing=True), 201, {"Location": location}


@bp.route("/referrals", methods=["GET"])
@bp.doc(security=SECURITY, summary="The organisation's referrals", operationId="listReferrals")
# webargs excludes unknown query parameters whatever the schema says: refuse them, as the document promises.
@bp.arguments(PageQuery, location="query", unknown=RAISE)
@bp.response(200, ReferralPage, description="The organisation's referrals (colleagues' too), newest first.")
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(429, response="TOO_MANY_REQUESTS")
@bp.alt_response(500, response="INTERNAL_SERVER_ERROR")
def list_referrals(query: dict[str, Any]) -> dict[str, Any]:
    """The referrals of the token's organisation, a page at a time, each with its minimal status."""
    token = current_token()
    page = db.paginate(
        referral_service.of_organisation_id(token.organisation_id),
        page=query["page"],
        per_page=query["per_page"],
        error_out=False,
        count=True,
    )
    items: list[Referral] = list(page.items)
    withheld = referral_service.status_withheld(db.session, items)
    audit.record(
        db.session,
        None,
        AuditAction.API_REFERRALS_LISTED,
        AuditSubject.ORGANISATION,
        token.organisation_id,
        api_token=token.id,
        referrals=[referral.id for referral in items],
        page=page.page,
    )
    db.session.commit()
    return {
        "items": [referral_out(referral, sharing=referral.id not in withheld) for referral in items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total or 0,
        "pages": page.pages,
    }


@bp.route("/referrals/<int:referral_id>", methods=["GET"])
@bp.doc(security=SECURITY, summary="One referral's minimal status", operationId="getReferral")
@bp.response(200, ReferralOut, description="The referral's minimal status.")
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(404, response="NOT_FOUND", description="No referral of the token's organisation has this id.")
@bp.alt_response(429, response="TOO_MANY_REQUESTS")
@bp.alt_response(500, response="INTERNAL_SERVER_ERROR")
def get_referral(referral_id: int) -> dict[str, Any]:
    """One referral of the token's organisation; another organisation's is "not found", as if it did not exist."""
    token = current_token()
    try:
        referral = referral_service.one_of_organisation_id(db.session, token.organisation_id, referral_id)
    except NotFound:
        raise problem.not_found() from None
    sharing = referral_service.shares_status(db.session, referral)
    audit.viewed(
        db.session,
        None,
        AuditSubject.RESIDENT,
        referral.resident_id,
        via="api",
        referral=referral.id,
        api_token=token.id,
    )
    db.session.commit()
    return referral_out(referral, sharing)


# -- the coalition's figures --------------------------------------------------------------------------------------


def _cell_value(cell: Any, min_cell: int) -> int | float | str | None:
    if cell.hidden is not None or cell.value is None:
        return None
    if cell.kind is FigureKind.TEXT:
        return str(cell.value)
    return exported(cell, min_cell)


def figures_out(dashboard: Dashboard) -> dict[str, Any]:
    min_cell = dashboard.min_cell
    return {
        "date": dashboard.today,
        "min_cell": min_cell,
        "suppressed": dashboard.suppressed,
        "tables": [
            {
                "key": table.key,
                "title": table.title,
                "note": table.note,
                "columns": [
                    {"key": column.key, "heading": column.heading, "kind": column.kind.value}
                    for column in table.columns
                ],
                "rows": [
                    {
                        "key": row.key,
                        "total": row.total,
                        "cells": [
                            {
                                "column": column.key,
                                "value": _cell_value(cell, min_cell),
                                "hidden": cell.hidden.value if cell.hidden is not None else None,
                                "shown": shown(cell, min_cell),
                            }
                            for column, cell in zip(table.columns, row.cells, strict=True)
                        ],
                    }
                    for row in table.rows
                ],
            }
            for table in dashboard.tables
        ],
    }


@bp.route("/coalition/figures", methods=["GET"])
@bp.doc(security=SECURITY, summary="The coalition's figures", operationId="getCoalitionFigures")
@bp.response(200, Figures, description="Every table of the dashboard, as a viewer sees it.")
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(429, response="TOO_MANY_REQUESTS")
@bp.alt_response(500, response="INTERNAL_SERVER_ERROR")
def coalition_figures() -> dict[str, Any]:
    """The dashboard's tables as a viewer sees them on /coalitie: no number from fewer than `min_cell` people, none
    that gives such a number away."""
    token = current_token()
    dashboard = for_viewers(coalition_dashboard(db.session, settings_from(current_app.config), local_today()))
    audit.record(
        db.session,
        None,
        AuditAction.EXPORT_DOWNLOADED,
        AuditSubject.COALITION,
        None,
        format="json",
        suppressed=True,
        via="api",
        api_token=token.id,
    )
    db.session.commit()
    return figures_out(dashboard)
