"""The AVG's rights for coordinators: data subject requests (access, erasure, ...), exports and erasure."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("rights", __name__, url_prefix="/verzoeken")
