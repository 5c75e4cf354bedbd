"""The command-line tasks: loading the demo data and creating the first admin."""

from __future__ import annotations

from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Match, MatchStatus, Referral, Resident, Role, User, Volunteer


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_seed_demo_loads_the_invented_rijswijk_data(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["samen", "seed-demo"])

    assert result.exit_code == 0, result.output
    assert (count(Volunteer), count(Resident), count(Match)) == (60, 120, 15)
    assert count(Referral) > 0
    assert {user.role for user in db.session.scalars(select(User))} == set(Role)


def test_seed_demo_says_how_many_matches_are_in_each_state(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["samen", "seed-demo"])

    by_status = dict(db.session.execute(select(Match.status, func.count()).group_by(Match.status)).all())
    expected = (
        f"15 matches ({by_status[MatchStatus.KENNISMAKING]} in their introduction, "
        f"{by_status[MatchStatus.ACTIEF]} active, {by_status[MatchStatus.BEEINDIGD]} ended)"
    )
    assert expected in result.output


def test_seed_demo_refuses_a_database_that_has_data(runner: FlaskCliRunner) -> None:
    runner.invoke(args=["samen", "seed-demo"])

    again = runner.invoke(args=["samen", "seed-demo"])
    quietly = runner.invoke(args=["samen", "seed-demo", "--if-empty"])

    assert again.exit_code != 0
    assert quietly.exit_code == 0
    assert count(Volunteer) == 60


def test_create_admin_makes_an_admin_who_need_not_change_the_password(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["samen", "create-admin", "--email", "Beheer@Welzijn.example", "--name", "Bea"],
        input="een lang wachtwoord\neen lang wachtwoord\n",
    )

    assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(User).where(User.email == "beheer@welzijn.example"))
    assert admin is not None
    assert admin.role is Role.ADMIN


def test_create_admin_refuses_a_short_password(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["samen", "create-admin", "--email", "b@welzijn.example", "--name", "Bea"], input="kort\nkort\n"
    )

    assert result.exit_code != 0
    assert count(User) == 0
