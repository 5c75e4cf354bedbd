"""The audit trail for admins: who saw or changed what, searchable by person, action and time."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auditlog", __name__, url_prefix="/beheer/audit")
