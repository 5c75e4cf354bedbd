"""``flask samen retention ...``: anonymising what is due under the retention periods (``webapp.services.retention``
holds the rules). Run it daily, e.g. from cron: ``flask --app webapp samen retention run``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from webapp.clock import local_today
from webapp.extensions import db
from webapp.services import retention as retention_service
from webapp.services.retention import RetentionPolicy, RetentionReport, RetentionRule

retention = click.Group("retention", help="Retention periods: delete or anonymise what is due.")

_RULE_WORDS = {
    RetentionRule.REFERRAL: "referrals without an intake talk",
    RetentionRule.RESIDENT: "residents",
    RetentionRule.VOLUNTEER: "volunteers",
}


def _summary(report: RetentionReport) -> str:
    """Counts per kind, never names."""
    counts = ", ".join(f"{report.anonymised[rule]} {words}" for rule, words in _RULE_WORDS.items())
    lines = [f"{'Would anonymise' if report.dry_run else 'Anonymised'}: {counts}."]
    restricted = sum(report.skipped_restricted.values())
    if restricted:
        lines.append(f"Skipped {restricted} whose processing is restricted (kept until the restriction is lifted).")
    refused = sum(report.skipped_refused.values())
    if refused:
        lines.append(f"Skipped {refused} that could not be anonymised now (a running match); the next run tries again.")
    if report.dry_run:
        lines.append("Dry run: nothing was changed.")
    return "\n".join(lines)


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="Only say what is due; change nothing.")
@with_appcontext
def run(dry_run: bool) -> None:
    """Anonymise every resident and volunteer whose retention period has passed (idempotent)."""
    policy = RetentionPolicy.from_config(current_app.config)
    click.echo(
        f"Periods: referrals without an intake talk {policy.referral_months} months, residents "
        f"{policy.resident_months} months, volunteers {policy.volunteer_months} months."
    )
    report = retention_service.run(db.session, policy, local_today(), dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(_summary(report))


#: The commands this module adds to ``flask samen``.
COMMANDS: list[click.Command] = [retention]
