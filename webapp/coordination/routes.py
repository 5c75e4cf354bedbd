"""Coordinator work: dashboard, volunteers and their screening. To be built."""

from __future__ import annotations

from flask import Blueprint

from webapp.security import COORDINATION, roles_required

bp = Blueprint("coordination", __name__)


@bp.route("/coordinatie")
@roles_required(*COORDINATION)
def dashboard() -> str:
    return "overzicht"


@bp.route("/vrijwilligers")
@roles_required(*COORDINATION)
def volunteers() -> str:
    return "vrijwilligers"
