"""Wie zoeken we? is computed by the matching run's worker, not in a web request

- match_runs.recruiting: which new volunteers would help the residents the run left waiting (JSON; NULL for the
  runs before this revision, whose page says so);
- match_runs.stage may also be ``werving``: the worker is working that out (between the certificate and storing).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 02:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

STAGES_BEFORE = ("laden", "scoren", "oplossen", "certificaat", "opslaan")
STAGES_AFTER = ("laden", "scoren", "oplossen", "certificaat", "werving", "opslaan")
ACTIVE = "status IN ('wachtrij', 'bezig')"
ONE_ACTIVE_INDEX = "uq_match_runs_one_active_per_programme"


def _create_one_active_index():
    op.create_index(
        ONE_ACTIVE_INDEX,
        "match_runs",
        [sa.text("coalesce(programme_code, '*')")],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )


def _stage_check(values):
    # SQLite's batch mode copies the table and would lose the expression index (0008): it is made again after.
    op.drop_index(ONE_ACTIVE_INDEX, table_name="match_runs")
    with op.batch_alter_table("match_runs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_match_runs_runstage"), type_="check")
        listed = ", ".join(f"'{value}'" for value in values)
        batch_op.create_check_constraint("runstage", f"stage IN ({listed})")
    _create_one_active_index()


def upgrade():
    with op.batch_alter_table("match_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recruiting", sa.JSON(), nullable=True))
    _stage_check(STAGES_AFTER)


def downgrade():
    runs = sa.table("match_runs", sa.column("stage", sa.String))
    # A run working out its recruiting advice is, before this revision, storing its proposals.
    op.get_bind().execute(sa.update(runs).where(runs.c.stage == "werving").values(stage="opslaan"))
    _stage_check(STAGES_BEFORE)
    op.drop_index(ONE_ACTIVE_INDEX, table_name="match_runs")
    with op.batch_alter_table("match_runs", schema=None) as batch_op:
        batch_op.drop_column("recruiting")
    _create_one_active_index()
