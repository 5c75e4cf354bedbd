"""Consent in one table: the inline consent columns go, at most one standing consent per person and purpose

- consents: the consents recorded inline since migration 0004 copied them (residents and volunteers who came in
  after it, whose consent the code still wrote only inline) are copied first, the same way 0004 did: a resident's
  consent for intake and matching and, when referred, for sharing the status with the referrer; a volunteer's
  sign-up consent. Nobody already holding a consent row for the purpose (standing or withdrawn) gets a copy, so a
  withdrawal is never undone. Then two partial unique indexes: at most one standing (not withdrawn) consent per
  resident or volunteer and purpose;
- residents lose consent_by, consent_on, consent_method, consent_recorded_by_id; volunteers lose consent_at and
  consent_version.

Downgrade: the columns come back, filled from each person's consent for intake and matching (the standing one, else
the latest), or, for someone without one, from when they were created and the first admin: the old columns held a
value for everyone.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

IN_FORCE = {
    "resident_id": "withdrawn_at IS NULL AND resident_id IS NOT NULL",
    "volunteer_id": "withdrawn_at IS NULL AND volunteer_id IS NOT NULL",
}


def _index_name(owner):
    return f"uq_consents_{owner.removesuffix('_id')}_in_force"


def upgrade():
    # 1. Nothing lost: the inline consents that never reached the consents table.
    op.execute(
        "INSERT INTO consents (resident_id, purpose, text_version, given_by, method, given_on, recorded_by_id, "
        "recorded_at, withdrawal_note) SELECT r.id, 'intake_koppelen', '2026-11', "
        "CASE r.consent_by WHEN 'bewoner' THEN 'persoon' ELSE 'vertegenwoordiger' END, r.consent_method, "
        "r.consent_on, r.consent_recorded_by_id, r.created_at, '' FROM residents r WHERE NOT EXISTS "
        "(SELECT 1 FROM consents c WHERE c.resident_id = r.id AND c.purpose = 'intake_koppelen')"
    )
    op.execute(
        "INSERT INTO consents (resident_id, purpose, text_version, given_by, method, given_on, recorded_by_id, "
        "recorded_at, withdrawal_note) SELECT r.id, 'status_delen', 'verwijzing-2026-11', "
        "CASE r.consent_by WHEN 'bewoner' THEN 'persoon' ELSE 'vertegenwoordiger' END, r.consent_method, "
        "r.consent_on, r.consent_recorded_by_id, r.created_at, '' FROM residents r JOIN referrals f "
        "ON f.resident_id = r.id WHERE NOT EXISTS "
        "(SELECT 1 FROM consents c WHERE c.resident_id = r.id AND c.purpose = 'status_delen')"
    )
    op.execute(
        "INSERT INTO consents (volunteer_id, purpose, text_version, given_by, method, given_on, recorded_by_id, "
        "recorded_at, withdrawal_note) SELECT v.id, 'intake_koppelen', v.consent_version, 'persoon', 'online', "
        "date(v.consent_at), NULL, v.consent_at, '' FROM volunteers v WHERE NOT EXISTS "
        "(SELECT 1 FROM consents c WHERE c.volunteer_id = v.id AND c.purpose = 'intake_koppelen')"
    )

    # 2. At most one standing consent per person and purpose.
    with op.batch_alter_table("consents", schema=None) as batch_op:
        for owner, where in IN_FORCE.items():
            batch_op.create_index(
                _index_name(owner),
                [owner, "purpose"],
                unique=True,
                sqlite_where=sa.text(where),
                postgresql_where=sa.text(where),
            )

    # 3. The inline columns go.
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_residents_consent_recorded_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(op.f("ck_residents_consentby"), type_="check")
        batch_op.drop_constraint(op.f("ck_residents_consentmethod"), type_="check")
        batch_op.drop_column("consent_recorded_by_id")
        batch_op.drop_column("consent_method")
        batch_op.drop_column("consent_on")
        batch_op.drop_column("consent_by")
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_column("consent_version")
        batch_op.drop_column("consent_at")


def _intake_consent(owner, column, fallback):
    """SQL for one column of the person's consent for intake and matching (the standing one, else the latest)."""
    return (
        f"COALESCE((SELECT c.{column} FROM consents c WHERE c.{owner} = t.id AND c.purpose = 'intake_koppelen' "  # nosec B608: fixed column names from this file, no input
        f"ORDER BY (c.withdrawn_at IS NULL) DESC, c.recorded_at DESC, c.id DESC LIMIT 1), {fallback})"
    )


def downgrade():
    with op.batch_alter_table("consents", schema=None) as batch_op:
        for owner in IN_FORCE:
            batch_op.drop_index(_index_name(owner))

    first_admin = "(SELECT min(u.id) FROM users u WHERE u.role = 'admin')"
    any_user = "(SELECT min(u.id) FROM users u)"
    referrer = "(SELECT f.referrer_id FROM referrals f WHERE f.resident_id = t.id)"

    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_by", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("consent_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("consent_method", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("consent_recorded_by_id", sa.Integer(), nullable=True))
    given_by = _intake_consent("resident_id", "given_by", "'persoon'")
    given_on = _intake_consent("resident_id", "given_on", "date(t.created_at)")
    method = _intake_consent("resident_id", "method", "'mondeling'")
    recorded_by = _intake_consent("resident_id", "recorded_by_id", referrer)
    op.execute(
        "UPDATE residents AS t SET "  # nosec B608: fixed column names from this file, no input
        f"consent_by = CASE {given_by} WHEN 'vertegenwoordiger' THEN 'vertegenwoordiger' ELSE 'bewoner' END, "
        f"consent_on = {given_on}, "
        # The old column knew no 'online': a resident never ticked Samen's form themselves.
        f"consent_method = CASE {method} WHEN 'schriftelijk' THEN 'schriftelijk' ELSE 'mondeling' END, "
        f"consent_recorded_by_id = {recorded_by}"
    )
    op.execute(
        f"UPDATE residents AS t SET consent_recorded_by_id = COALESCE(t.intake_by_id, {first_admin}, {any_user}) "  # nosec B608: fixed column names from this file, no input
        "WHERE consent_recorded_by_id IS NULL"
    )
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.alter_column("consent_by", existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column("consent_on", existing_type=sa.Date(), nullable=False)
        batch_op.alter_column("consent_method", existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column("consent_recorded_by_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint("consentby", "consent_by IN ('bewoner', 'vertegenwoordiger')")
        batch_op.create_check_constraint("consentmethod", "consent_method IN ('mondeling', 'schriftelijk')")
        batch_op.create_foreign_key(
            batch_op.f("fk_residents_consent_recorded_by_id_users"), "users", ["consent_recorded_by_id"], ["id"]
        )

    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("consent_version", sa.String(length=20), nullable=True))
    consent_at = _intake_consent("volunteer_id", "recorded_at", "t.created_at")
    consent_version = _intake_consent("volunteer_id", "text_version", "'2026-11'")
    op.execute(f"UPDATE volunteers AS t SET consent_at = {consent_at}, consent_version = {consent_version}")  # nosec B608: fixed column names from this file, no input
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.alter_column("consent_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column("consent_version", existing_type=sa.String(length=20), nullable=False)
