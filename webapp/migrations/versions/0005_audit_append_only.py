"""An append-only audit trail that names fields, never values; a volunteer's stopping reason on the volunteer

- audit_events: which fields an action touched (names only), indexes by subject and by user for the admins'
  search; on PostgreSQL a trigger refuses every UPDATE and DELETE of an audit row, whoever asks;
- volunteers: why they stopped, kept with the volunteer (and erased with them) instead of in the audit trail,
  which must hold no free text about a person once it cannot be changed any more: the reasons recorded so far
  move from the audit rows to the volunteers before the trigger exists;
- users: the last TOTP time step accepted, so that one code signs in once;
- remember_tokens: the validator a token replaced and when, so that a browser restoring several tabs at once with
  the same cookie is not taken for a thief.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 01:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# A trigger, not a REVOKE: in small installations the application connects as the tables' owner, whom a
# REVOKE does not bind. TRUNCATE is not a row event; only the owner may truncate, and nothing in Samen does.
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION samen_audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION samen_audit_events_append_only()
"""


def upgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fields", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.create_index("ix_audit_events_subject", ["subject_type", "subject_id"], unique=False)
        batch_op.create_index("ix_audit_events_user_id", ["user_id"], unique=False)
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stopped_reason", sa.Text(), server_default=sa.text("''"), nullable=False))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("remember_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_validator_hash", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("replaced_at", sa.DateTime(), nullable=True))

    audit = sa.table(
        "audit_events",
        sa.column("id", sa.Integer),
        sa.column("action", sa.String),
        sa.column("subject_id", sa.Integer),
        sa.column("detail", sa.JSON),
    )
    volunteers = sa.table("volunteers", sa.column("id", sa.Integer), sa.column("stopped_reason", sa.Text))
    connection = op.get_bind()
    stopped = connection.execute(
        sa.select(audit.c.id, audit.c.subject_id, audit.c.detail).where(audit.c.action == "volunteer.stopped")
    ).all()
    for event_id, volunteer_id, detail in stopped:
        detail = dict(detail or {})
        reason = str(detail.pop("reason", "") or "")
        if reason and volunteer_id is not None:
            connection.execute(volunteers.update().where(volunteers.c.id == volunteer_id).values(stopped_reason=reason))
        connection.execute(audit.update().where(audit.c.id == event_id).values(detail=detail))

    if connection.dialect.name == "postgresql":
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(APPEND_ONLY_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS samen_audit_events_append_only()")
    with op.batch_alter_table("remember_tokens", schema=None) as batch_op:
        batch_op.drop_column("replaced_at")
        batch_op.drop_column("previous_validator_hash")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_column("stopped_reason")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_user_id")
        batch_op.drop_index("ix_audit_events_subject")
        batch_op.drop_column("fields")
