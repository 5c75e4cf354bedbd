"""Administration: organisations and staff accounts. To be built."""

from __future__ import annotations

from flask import Blueprint

from webapp.models import Role
from webapp.security import roles_required

bp = Blueprint("admin", __name__, url_prefix="/beheer")


@bp.route("/accounts")
@roles_required(Role.ADMIN)
def accounts() -> str:
    return "accounts"
