"""Matching runs, proposals, approval. To be built."""

from __future__ import annotations

from flask import Blueprint

from webapp.security import COORDINATION, roles_required

bp = Blueprint("matching", __name__, url_prefix="/koppelen")


@bp.route("/")
@roles_required(*COORDINATION)
def runs() -> str:
    return "runs"
