"""Residents: list and search, intake by phone, detail, waiting list. To be built."""

from __future__ import annotations

from flask import Blueprint

from webapp.security import COORDINATION, roles_required

bp = Blueprint("residents", __name__)


@bp.route("/bewoners")
@roles_required(*COORDINATION)
def list_residents() -> str:
    return "bewoners"


@bp.route("/wachtlijst")
@roles_required(*COORDINATION)
def waiting_list() -> str:
    return "wachtlijst"
