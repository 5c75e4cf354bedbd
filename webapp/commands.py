"""Command-line tasks: ``flask --app webapp samen ...``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp.clock import local_today
from webapp.demo import database_is_empty, load_demo_data
from webapp.extensions import db
from webapp.models import Organisation, OrganisationKind, Role, User
from webapp.security import MIN_PASSWORD_LENGTH, hash_password

samen = AppGroup("samen", help="Samen tasks.")


@samen.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has data.")
def seed_demo(if_empty: bool) -> None:
    """Load the invented Rijswijk demo data (local use only)."""
    if not database_is_empty(db.session):
        if if_empty:
            click.echo("Database already has data; demo data not loaded.")
            return
        raise click.ClickException("The database already has data; demo data goes into an empty database only.")
    counts = load_demo_data(db.session, local_today())
    db.session.commit()
    click.echo(
        f"Demo data loaded: {counts.organisations} organisations, {counts.accounts} accounts, "
        f"{counts.volunteers} volunteers, {counts.residents} residents, {counts.matches} matches "
        f"({counts.introductions} in their introduction, {counts.active} active, {counts.ended} ended)."
    )


@samen.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--organisation", default="Welzijn Rijswijk", show_default=True)
@click.password_option(help="At least 12 characters.")
def create_admin(email: str, name: str, organisation: str, password: str) -> None:
    """Create the first admin account (and its organisation) on a fresh production database."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(f"use at least {MIN_PASSWORD_LENGTH} characters", param_hint="password")
    org = db.session.scalar(select(Organisation).where(Organisation.name == organisation))
    if org is None:
        org = Organisation(name=organisation, kind=OrganisationKind.WELZIJN)
        db.session.add(org)
    # The first admin's organisation is the controller (Welzijn Rijswijk) when there is none yet: its staff see
    # residents' data without an admin's confirmation.
    has_controller = db.session.scalar(select(Organisation.id).where(Organisation.is_controller.is_(True)).limit(1))
    if organisation == "Welzijn Rijswijk" or has_controller is None:
        org.is_controller = True
    if db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower())):
        raise click.ClickException(f"An account for {email} already exists.")
    db.session.add(
        User(
            email=email.strip().lower(),
            name=name.strip(),
            role=Role.ADMIN,
            organisation=org,
            password_hash=hash_password(password),
            must_change_password=False,
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException(f"An account for {email} already exists.") from None
    click.echo(f"Admin account {email} created.")


@samen.command("create-api-token")
@click.option("--organisation", required=True, help="The organisation's name, exactly as in Samen.")
@click.option("--role", required=True, help="referrer (refer residents) or viewer (the coalition's figures).")
@click.option("--name", "label", default="", help="What the key is recognised by, e.g. the partner's system.")
def create_api_token(organisation: str, role: str, label: str) -> None:
    """Issue a key for the JSON API (/api/v1) and print it, once: only its hash is stored."""
    from webapp.services import api_tokens
    from webapp.services.errors import FieldError

    roles = {member.value: member for member in api_tokens.API_ROLES}
    if role.strip().lower() not in roles:
        raise click.BadParameter(f"use one of: {', '.join(roles)}", param_hint="--role")
    org = api_tokens.find_organisation(db.session, organisation)
    if org is None:
        known = ", ".join(db.session.scalars(select(Organisation.name).order_by(Organisation.name)))
        message = f"no organisation is called {organisation!r} (known: {known})"
        raise click.BadParameter(message, param_hint="--organisation")
    chosen = roles[role.strip().lower()]
    try:
        issued = api_tokens.issue(db.session, None, org, chosen, label or f"{org.name} ({chosen.value})")
    except FieldError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"API token {issued.token.prefix}... for {org.name} ({chosen.value}) issued. It is shown only now:")
    click.echo(issued.secret)


def register(app: Flask) -> None:
    from webapp import cli_outbox, cli_retention, cli_worker

    for command in [*cli_outbox.COMMANDS, *cli_retention.COMMANDS, *cli_worker.COMMANDS]:
        samen.add_command(command)
    app.cli.add_command(samen)
