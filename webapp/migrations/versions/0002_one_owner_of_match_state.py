"""One owner of a match's state: places_taken, and the index from the one definition of a place-holding match

The volunteer's counter is renamed ``places_taken`` (it counts every match that holds a place, see
``webapp.enums.PLACE_HOLDING_MATCH_STATUSES``) and recomputed from the matches, so that any drift from the time
several modules wrote it is repaired; from now on only ``webapp.services.matches`` writes it. The partial unique
index on a resident's match uses the same predicate as the code (``status IN (...)``). A migration is a snapshot:
the predicate is written out here, and a test checks that it agrees with the definition in the code.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 21:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

HOLDING = "status IN ('actief')"


def upgrade():
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_volunteers_within_capacity"), type_="check")
        batch_op.alter_column("active_match_count", new_column_name="places_taken")
    # Built from HOLDING, this module's constant predicate (the one definition of a place-holding match): no input.
    op.execute(
        f"UPDATE volunteers SET places_taken = "  # nosec B608
        f"(SELECT count(*) FROM matches WHERE matches.volunteer_id = volunteers.id AND matches.{HOLDING})"
    )
    op.execute("UPDATE volunteers SET capacity = places_taken WHERE capacity < places_taken")
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.create_check_constraint("within_capacity", "places_taken >= 0 AND places_taken <= capacity")

    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_index("uq_matches_one_active_per_resident")
        batch_op.create_index(
            "uq_matches_one_active_per_resident",
            ["resident_id"],
            unique=True,
            sqlite_where=sa.text(HOLDING),
            postgresql_where=sa.text(HOLDING),
        )


def downgrade():
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_index("uq_matches_one_active_per_resident")
        batch_op.create_index(
            "uq_matches_one_active_per_resident",
            ["resident_id"],
            unique=True,
            sqlite_where=sa.text("status = 'actief'"),
            postgresql_where=sa.text("status = 'actief'"),
        )
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_volunteers_within_capacity"), type_="check")
        batch_op.alter_column("places_taken", new_column_name="active_match_count")
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.create_check_constraint(
            "within_capacity", "active_match_count >= 0 AND active_match_count <= capacity"
        )
