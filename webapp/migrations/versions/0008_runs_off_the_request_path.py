"""Runs off the request path: a run is queued, then run by a worker that reports its progress

- match_runs.status may also be ``wachtrij`` (queued) and ``bezig`` (running);
- stage, stage_percent, certificate_round: how far a running run is (written by the worker, read by the run page);
- heartbeat_at: when the worker last showed life (a run whose worker died is failed after a timeout);
- finished_at: when it ended, set exactly when the run is done or failed (a CHECK);
- failure_reason: why a failed run failed, as a code (the engine's message stays in stats.error; every run that
  failed before this revision failed on the engine's input check);
- at most one queued or running run per programme, the whole list counting as programme '*' (a partial unique
  index; a run of the whole list and one of a single programme exclude each other in the service, under row locks).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

STATUSES_BEFORE = ("klaar", "mislukt")
STATUSES_AFTER = ("wachtrij", "bezig", *STATUSES_BEFORE)
STAGES = ("laden", "scoren", "oplossen", "certificaat", "opslaan")
FAILURES = ("onjuiste_gegevens", "niet_opgepakt", "verwerker_weg", "wachtrij_onbereikbaar", "onverwachte_fout")
ACTIVE = "status IN ('wachtrij', 'bezig')"


def _status_check(values):
    with op.batch_alter_table("match_runs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_match_runs_runstatus"), type_="check")
        listed = ", ".join(f"'{value}'" for value in values)
        batch_op.create_check_constraint("runstatus", f"status IN ({listed})")


def upgrade():
    _status_check(STATUSES_AFTER)
    with op.batch_alter_table("match_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "stage",
                sa.Enum(*STAGES, name="runstage", native_enum=False, create_constraint=True, length=32),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("stage_percent", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("certificate_round", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("finished_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "failure_reason",
                sa.Enum(*FAILURES, name="runfailure", native_enum=False, create_constraint=True, length=32),
                nullable=True,
            )
        )

    runs = sa.table(
        "match_runs",
        sa.column("status", sa.String),
        sa.column("started_at", sa.DateTime),
        sa.column("finished_at", sa.DateTime),
        sa.column("failure_reason", sa.String),
    )
    connection = op.get_bind()
    connection.execute(sa.update(runs).values(finished_at=runs.c.started_at))
    connection.execute(sa.update(runs).where(runs.c.status == "mislukt").values(failure_reason="onjuiste_gegevens"))

    with op.batch_alter_table("match_runs", schema=None) as batch_op:
        batch_op.create_check_constraint("finished_when_ended", f"(finished_at IS NULL) = ({ACTIVE})")
        batch_op.create_check_constraint(
            "stage_percent_valid", "stage_percent IS NULL OR (stage_percent >= 0 AND stage_percent <= 100)"
        )
    op.create_index(
        "uq_match_runs_one_active_per_programme",
        "match_runs",
        [sa.text("coalesce(programme_code, '*')")],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )


def downgrade():
    op.drop_index("uq_match_runs_one_active_per_programme", table_name="match_runs")
    runs = sa.table(
        "match_runs", sa.column("status", sa.String), sa.column("started_at", sa.DateTime), sa.column("finished_at")
    )
    # A run that never finished cannot be represented before this revision: it becomes a failed one.
    op.get_bind().execute(
        sa.update(runs)
        .where(runs.c.status.in_(("wachtrij", "bezig")))
        .values(status="mislukt", finished_at=runs.c.started_at)
    )
    with op.batch_alter_table("match_runs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_match_runs_finished_when_ended"), type_="check")
        batch_op.drop_constraint(op.f("ck_match_runs_stage_percent_valid"), type_="check")
        batch_op.drop_constraint(op.f("ck_match_runs_runstage"), type_="check")
        batch_op.drop_constraint(op.f("ck_match_runs_runfailure"), type_="check")
        batch_op.drop_column("failure_reason")
        batch_op.drop_column("finished_at")
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("certificate_round")
        batch_op.drop_column("stage_percent")
        batch_op.drop_column("stage")
    _status_check(STATUSES_BEFORE)
