"""The access matrix, generated: role x organisation x route x object.

Every rule of the app's ``url_map`` (except the public pages) is requested by every kind of visitor: anonymous, an
admin and a coordinator of the controlling organisation (Welzijn Rijswijk), a referrer of a partner, a coordinator and
an admin of a partner whose access no admin confirmed, a partner's coordinator whose access was confirmed, and
viewers (of a partner and of the controller), who see only the coalition's dashboard and their own account. Where a
route takes the id of a referral, resident, match or volunteer, it is requested with a record of the visitor's own
organisation and with one of another organisation.

Refused where it must be: an anonymous visitor is sent to sign in (302 to /inloggen), the wrong role or an unconfirmed
sensitive role gets 403, a referrer asking for another organisation's referral gets 404, and a refused request changes
nothing in the database. Allowed GETs are served (state-changing POSTs that are allowed are not sent: the other test
modules try them). Run with ``-s`` to see the figure.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select, text

from tests.webapp.conftest import AuthActions
from tests.webapp.factories import Factories, today
from tests.webapp.test_access import ALLOWED_ROLES, PUBLIC_ENDPOINTS, TOKEN_BLUEPRINTS
from webapp.extensions import db
from webapp.models import EndReason, MatchStatus, Organisation, OrganisationKind, RejectionReason, Role, User

# Arguments that name a record some organisation brought in: requested with the visitor's own and another one's.
ORGANISATION_BOUND = ("referral_id", "resident_id", "match_id", "volunteer_id")
# Public in effect: without a password typed first it only sends to /inloggen.
HALF_WAY_SIGN_IN = {"auth.second_factor"}
# What the database looks like is compared before and after the refused requests (audit rows may be added by
# other parts of the app for what was seen, but a refusal shows nothing, so they are compared too).
SKIPPED_TABLES = {"alembic_version"}


@dataclass(frozen=True)
class Visitor:
    name: str
    role: Role | None  # None: anonymous
    organisation: str  # whose records are "own"
    sensitive_confirmed: bool = True


VISITORS = [
    Visitor("anonymous", None, "controller"),
    Visitor("admin of the controller", Role.ADMIN, "controller"),
    Visitor("coordinator of the controller", Role.COORDINATOR, "controller"),
    Visitor("referrer of a partner", Role.REFERRER, "rijswijk_wonen"),
    Visitor("coordinator of a partner, not confirmed", Role.COORDINATOR, "vidomes", sensitive_confirmed=False),
    Visitor("admin of a partner, not confirmed", Role.ADMIN, "vidomes", sensitive_confirmed=False),
    Visitor("coordinator of a partner, confirmed", Role.COORDINATOR, "vidomes"),
    # The municipality's or a partner's manager: the coalition's dashboard and their own account, nothing else.
    Visitor("viewer of a partner", Role.VIEWER, "vidomes"),
    Visitor("viewer of the controller", Role.VIEWER, "controller"),
]
OTHER_ORGANISATION = {"controller": "rijswijk_wonen", "rijswijk_wonen": "vidomes", "vidomes": "rijswijk_wonen"}


@dataclass
class Records:
    """One organisation's records: a referral nobody spoke to yet, and a resident it referred in an active match."""

    referral_id: int
    resident_id: int
    match_id: int
    volunteer_id: int


@dataclass
class World:
    records: dict[str, Records]
    accounts: dict[str, User]
    fixed: dict[str, str]


def build_world(make: Factories) -> World:
    organisations = {
        "controller": make.controller(),
        "rijswijk_wonen": make.organisation("Rijswijk Wonen", OrganisationKind.WONEN),
        "vidomes": make.organisation("Vidomes", OrganisationKind.WONEN),
    }
    coordinator = make.user(Role.COORDINATOR, name="Coördinator Matrix")
    records = {}
    for key, organisation in organisations.items():
        referrer = make.user(Role.REFERRER, organisation=organisation, name=f"Verwijzer {key}")
        referral = make.referral(referrer)
        matched = make.referral(referrer, intake_on=today() - timedelta(days=10), intake_by=coordinator).resident
        volunteer = make.volunteer()
        match = make.match(volunteer, matched, status=MatchStatus.ACTIEF)
        records[key] = Records(referral.id, referral.resident_id, match.id, volunteer.id)

    admin = make.user(Role.ADMIN, name="Beheer Matrix")
    accounts: dict[str, User] = {}
    for visitor in VISITORS:
        if visitor.role is None:
            continue
        confirmed: dict[str, Any] = {}
        sensitive = visitor.role in (Role.COORDINATOR, Role.ADMIN)
        if visitor.organisation != "controller" and sensitive and visitor.sensitive_confirmed:
            confirmed = {
                "sensitive_access_reason": "Coördineert het project in de wijk",
                "sensitive_access_confirmed_by_id": admin.id,
                "sensitive_access_confirmed_at": datetime(2026, 1, 5, 9, 0),
            }
        accounts[visitor.name] = make.user(
            visitor.role, organisation=organisations[visitor.organisation], name=visitor.name, **confirmed
        )

    bystander_organisation = make.organisation("Bibliotheek Rijswijk", OrganisationKind.BIBLIOTHEEK)
    bystander = make.user(Role.REFERRER, organisation=bystander_organisation, name="Omstander")
    spare = make.volunteer()
    waiting = make.resident(recorded_by=coordinator)
    proposal = make.proposal(spare, waiting)
    fixed = {
        "user_id": str(bystander.id),
        "organisation_id": str(bystander_organisation.id),
        "other_id": str(spare.id),
        "run_id": str(proposal.run_id),
        "proposal_id": str(proposal.id),
        "programme": "buddy",
        "rejection_reason": str(db.session.scalar(select(RejectionReason.code).limit(1))),
        "end_reason": str(db.session.scalar(select(EndReason.code).limit(1))),
        "chart": "matig-bewoners",
    }
    db.session.commit()
    return World(records, accounts, fixed)


def argument_value(world: World, endpoint: str, name: str, records: Records) -> str:
    if name in ORGANISATION_BOUND:
        return str(getattr(records, name))
    if name == "code":
        if "rejection" in endpoint:
            return world.fixed["rejection_reason"]
        if "end_reason" in endpoint:
            return world.fixed["end_reason"]
        return world.fixed["programme"]
    # An id this test does not know (a new route): a number; a 404 then counts as served.
    return world.fixed.get(name, "1")


@dataclass(frozen=True)
class Case:
    visitor: Visitor
    endpoint: str
    method: str
    path: str
    whose: str  # "own", "other" or "-" (the route takes no organisation's record)

    @property
    def blueprint(self) -> str:
        return self.endpoint.split(".")[0]


def cases(app: Flask, world: World) -> list[Case]:
    adapter = app.url_map.bind("localhost")
    result = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        bound = any(name in ORGANISATION_BOUND for name in rule.arguments)
        for visitor in VISITORS:
            own = world.records[visitor.organisation]
            other = world.records[OTHER_ORGANISATION[visitor.organisation]]
            for whose, records in [("own", own), ("other", other)] if bound else [("-", own)]:
                values = {name: argument_value(world, rule.endpoint, name, records) for name in rule.arguments}
                path = adapter.build(rule.endpoint, values)
                for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                    result.append(Case(visitor, rule.endpoint, method, path, whose))
    return result


def expected_refusal(case: Case) -> str | None:
    """How the case must be refused: 'sign in', '403', '404' or, on the API, '401'; None when it is allowed."""
    visitor = case.visitor
    if case.blueprint in TOKEN_BLUEPRINTS:
        return "401"  # a session is no way into the API, whoever's it is: only a bearer token is
    if visitor.role is None:
        return "sign in"
    if case.endpoint in HALF_WAY_SIGN_IN:
        return None
    if visitor.role not in ALLOWED_ROLES[case.blueprint]:
        return "403"
    sensitive = visitor.role in (Role.COORDINATOR, Role.ADMIN)
    if sensitive and not visitor.sensitive_confirmed and case.blueprint != "auth":
        return "403"
    if case.blueprint == "referrals" and case.whose == "other":
        return "404"
    return None


def refusal_of(response: Any) -> str | None:
    if response.status_code == 302 and response.headers["Location"].startswith("/inloggen"):
        return "sign in"
    if response.status_code in (401, 403, 404):
        return str(response.status_code)
    return None


def fingerprint() -> str:
    """A hash of every row of every table."""
    digest = hashlib.sha256()
    connection = db.session.connection()
    for table in sorted(db.metadata.sorted_tables, key=lambda t: t.name):
        if table.name in SKIPPED_TABLES:
            continue
        rows = connection.execute(text(f"SELECT * FROM {table.name}")).all()
        for row in sorted(repr(tuple(r)) for r in rows):
            digest.update(row.encode())
    return digest.hexdigest()


def test_the_access_matrix_refuses_everything_it_must(app: Flask, make: Factories) -> None:
    world = build_world(make)
    clients = {}
    for visitor in VISITORS:
        client = app.test_client()
        if visitor.role is not None:
            AuthActions(client).login_as(world.accounts[visitor.name])
        clients[visitor.name] = client
    all_cases = cases(app, world)
    must_refuse = [case for case in all_cases if expected_refusal(case) is not None]
    allowed_gets = [case for case in all_cases if expected_refusal(case) is None and case.method == "GET"]
    before = fingerprint()
    db.session.commit()

    wrongly_served = []
    for case in must_refuse:
        response = clients[case.visitor.name].open(case.path, method=case.method)
        if refusal_of(response) != expected_refusal(case):
            wrongly_served.append(
                f"{case.visitor.name}: {case.method} {case.path} ({case.whose}) -> {response.status_code}"
            )
    db.session.rollback()
    after = fingerprint()
    db.session.commit()

    wrongly_refused = []
    for case in allowed_gets:
        response = clients[case.visitor.name].open(case.path, method=case.method)
        refusal = refusal_of(response)
        unknown_record = case.whose == "-" and response.status_code == 404
        if refusal is not None and not unknown_record:
            wrongly_refused.append(f"{case.visitor.name}: GET {case.path} ({case.whose}) -> {response.status_code}")

    refused = len(must_refuse) - len(wrongly_served)
    routes = len({(case.endpoint, case.method) for case in all_cases})
    served = len(allowed_gets) - len(wrongly_refused)
    print(
        f"\naccess matrix: {refused}/{len(must_refuse)} refused where they must be "
        f"({100 * refused / len(must_refuse):.1f}%); {served}/{len(allowed_gets)} allowed GETs served; "
        f"{len(VISITORS)} visitors x {routes} routes and methods x own/other records = {len(all_cases)} cases"
    )
    assert wrongly_served == []
    assert before == after, "a refused request changed the database"
    assert wrongly_refused == []


def test_the_matrix_covers_every_visitor_and_both_sides_of_each_record(app: Flask, make: Factories) -> None:
    world = build_world(make)

    all_cases = cases(app, world)

    by_kind = {(case.visitor.name, case.whose) for case in all_cases if case.whose != "-"}
    assert by_kind == {(visitor.name, whose) for visitor in VISITORS for whose in ("own", "other")}
    assert {case.blueprint for case in all_cases} >= {"referrals", "residents", "matches", "coordination", "admin"}


def test_an_organisations_referral_is_not_another_ones(make: Factories) -> None:
    world = build_world(make)

    referral_ids = {records.referral_id for records in world.records.values()}
    organisation_ids = {
        db.session.scalar(select(User.organisation_id).where(User.id == account.id))
        for account in world.accounts.values()
    }

    assert len(referral_ids) == 3
    assert len(organisation_ids) == 3
    assert db.session.scalar(select(Organisation.is_controller).where(Organisation.name == "Welzijn Rijswijk"))
