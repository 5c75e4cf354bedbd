"""The demo data that `make run` loads (`flask samen seed-demo`): matches in every state, every date where the forms
would accept it, pairs the engine would propose, and a coordinator's week with work in every list.

The demo is loaded once per backend for this module: the tests only read it (GET handlers never write; signing in
touches nothing another test looks at).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from matcher.encoding import haversine_km
from tests.webapp.conftest import AuthActions, FreshGlobalsClient, _test_config
from webapp import create_app
from webapp.clock import local_date, local_today
from webapp.enums import (
    RESIDENT_STATUS_FOR_MATCH,
    Attention,
    CheckInState,
    ConsentPurpose,
    LonelinessCategory,
    MeasurementMoment,
    MeasurementSource,
    ReferralStatus,
)
from webapp.extensions import db
from webapp.loneliness import INSTRUMENT_VERSION, score_djg11
from webapp.models import (
    CheckIn,
    Consent,
    IntakeOutcome,
    LonelinessMeasurement,
    Match,
    MatchStatus,
    MeasurementLink,
    OutboxMail,
    Programme,
    Referral,
    Resident,
    ResidentStatus,
    User,
    VogStatus,
    Volunteer,
    utcnow,
)
from webapp.postcodes import pc4_areas
from webapp.rules import Blocker, eligibility_blockers, referral_status, vog_is_valid
from webapp.services import measurements
from webapp.services.follow_up import followed, policy_from
from webapp.services.week import coordinator_week

README_PASSWORDS = {
    "beheer@samen.test": "demo-beheer-2026",
    "coordinator@samen.test": "demo-coordinator-2026",
    "coordinator2@samen.test": "demo-coordinator-2026",
    "flatcoach@samen.test": "demo-flatcoach-2026",
    "vidomes@samen.test": "demo-flatcoach-2026",
    "bibliotheek@samen.test": "demo-flatcoach-2026",
    "gemeente@samen.test": "demo-gemeente-2026",
}


@pytest.fixture(scope="module")
def demo(backend: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app whose database holds the demo data, loaded by the command `make run` uses."""
    kind, resource = backend
    if kind == "sqlite":
        path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
        shutil.copyfile(resource, path)
        url, name = f"sqlite:///{path}", None
    else:
        name = resource.fresh()
        url = resource.url_for(name)
    app = create_app(_test_config(url))
    app.test_client_class = FreshGlobalsClient
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["samen", "seed-demo"])
        assert result.exit_code == 0, result.output
        yield app
        db.session.remove()
        db.engine.dispose()
    if name is not None:
        resource.drop(name)


@pytest.fixture
def today(demo: Flask) -> date:
    return local_today()


def _signed_in(demo: Flask, email: str) -> FlaskClient:
    client = demo.test_client()
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None
    AuthActions(client).login_as(user)
    return client


@pytest.fixture
def coordinator_client(demo: Flask) -> FlaskClient:
    return _signed_in(demo, "coordinator@samen.test")


def _all_matches() -> list[Match]:
    return list(
        db.session.scalars(
            select(Match).options(selectinload(Match.check_ins), selectinload(Match.events)).order_by(Match.id)
        )
    )


def _running(demo: Flask, today: date) -> list[Any]:
    return followed(db.session, [m for m in _all_matches() if m.holds_place], policy_from(demo.config), today)


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


# -- every state of a match -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "attention",
    [
        Attention.PLAN_INTRODUCTION,
        Attention.INTRODUCTION_PLANNED,
        Attention.RECORD_OUTCOME,
        Attention.CHECK_IN_DUE,
        Attention.CHECK_IN_OVERDUE,
        Attention.ENDING_TALK,
        Attention.ON_TRACK,
    ],
)
def test_a_running_match_asks_for_each_kind_of_attention(demo: Flask, today: date, attention: Attention) -> None:
    attentions = [row.follow_up.attention for row in _running(demo, today)]

    assert attention in attentions


def test_an_active_match_on_track_has_had_its_check_ins_on_time(demo: Flask, today: date) -> None:
    on_track = [row for row in _running(demo, today) if row.follow_up.attention is Attention.ON_TRACK]

    with_check_ins = [row for row in on_track if row.match.check_ins]
    assert with_check_ins
    assert all(row.follow_up.outlook.state is not CheckInState.OVERDUE for row in with_check_ins)


def test_an_active_match_has_had_every_check_in_of_the_schedule(demo: Flask, today: date) -> None:
    outlooks = [row.follow_up.outlook for row in _running(demo, today) if row.follow_up.outlook is not None]

    assert CheckInState.ALL_DONE in [outlook.state for outlook in outlooks]


@pytest.mark.parametrize(
    ("reason", "resident_status"),
    [
        ("geen_klik_kennismaking", ResidentStatus.WACHTEND),
        ("kennismaking_geannuleerd", ResidentStatus.WACHTEND),
        ("doel_bereikt", ResidentStatus.AFGESLOTEN),
        ("verhuisd", ResidentStatus.WACHTEND),
        ("veiligheid", ResidentStatus.WACHTEND),
    ],
)
def test_a_match_ended_for_each_kind_of_reason(demo: Flask, reason: str, resident_status: ResidentStatus) -> None:
    ended = [m for m in _all_matches() if m.status is MatchStatus.BEEINDIGD and m.end_reason_code == reason]

    assert len(ended) == 1
    assert ended[0].resident.status is resident_status


def test_the_safety_ending_sent_the_volunteer_back_to_screening(demo: Flask) -> None:
    (ended,) = [m for m in _all_matches() if m.end_reason_code == "veiligheid"]

    assert ended.volunteer.rescreening_since == ended.ended_on
    assert ended.volunteer.intake_planned_on is not None


def test_a_resident_back_on_the_waiting_list_kept_the_waiting_time_from_before(demo: Flask) -> None:
    (ended,) = [m for m in _all_matches() if m.end_reason_code == "verhuisd"]
    resident = ended.resident
    assert ended.started_on is not None
    assert ended.ended_on is not None

    time_in_match = ended.ended_on - ended.started_on
    assert resident.waiting_since == local_date(resident.created_at) + time_in_match


# -- dates where the forms accept them --------------------------------------------------------------------------


def test_each_volunteers_dates_follow_one_another_up_to_today(demo: Flask, today: date) -> None:
    wrong = []
    for v in db.session.scalars(select(Volunteer)):
        steps = [local_date(v.created_at), v.intake_on, v.vog_requested_on, v.vog_issued_on, today]
        known = [day for day in steps if day is not None]
        if known != sorted(known):
            wrong.append((v.full_name, steps))

    assert wrong == []


def test_every_issued_vog_still_counts(demo: Flask, today: date) -> None:
    issued = db.session.scalars(select(Volunteer).where(Volunteer.vog_status == VogStatus.AFGEGEVEN)).all()

    assert issued
    assert [v.full_name for v in issued if not vog_is_valid(v, today, demo.config["SAMEN_VOG_VALID_YEARS"])] == []


def test_each_residents_intake_talk_is_on_or_after_the_sign_up_and_not_in_the_future(demo: Flask, today: date) -> None:
    residents = db.session.scalars(select(Resident).where(Resident.intake_on.is_not(None))).all()

    wrong = [
        r.full_name
        for r in residents
        if r.intake_on is None
        or not r.consents
        or not min(c.given_on for c in r.consents) <= local_date(r.created_at) <= r.intake_on <= today
    ]
    assert residents
    assert wrong == []


def test_planned_intake_talks_lie_ahead(demo: Flask, today: date) -> None:
    residents = db.session.scalars(select(Resident.intake_planned_on).where(Resident.intake_planned_on.is_not(None)))
    volunteers = db.session.scalars(select(Volunteer.intake_planned_on).where(Volunteer.intake_planned_on.is_not(None)))

    planned = [*residents, *volunteers]
    assert planned
    assert all(today <= day <= today + timedelta(days=366) for day in planned)


def test_each_match_step_follows_the_one_before_and_none_lies_in_the_future(demo: Flask, today: date) -> None:
    wrong = []
    for m in _all_matches():
        chosen = local_date(m.created_at)
        started = m.started_on or chosen
        checks = [
            m.resident.intake_on is not None and m.resident.intake_on < chosen,
            m.volunteer.intake_on is not None and m.volunteer.intake_on < chosen,
            m.introduction_on is None or chosen <= m.introduction_on <= today + timedelta(days=366),
            m.started_on is None or chosen <= m.started_on <= today,
            all(started <= c.held_on <= today for c in m.check_ins),
            m.ended_on is None or started <= m.ended_on <= today,
            m.status is not MatchStatus.KENNISMAKING or m.ended_on is None,
        ]
        if not all(checks):
            wrong.append((m.id, checks))

    assert wrong == []


def test_each_timeline_runs_forward_and_ends_before_now(demo: Flask) -> None:
    now = utcnow()
    wrong = []
    for m in _all_matches():
        moments = [e.at for e in sorted(m.events, key=lambda e: e.id)]
        if moments != sorted(moments) or moments[-1] > now or moments[0] != m.created_at:
            wrong.append(m.id)

    assert wrong == []


# -- plausible pairs --------------------------------------------------------------------------------------------


def test_each_volunteer_was_screened_for_the_programme_when_the_pair_was_chosen(demo: Flask) -> None:
    programmes = {p.code: p for p in db.session.scalars(select(Programme))}
    wrong = []
    for m in _all_matches():
        blockers = eligibility_blockers(
            m.volunteer, programmes, local_date(m.created_at), demo.config["SAMEN_VOG_VALID_YEARS"]
        )
        # The pair's own place, and a safety ending since, are not what the choice was made on.
        standing = set(blockers[m.resident.programme_code]) - {Blocker.NO_FREE_CAPACITY, Blocker.RESCREENING}
        if standing or m.volunteer.intake_outcome is not IntakeOutcome.GESCHIKT:
            wrong.append((m.id, standing))

    assert wrong == []


def test_each_pair_lives_within_the_travel_limits(demo: Flask) -> None:
    areas = pc4_areas()

    def too_far(m: Match) -> bool:
        home, visitor = areas[m.resident.pc4], areas[m.volunteer.pc4]
        limits = [m.resident.programme.max_distance_km, m.volunteer.max_distance_km, m.resident.max_distance_km]
        return haversine_km(home.lat, home.lon, visitor.lat, visitor.lon) > min(x for x in limits if x is not None)

    assert [m.id for m in _all_matches() if too_far(m)] == []


def test_no_one_plays_in_two_matches(demo: Flask) -> None:
    matches = _all_matches()

    assert len({m.volunteer_id for m in matches}) == len(matches)
    assert len({m.resident_id for m in matches}) == len(matches)


# -- the invariants ---------------------------------------------------------------------------------------------


def test_each_volunteers_places_taken_equals_their_matches_in_introduction_or_active(demo: Flask) -> None:
    holding = dict(
        db.session.execute(
            select(Match.volunteer_id, func.count()).where(Match.holds_place).group_by(Match.volunteer_id)
        ).all()
    )
    volunteers = db.session.scalars(select(Volunteer)).all()

    assert [v.id for v in volunteers if v.places_taken != holding.get(v.id, 0)] == []
    assert sum(holding.values()) > 0


def test_each_residents_status_follows_their_match(demo: Flask) -> None:
    holding = {m.resident_id: m for m in _all_matches() if m.holds_place}
    residents = db.session.scalars(select(Resident)).all()

    wrong = [
        r.id
        for r in residents
        if (r.id in holding and r.status is not RESIDENT_STATUS_FOR_MATCH[holding[r.id].status])
        or (r.id not in holding and r.status in RESIDENT_STATUS_FOR_MATCH.values())
    ]
    assert wrong == []


def test_each_referrals_stored_status_follows_the_rule(demo: Flask) -> None:
    referrals = db.session.scalars(select(Referral)).all()

    assert [r.id for r in referrals if r.status is not referral_status(r.resident)] == []
    assert {r.status for r in referrals} == set(ReferralStatus)


def test_a_referral_whose_status_never_changed_shows_the_day_it_came_in(demo: Flask) -> None:
    referrals = db.session.scalars(select(Referral)).all()

    received = [r for r in referrals if r.status is ReferralStatus.ONTVANGEN]
    assert received
    assert [r.id for r in received if r.status_changed_at != r.created_at] == []
    assert [r.id for r in referrals if r.status_changed_at < r.created_at] == []


def test_the_demo_history_leaves_no_mail_to_send(demo: Flask) -> None:
    assert db.session.scalar(select(func.count(OutboxMail.id))) == 0


# -- the pages --------------------------------------------------------------------------------------------------

WEEK_SECTIONS = [
    "kennismaking-plannen",
    "uitkomst-vastleggen",
    "contactmomenten",
    "eindgesprek",
    "nog-niet-gesproken",
    "intakes-gepland",
    "vog-verloopt",
    "wachten-op-intake",
    "langst-wachtend",
]


@pytest.mark.parametrize("section_id", WEEK_SECTIONS)
def test_the_week_page_lists_work_in_each_section(coordinator_client: FlaskClient, section_id: str) -> None:
    response = coordinator_client.get("/coordinatie")

    assert response.status_code == 200
    section = _section(response.get_data(as_text=True), section_id)
    count = re.search(r'class="work-count">(\d+)<', section)
    assert count is not None
    assert int(count.group(1)) >= 1
    assert "<li>" in section


def test_the_week_lists_both_kinds_of_planned_intake_talks_and_two_expiring_vogs(demo: Flask, today: date) -> None:
    week = coordinator_week(db.session, demo.config, today)

    assert {p.resident is not None for p in week.intakes_planned.items} == {True, False}
    assert week.vogs_expiring.total == 2
    assert week.check_ins.total == 2


@pytest.mark.parametrize("status", ["lopend", "beeindigd"])
def test_the_match_list_links_to_each_match(coordinator_client: FlaskClient, status: str) -> None:
    expected = [m.id for m in _all_matches() if m.holds_place is (status == "lopend")]

    response = coordinator_client.get(f"/koppelingen/?status={status}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert expected
    assert [i for i in expected if f'href="/koppelingen/{i}"' not in html] == []


def test_each_match_page_shows(coordinator_client: FlaskClient) -> None:
    ids = [m.id for m in _all_matches()]

    statuses = {i: coordinator_client.get(f"/koppelingen/{i}").status_code for i in ids}

    assert set(statuses.values()) == {200}


@pytest.mark.parametrize("email", sorted(README_PASSWORDS))
def test_each_demo_account_signs_in_with_the_password_in_the_readme(demo: Flask, email: str) -> None:
    client = demo.test_client()

    response = client.post("/inloggen", data={"email": email, "password": README_PASSWORDS[email]})

    assert response.status_code == 302
    assert "/inloggen" not in response.headers["Location"]


# -- loneliness measured (De Jong Gierveld) ---------------------------------------------------------------------


def _measurements() -> list[LonelinessMeasurement]:
    return list(db.session.scalars(select(LonelinessMeasurement).order_by(LonelinessMeasurement.id)))


def _band(age: int | None) -> str | None:
    if age is None:
        return None
    return "12-18" if age <= 18 else "19-65" if age <= 65 else "65+"


def test_most_residents_with_an_intake_talk_and_the_lonely_volunteers_were_measured(demo: Flask) -> None:
    rows = _measurements()
    residents = {m.resident_id for m in rows if m.resident_id is not None}
    volunteers = {m.volunteer_id for m in rows if m.volunteer_id is not None}
    with_intake = db.session.scalar(select(func.count()).select_from(Resident).where(Resident.intake_on.is_not(None)))

    assert len(residents) >= 0.7 * (with_intake or 0)
    assert len(volunteers) >= 5
    intakes = {(m.resident_id, m.volunteer_id) for m in rows if m.moment is MeasurementMoment.INTAKE}
    assert {(m.resident_id, m.volunteer_id) for m in rows} == intakes  # everyone measured has a baseline
    assert {m.moment for m in rows} == set(MeasurementMoment)
    assert {m.source for m in rows} == set(MeasurementSource)


def test_every_measurement_is_dated_from_the_consent_up_to_today_and_scored_as_the_scale_says(
    demo: Flask, today: date
) -> None:
    wrong = []
    for m in _measurements():
        person = db.session.get(Resident, m.resident_id) if m.resident_id else db.session.get(Volunteer, m.volunteer_id)
        assert person is not None
        owner = {"resident_id": m.resident_id} if m.resident_id else {"volunteer_id": m.volunteer_id}
        consented = db.session.scalar(
            select(func.min(Consent.given_on)).where(
                Consent.purpose == ConsentPurpose.LONELINESS,
                Consent.withdrawn_at.is_(None),
                *(getattr(Consent, key) == value for key, value in owner.items()),
            )
        )
        score = score_djg11(m.answers)
        checks = [
            consented is not None and consented <= m.measured_on <= today,
            measurements.known_since(person) <= m.measured_on,
            local_date(m.recorded_at) <= today,
            (m.total, m.emotional, m.social, m.missing, m.category)
            == (score.total, score.emotional, score.social, score.missing, score.category),
            m.instrument_version == INSTRUMENT_VERSION,
            not isinstance(person, Volunteer) or person.lonely_themselves,
        ]
        if not all(checks):
            wrong.append((m.id, checks))

    assert wrong == []


def test_a_measurement_at_a_check_in_follows_that_check_in_of_the_persons_own_match(demo: Flask) -> None:
    at_check_ins = [m for m in _measurements() if m.moment is MeasurementMoment.CHECK_IN]

    assert len({m.resident_id for m in at_check_ins if m.resident_id}) >= 5
    wrong = []
    for m in at_check_ins:
        check_in = db.session.get(CheckIn, m.check_in_id)
        match = db.session.get(Match, check_in.match_id) if check_in is not None else None
        own = match is not None and (match.resident_id == m.resident_id or match.volunteer_id == m.volunteer_id)
        if not own or check_in is None or check_in.held_on > m.measured_on:
            wrong.append(m.id)
    assert wrong == []


def test_most_follow_ups_with_a_buddy_improve_not_all_and_some_answers_are_missing(demo: Flask) -> None:
    rows = _measurements()
    intake = {m.resident_id: m.total for m in rows if m.resident_id and m.moment is MeasurementMoment.INTAKE}
    latest = {m.resident_id: m.total for m in rows if m.resident_id and m.moment is MeasurementMoment.CHECK_IN}
    pairs = [(intake[r], total) for r, total in latest.items() if intake.get(r) is not None and total is not None]

    improved = sum(1 for before, after in pairs if after < before)
    assert improved > len(pairs) / 2
    assert improved < len(pairs)
    assert sum(1 for m in rows if m.missing) >= 3
    assert {m.category for m in rows if m.moment is MeasurementMoment.INTAKE} >= set(LonelinessCategory) | {None}


@pytest.mark.parametrize("band", ["19-65", "65+"])
def test_each_age_band_has_five_residents_measured_at_intake_and_later(demo: Flask, band: str) -> None:
    rows = [m for m in _measurements() if m.resident_id is not None]
    at_intake = {m.resident_id for m in rows if m.moment is MeasurementMoment.INTAKE and _band(m.age) == band}
    followed = {m.resident_id for m in rows if m.moment is not MeasurementMoment.INTAKE and _band(m.age) == band}

    assert len(at_intake) >= 5
    assert len(followed) >= 5


def test_every_demo_link_was_used_and_no_token_is_kept(demo: Flask) -> None:
    links = db.session.scalars(select(MeasurementLink)).all()

    assert links
    assert all(link.used_at is not None and link.measurement_id is not None for link in links)
    assert all(local_date(link.used_at) <= local_today() for link in links if link.used_at is not None)


def test_a_residents_page_shows_their_measurements(coordinator_client: FlaskClient) -> None:
    measured = db.session.scalar(
        select(LonelinessMeasurement.resident_id)
        .where(LonelinessMeasurement.moment == MeasurementMoment.CHECK_IN)
        .order_by(LonelinessMeasurement.id)
        .limit(1)
    )

    response = coordinator_client.get(f"/bewoners/{measured}")

    assert response.status_code == 200
    section = _section(response.get_data(as_text=True), "eenzaamheid")
    assert "bij een contactmoment" in section
    assert "van 11" in section
