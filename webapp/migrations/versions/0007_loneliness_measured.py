"""Loneliness measured: De Jong Gierveld measurements, one-time links to fill them in, and the viewer role

- loneliness_measurements: one row per measurement of a resident or a volunteer (answers as given, the scores
  and category of the instrument version, how many items are missing, the person's age on the day);
- measurement_links: a one-time link (its token's hash) with which a person fills in the questionnaire themselves;
- users.role may be ``viewer``: the municipality's and partners' managers, who see the coalition's dashboard only.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ROLES_BEFORE = ("admin", "coordinator", "referrer")
ROLES_AFTER = (*ROLES_BEFORE, "viewer")


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _role_check(values):
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        listed = ", ".join(f"'{value}'" for value in values)
        batch_op.create_check_constraint("role", f"role IN ({listed})")


def upgrade():
    op.create_table(
        "loneliness_measurements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("volunteer_id", sa.Integer(), nullable=True),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("moment", _enum("measurementmoment", "intake", "contactmoment", "tussendoor"), nullable=False),
        sa.Column("check_in_id", sa.Integer(), nullable=True),
        sa.Column("source", _enum("measurementsource", "met_medewerker", "zelf"), nullable=False),
        sa.Column("instrument_version", sa.String(length=40), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("emotional", sa.Integer(), nullable=True),
        sa.Column("social", sa.Integer(), nullable=True),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            _enum("lonelinesscategory", "niet eenzaam", "matig eenzaam", "ernstig eenzaam", "zeer ernstig eenzaam"),
            nullable=True,
        ),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(resident_id IS NULL) <> (volunteer_id IS NULL)", name=op.f("ck_loneliness_measurements_one_subject")
        ),
        sa.CheckConstraint("missing >= 0 AND missing <= 11", name=op.f("ck_loneliness_measurements_missing_valid")),
        sa.CheckConstraint(
            "total IS NULL OR (total >= 0 AND total <= 11)", name=op.f("ck_loneliness_measurements_total_valid")
        ),
        sa.CheckConstraint(
            "emotional IS NULL OR (emotional >= 0 AND emotional <= 6)",
            name=op.f("ck_loneliness_measurements_emotional_valid"),
        ),
        sa.CheckConstraint(
            "social IS NULL OR (social >= 0 AND social <= 5)", name=op.f("ck_loneliness_measurements_social_valid")
        ),
        sa.ForeignKeyConstraint(
            ["check_in_id"],
            ["check_ins.id"],
            name=op.f("fk_loneliness_measurements_check_in_id_check_ins"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_loneliness_measurements_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_loneliness_measurements_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_loneliness_measurements_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loneliness_measurements")),
    )
    with op.batch_alter_table("loneliness_measurements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loneliness_measurements_measured_on"), ["measured_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_loneliness_measurements_resident_id"), ["resident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_loneliness_measurements_volunteer_id"), ["volunteer_id"], unique=False)

    op.create_table(
        "measurement_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=128), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("volunteer_id", sa.Integer(), nullable=True),
        sa.Column("moment", _enum("measurementmoment", "intake", "contactmoment", "tussendoor"), nullable=False),
        sa.Column("check_in_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("measurement_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(resident_id IS NULL) <> (volunteer_id IS NULL)", name=op.f("ck_measurement_links_one_subject")
        ),
        sa.ForeignKeyConstraint(
            ["check_in_id"],
            ["check_ins.id"],
            name=op.f("fk_measurement_links_check_in_id_check_ins"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_measurement_links_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["measurement_id"],
            ["loneliness_measurements.id"],
            name=op.f("fk_measurement_links_measurement_id_loneliness_measurements"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_measurement_links_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_measurement_links_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurement_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_measurement_links_token_hash")),
    )
    with op.batch_alter_table("measurement_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measurement_links_resident_id"), ["resident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_measurement_links_volunteer_id"), ["volunteer_id"], unique=False)

    _role_check(ROLES_AFTER)


def downgrade():
    op.execute("DELETE FROM users WHERE role = 'viewer'")
    _role_check(ROLES_BEFORE)
    op.drop_table("measurement_links")
    op.drop_table("loneliness_measurements")
