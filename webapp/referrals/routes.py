"""Referrals by partner staff (flatcoaches and others). To be built."""

from __future__ import annotations

from flask import Blueprint

from webapp.models import Role
from webapp.security import roles_required

bp = Blueprint("referrals", __name__, url_prefix="/verwijzingen")


@bp.route("/")
@roles_required(Role.REFERRER)
def list_referrals() -> str:
    return "verwijzingen"


@bp.route("/nieuw")
@roles_required(Role.REFERRER)
def new_referral() -> str:
    return "nieuw"
