"""The coalition's dashboard at /coalitie: loneliness outcomes and the flow of the work, for coordinators, admins and
viewers (the municipality's and partners' managers, who see nothing else).

A viewer sees every figure as ``webapp.disclosure`` allows: nothing from fewer than ``SAMEN_MIN_CELL`` people and
nothing that gives such a number away; so do the viewer's charts and exports. Coordinators and admins see every
number, the ones a viewer would not see marked, and may look at (and export) the viewers' version with
``?weergave=meekijker``. Charts are SVG images at their own address, each with a text alternative and its numbers in
a table next to it; every export is recorded in the audit trail.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.clock import local_today
from webapp.coalition import charts, exports
from webapp.coalition.present import shown
from webapp.edge import image_policy
from webapp.enums import AuditAction, AuditSubject, Role
from webapp.extensions import db
from webapp.models import User
from webapp.security import roles_required
from webapp.services import audit
from webapp.services.coalition import Dashboard, coalition_dashboard, for_viewers, settings_from

bp = Blueprint("coalition", __name__, url_prefix="/coalitie")

DASHBOARD_ROLES = (Role.COORDINATOR, Role.ADMIN, Role.VIEWER)
#: ``?weergave=meekijker``: a coordinator or admin sees the page (and exports) as a viewer would.
VIEW_PARAMETER, AS_VIEWER = "weergave", "meekijker"

# The order of the page's sections: (heading, the tables in it, the charts shown above them).
LONELINESS_SECTIONS = (
    ("bewoners", ("eenzaamheid_bewoners", "verandering_bewoners"), ("matig-bewoners", "ernstig-bewoners")),
    (
        "vrijwilligers",
        ("eenzaamheid_vrijwilligers", "verandering_vrijwilligers"),
        ("matig-vrijwilligers", "ernstig-vrijwilligers"),
    ),
)
#: Tables that stay a grid on a phone (a cross table), scrolling within their box; the others stack per row.
GRID_TABLES = frozenset({"verandering_bewoners", "verandering_vrijwilligers", "capaciteit_dagdeel"})
WORK_TABLES = (
    "wachtlijst_gebied",
    "doorlooptijden",
    "verwijzingen",
    "beeindigingen",
    "contactmomenten",
    "capaciteit_gebied",
    "capaciteit_dagdeel",
)


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


def _sees_as_viewer() -> bool:
    return _me().role is Role.VIEWER or request.args.get(VIEW_PARAMETER) == AS_VIEWER


def _dashboards() -> tuple[Dashboard, Dashboard]:
    """The dashboard this visitor sees, and the viewers' version of it (the same for a viewer)."""
    full = coalition_dashboard(db.session, settings_from(current_app.config), local_today())
    viewers = for_viewers(full)
    return (viewers if _sees_as_viewer() else full), viewers


def _view_args() -> dict[str, str]:
    return {VIEW_PARAMETER: AS_VIEWER} if _sees_as_viewer() and _me().role is not Role.VIEWER else {}


@bp.route("")
@roles_required(*DASHBOARD_ROLES)
def dashboard() -> str:
    """The dashboard: loneliness by age band and moment, the targets, the flow of the work, the downloads."""
    shown_dashboard, viewers = _dashboards()
    hidden_for_viewers = {
        (table.key, r, c)
        for table in viewers.tables
        for r, row in enumerate(table.rows)
        for c, cell in enumerate(row.cells)
        if cell.hidden is not None
    }
    return render_template(
        "coalition/dashboard.html",
        dashboard=shown_dashboard,
        as_viewer=shown_dashboard.suppressed,
        is_viewer=_me().role is Role.VIEWER,
        hidden_for_viewers=hidden_for_viewers if not shown_dashboard.suppressed else set(),
        charts=charts.chart_tables(shown_dashboard),
        loneliness_sections=LONELINESS_SECTIONS,
        work_tables=WORK_TABLES,
        grid_tables=GRID_TABLES,
        shown=lambda cell: shown(cell, shown_dashboard.min_cell),
        view_args=_view_args(),
        viewer_url=url_for("coalition.dashboard", **{VIEW_PARAMETER: AS_VIEWER}),
    )


@bp.route("/grafiek/<chart>.svg")
@roles_required(*DASHBOARD_ROLES)
def chart(chart: str) -> Response:
    """One chart as an SVG image, drawn from the figures this visitor may see."""
    found = charts.CHARTS.get(chart)
    if found is None:
        abort(404)
    shown_dashboard, _viewers = _dashboards()
    response = make_response(charts.draw(shown_dashboard, found))
    response.mimetype = "image/svg+xml"
    return image_policy(response)


def _download(content: bytes, mimetype: str, extension: str, dashboard: Dashboard) -> Response:
    audit.record(
        db.session,
        _me(),
        AuditAction.EXPORT_DOWNLOADED,
        AuditSubject.COALITION,
        None,
        format=extension,
        suppressed=dashboard.suppressed,
    )
    db.session.commit()
    response = make_response(content)
    response.mimetype = mimetype
    name = f"samen-coalitie-{dashboard.today.isoformat()}.{extension}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/export.csv")
@roles_required(*DASHBOARD_ROLES)
def export_csv() -> Response:
    """Every table in one CSV (a line per figure), as this visitor may see it; recorded in the audit trail."""
    shown_dashboard, _viewers = _dashboards()
    return _download(exports.to_csv(shown_dashboard), "text/csv", "csv", shown_dashboard)


@bp.route("/export.xlsx")
@roles_required(*DASHBOARD_ROLES)
def export_xlsx() -> Response:
    """Every table in one workbook, a sheet each, as this visitor may see it; recorded in the audit trail."""
    shown_dashboard, _viewers = _dashboards()
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(exports.to_xlsx(shown_dashboard), mimetype, "xlsx", shown_dashboard)
