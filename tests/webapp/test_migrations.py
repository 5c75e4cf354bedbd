"""The migrations: they build the schema the models describe, upgrade old data correctly and go back down.

Each test starts from an empty database (SQLite always, PostgreSQL too when TEST_DATABASE_URL is set).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from webapp.enums import PLACE_HOLDING_MATCH_STATUSES, MatchStatus
from webapp.extensions import db


def _execute(statement: str, **params: Any) -> Any:
    with db.engine.begin() as connection:
        return connection.execute(sa.text(statement), params)


def _first(statement: str, **params: Any) -> Any:
    with db.engine.connect() as connection:
        return connection.execute(sa.text(statement), params).first()


def _scalar(statement: str, **params: Any) -> Any:
    with db.engine.connect() as connection:
        return connection.execute(sa.text(statement), params).scalar()


def test_the_migrated_schema_is_what_the_models_describe(empty_app: Flask) -> None:
    upgrade()

    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), db.metadata)

    assert differences == []


def test_every_migration_goes_down_and_up_again(empty_app: Flask) -> None:
    upgrade()
    downgrade(revision="base")
    upgrade()

    assert _scalar("SELECT count(*) FROM programmes") == 5


def _seed(counter: str = "places_taken") -> dict[str, int]:
    """A coordinator, a volunteer whose counter (``counter``: its name before 0002) says 0 while two matches hold
    a place, and their two residents."""
    _execute("INSERT INTO organisations (name, kind, active, created_at) VALUES ('W', 'welzijn', true, :now)", now=NOW)
    user = _scalar("SELECT id FROM organisations")
    _execute(
        "INSERT INTO users (email, name, password_hash, role, organisation_id, active, must_change_password, "
        "created_at) VALUES ('c@x.nl', 'C', 'x', 'coordinator', :org, true, false, :now)",
        org=user,
        now=NOW,
    )
    user_id = _scalar("SELECT id FROM users")
    _execute(
        f"INSERT INTO volunteers (first_name, last_name, email, phone, birth_date, postcode, pc4, interests, "
        f"languages, availability, max_distance_km, capacity, {counter}, motivation, lonely_themselves, "
        "consent_at, consent_version, intake_notes, vog_status, created_at, updated_at, version) VALUES "
        "('V', 'V', 'v@x.nl', '0612345678', :born, '2282 AB', '2282', '[]', '[]', '[]', 3, 2, 0, '', false, :now, "
        "'1', '', 'afgegeven', :now, :now, 1)",
        born=date(1980, 1, 1),
        now=NOW,
    )
    volunteer_id = _scalar("SELECT id FROM volunteers")
    residents = []
    for n in range(2):
        _execute(
            "INSERT INTO residents (first_name, last_name, phone, email, postcode, pc4, address, programme_code, "
            "interests, languages, availability, notes, source, status, waiting_since, closed_reason, consent_by, "
            "consent_on, consent_method, consent_recorded_by_id, created_at, updated_at, version) VALUES "
            "(:name, 'R', '', '', '2282 AB', '2282', '', 'buddy', '[]', '[]', '[]', '', 'coordinator', 'gekoppeld', "
            ":today, '', 'bewoner', :today, 'mondeling', :user, :now, :now, 1)",
            name=f"R{n}",
            today=date(2026, 1, 1),
            user=user_id,
            now=NOW,
        )
        residents.append(_scalar("SELECT max(id) FROM residents"))
    for resident_id in residents:
        _execute(
            "INSERT INTO matches (volunteer_id, resident_id, status, created_by_id, created_at, end_reason) "
            "VALUES (:v, :r, 'actief', :u, :now, '')",
            v=volunteer_id,
            r=resident_id,
            u=user_id,
            now=NOW,
        )
    return {"volunteer": volunteer_id, "resident": residents[0], "user": user_id}


NOW = datetime(2026, 11, 1, 12, 0)


def test_upgrade_counts_the_places_taken_from_the_matches(empty_app: Flask) -> None:
    upgrade(revision="0001")
    ids = _seed(counter="active_match_count")

    upgrade(revision="0002")

    assert _scalar("SELECT places_taken FROM volunteers WHERE id = :id", id=ids["volunteer"]) == 2


def test_the_index_holds_one_place_holding_match_per_resident_as_the_code_defines_it(empty_app: Flask) -> None:
    upgrade(revision="0002")
    ids = _seed()
    upgrade()
    insert = (
        "INSERT INTO matches (volunteer_id, resident_id, status, created_by_id, created_at) "
        "VALUES (:v, :r, :status, :u, :now)"
    )

    for status in MatchStatus:
        if status in PLACE_HOLDING_MATCH_STATUSES:
            # The resident already has a place-holding match: a second one in any holding status is refused.
            with pytest.raises(sa.exc.IntegrityError):
                _execute(insert, v=ids["volunteer"], r=ids["resident"], status=status.value, u=ids["user"], now=NOW)
        else:
            _execute(insert, v=ids["volunteer"], r=ids["resident"], status=status.value, u=ids["user"], now=NOW)

    assert _scalar("SELECT count(*) FROM matches WHERE resident_id = :r", r=ids["resident"]) == 1 + sum(
        status not in PLACE_HOLDING_MATCH_STATUSES for status in MatchStatus
    )


def test_upgrade_to_the_life_of_a_match_keeps_what_was_there(empty_app: Flask) -> None:
    upgrade(revision="0002")
    ids = _seed()
    first_match = _scalar("SELECT min(id) FROM matches")
    _execute(
        "UPDATE matches SET status = 'beeindigd', ended_at = :at, end_reason = 'Verhuisd naar Delft' WHERE id = :id",
        at=datetime(2026, 11, 20, 10, 0),
        id=first_match,
    )
    _execute(
        "INSERT INTO match_runs (programme_code, started_by_id, started_at, status, rules, stats) "
        "VALUES ('buddy', :u, :now, 'klaar', '{}', '{}')",
        u=ids["user"],
        now=NOW,
    )
    _execute(
        "INSERT INTO proposals (run_id, volunteer_id, resident_id, score, distance_score, interests_score, "
        "availability_score, waiting_score, distance_km, max_distance_km, shared_interests, shared_slots, "
        "shared_languages, waiting_days, status, rejection_reason, rejection_note) VALUES ((SELECT id FROM "
        "match_runs), :v, :r, 0.5, 0.5, 0.5, 0.5, 0.5, 1.0, 5.0, '[]', '[]', '[]', 3, 'afgewezen', 'tijden', '')",
        v=ids["volunteer"],
        r=ids["resident"],
    )

    upgrade()

    ended = "SELECT status, ended_on, end_reason_code, end_note, started_on FROM matches WHERE id = :id ORDER BY id"
    status, ended_on, reason, note, started_on = _first(ended, id=first_match)
    assert (status, str(ended_on), reason, note, started_on) == (
        "beeindigd",
        "2026-11-20",
        "anders",
        "Verhuisd naar Delft",
        None,
    )
    assert str(_scalar("SELECT started_on FROM matches WHERE id <> :id", id=first_match)) == "2026-11-01"
    kinds = _scalar("SELECT count(*) FROM match_events")
    assert kinds == 4  # both approved by hand, one started, one ended
    assert _scalar("SELECT rejection_reason_code FROM proposals") == "tijden"
    assert _scalar("SELECT excluded_until FROM proposals") is None  # old rejections stay for good


def test_downgrade_turns_an_introduction_into_an_active_match(empty_app: Flask) -> None:
    upgrade(revision="0002")
    _seed()
    upgrade()
    _execute("UPDATE matches SET status = 'kennismaking'")
    _execute("UPDATE residents SET status = 'kennismaking'")

    downgrade(revision="0002")

    assert _scalar("SELECT count(*) FROM matches WHERE status = 'actief'") == 2
    assert _scalar("SELECT count(*) FROM residents WHERE status = 'gekoppeld'") == 2
