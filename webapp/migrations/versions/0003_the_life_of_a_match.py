"""The life of a match: introduction, check-ins, endings; managed reason lists; per-programme matching settings

- matches get the introduction (kennismaking) as their first, place-holding status, the introduction meeting,
  the start date, a structured ending (reason, date, note, whether the resident went back) and a version; the
  partial unique index now covers both place-holding statuses;
- residents get the status ``kennismaking`` and a planned intake talk; volunteers a planned intake talk and the
  date from which they must be screened again;
- check-ins (contactmomenten) and a timeline of match events;
- rejection and end reasons become lists admins manage (seeded here); a rejection may keep a pair apart for a
  number of days instead of for good, and can be undone;
- referrals store the status the referrer sees and when it last changed;
- programmes carry the engine's rules for their residents (weights, distance limit, common slots).

Existing data: old rejections stay "for good" (as they were shown), old endings get the reason "anders" with
their text as the note, running matches are active from the day they were approved, and every match gets the
timeline events its columns allow.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

HOLDING_BEFORE = "status IN ('actief')"
HOLDING = "status IN ('kennismaking', 'actief')"

REJECTION_REASONS = [
    # code, Dutch label, English label, days apart (None: for good), needs a note
    ("past_niet", "Ze passen niet bij elkaar", "They are not a good fit", None, False),
    ("afstand", "Te ver weg van elkaar", "Too far apart", None, False),
    ("tijden", "De tijden passen nu niet", "Their times do not fit at the moment", 90, False),
    ("wens_bewoner", "De bewoner wil dit niet", "The resident does not want this", None, False),
    ("wens_vrijwilliger", "De vrijwilliger wil dit niet", "The volunteer does not want this", None, False),
    ("veiligheid", "Zorgen over veiligheid", "Safety concerns", None, True),
    ("anders", "Anders", "Other", None, True),
]

END_REASONS = [
    # code, Dutch, English, needs note, rescreen volunteer, closes resident, for the introduction
    ("doel_bereikt", "Doel bereikt", "Goal reached", False, False, False, False),
    ("verhuisd", "Verhuisd", "Moved away", False, False, False, False),
    ("geen_klik", "Geen klik", "No connection", False, False, False, False),
    ("vrijwilliger_stopt", "Vrijwilliger stopt", "Volunteer stops", False, False, False, False),
    ("gezondheid", "Gezondheid", "Health", False, False, False, False),
    ("overleden", "Overleden", "Passed away", False, False, True, False),
    ("veiligheid", "Zorgen over veiligheid", "Safety concerns", True, True, False, False),
    ("anders", "Anders", "Other", True, False, False, False),
    (
        "geen_klik_kennismaking",
        "Geen klik bij kennismaking",
        "No connection at the introduction",
        False,
        False,
        False,
        True,
    ),
    ("kennismaking_geannuleerd", "Kennismaking geannuleerd", "Introduction cancelled", True, False, False, True),
]


def _enum_check(table, enum_name, column, values):
    """Replace the CHECK that an enumeration column carries (the same name on SQLite and PostgreSQL)."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_{enum_name}"), type_="check")
        listed = ", ".join(f"'{value}'" for value in values)
        batch_op.create_check_constraint(enum_name, f"{column} IN ({listed})")


def upgrade():
    op.create_table(
        "end_reasons",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("label_en", sa.String(length=120), nullable=False),
        sa.Column("needs_note", sa.Boolean(), nullable=False),
        sa.Column("rescreen_volunteer", sa.Boolean(), nullable=False),
        sa.Column("closes_resident", sa.Boolean(), nullable=False),
        sa.Column("for_introduction", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_end_reasons")),
    )
    op.create_table(
        "rejection_reasons",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("label_en", sa.String(length=120), nullable=False),
        sa.Column("exclusion_days", sa.Integer(), nullable=True),
        sa.Column("needs_note", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "exclusion_days IS NULL OR exclusion_days > 0", name=op.f("ck_rejection_reasons_exclusion_days_positive")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_rejection_reasons")),
    )
    rejection_table = sa.table(
        "rejection_reasons",
        sa.column("code", sa.String),
        sa.column("label", sa.String),
        sa.column("label_en", sa.String),
        sa.column("exclusion_days", sa.Integer),
        sa.column("needs_note", sa.Boolean),
        sa.column("active", sa.Boolean),
        sa.column("sort_order", sa.Integer),
    )
    op.bulk_insert(
        rejection_table,
        [
            {
                "code": code,
                "label": label,
                "label_en": label_en,
                "exclusion_days": days,
                "needs_note": note,
                "active": True,
                "sort_order": n,
            }
            for n, (code, label, label_en, days, note) in enumerate(REJECTION_REASONS, start=1)
        ],
    )
    end_table = sa.table(
        "end_reasons",
        sa.column("code", sa.String),
        sa.column("label", sa.String),
        sa.column("label_en", sa.String),
        sa.column("needs_note", sa.Boolean),
        sa.column("rescreen_volunteer", sa.Boolean),
        sa.column("closes_resident", sa.Boolean),
        sa.column("for_introduction", sa.Boolean),
        sa.column("active", sa.Boolean),
        sa.column("sort_order", sa.Integer),
    )
    op.bulk_insert(
        end_table,
        [
            {
                "code": code,
                "label": label,
                "label_en": label_en,
                "needs_note": note,
                "rescreen_volunteer": rescreen,
                "closes_resident": closes,
                "for_introduction": introduction,
                "active": True,
                "sort_order": n,
            }
            for n, (code, label, label_en, note, rescreen, closes, introduction) in enumerate(END_REASONS, start=1)
        ],
    )

    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column(
            "with_whom",
            sa.Enum(
                "bewoner",
                "vrijwilliger",
                "beiden",
                name="checkinwith",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "method",
            sa.Enum(
                "telefoon",
                "bezoek",
                "email",
                name="checkinmethod",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "verdict",
            sa.Enum(
                "goed", "zorgen", "stoppen", name="checkinverdict", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"], ["matches.id"], name=op.f("fk_check_ins_match_id_matches"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_check_ins_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
    )
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_ins_match_id"), ["match_id"], unique=False)

    op.create_table(
        "match_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "goedgekeurd",
                "zelf_gekozen",
                "kennismaking_gepland",
                "kennismaking_verzet",
                "gestart",
                "geen_klik",
                "kennismaking_geannuleerd",
                "contactmoment",
                "beeindigd",
                name="matcheventkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("check_in_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_match_events_by_id_users")),
        sa.ForeignKeyConstraint(
            ["check_in_id"], ["check_ins.id"], name=op.f("fk_match_events_check_in_id_check_ins"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["match_id"], ["matches.id"], name=op.f("fk_match_events_match_id_matches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_events")),
    )
    with op.batch_alter_table("match_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_events_match_id"), ["match_id"], unique=False)

    # -- matches ----------------------------------------------------------------------------------------------
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False))
        batch_op.add_column(sa.Column("introduction_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("introduction_at", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("introduction_place", sa.String(length=200), server_default="", nullable=False))
        batch_op.add_column(sa.Column("coordinator_joins", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("started_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("ended_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("end_reason_code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("end_note", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("resident_returned", sa.Boolean(), nullable=True))
        batch_op.create_index(batch_op.f("ix_matches_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_matches_status"), ["status"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_matches_run_id_match_runs"), "match_runs", ["run_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_matches_end_reason_code_end_reasons"), "end_reasons", ["end_reason_code"], ["code"]
        )
        batch_op.create_foreign_key(batch_op.f("fk_matches_ended_by_id_users"), "users", ["ended_by_id"], ["id"])
    op.execute(
        "UPDATE matches SET run_id = (SELECT run_id FROM proposals WHERE proposals.id = matches.proposal_id) "
        "WHERE proposal_id IS NOT NULL"
    )
    op.execute("UPDATE matches SET started_on = date(created_at) WHERE status = 'actief'")
    op.execute(
        "UPDATE matches SET ended_on = date(ended_at), end_reason_code = 'anders', end_note = end_reason, "
        "resident_returned = (SELECT residents.status <> 'afgesloten' FROM residents "
        "WHERE residents.id = matches.resident_id) WHERE status = 'beeindigd'"
    )
    op.execute(
        "INSERT INTO match_events (match_id, kind, at, by_id, detail) SELECT id, "
        "CASE WHEN proposal_id IS NULL THEN 'zelf_gekozen' ELSE 'goedgekeurd' END, created_at, created_by_id, '{}' "
        "FROM matches"
    )
    op.execute(
        "INSERT INTO match_events (match_id, kind, at, by_id, detail) "
        "SELECT id, 'gestart', created_at, created_by_id, '{}' FROM matches WHERE started_on IS NOT NULL"
    )
    op.execute(
        "INSERT INTO match_events (match_id, kind, at, by_id, detail) "
        "SELECT id, 'beeindigd', ended_at, NULL, '{}' FROM matches WHERE status = 'beeindigd'"
    )
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_column("end_reason")
        batch_op.drop_index("uq_matches_one_active_per_resident")
        batch_op.create_index(
            "uq_matches_one_active_per_resident",
            ["resident_id"],
            unique=True,
            sqlite_where=sa.text(HOLDING),
            postgresql_where=sa.text(HOLDING),
        )
    _enum_check("matches", "matchstatus", "status", ["kennismaking", "actief", "beeindigd"])
    _enum_check("residents", "residentstatus", "status", ["wachtend", "kennismaking", "gekoppeld", "afgesloten"])

    # -- programmes -------------------------------------------------------------------------------------------
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weight_distance", sa.Float(), server_default="0.35", nullable=False))
        batch_op.add_column(sa.Column("weight_interests", sa.Float(), server_default="0.30", nullable=False))
        batch_op.add_column(sa.Column("weight_availability", sa.Float(), server_default="0.20", nullable=False))
        batch_op.add_column(sa.Column("weight_waiting", sa.Float(), server_default="0.15", nullable=False))
        batch_op.add_column(sa.Column("max_distance_km", sa.Float(), server_default="5.0", nullable=False))
        batch_op.add_column(sa.Column("min_common_slots", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.create_check_constraint(
            "weights_valid",
            "weight_distance >= 0 AND weight_interests >= 0 AND weight_availability >= 0 AND weight_waiting >= 0 "
            "AND weight_distance + weight_interests + weight_availability + weight_waiting > 0",
        )
        batch_op.create_check_constraint("distance_valid", "max_distance_km > 0 AND max_distance_km <= 50")
        batch_op.create_check_constraint("slots_valid", "min_common_slots >= 0 AND min_common_slots <= 21")

    # -- proposals --------------------------------------------------------------------------------------------
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rejection_reason_code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("excluded_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("rejection_undone_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("rejection_undone_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("rejection_undo_note", sa.Text(), server_default="", nullable=False))
        batch_op.create_foreign_key(
            batch_op.f("fk_proposals_rejection_undone_by_id_users"), "users", ["rejection_undone_by_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_proposals_rejection_reason_code_rejection_reasons"),
            "rejection_reasons",
            ["rejection_reason_code"],
            ["code"],
        )
    op.execute("UPDATE proposals SET rejection_reason_code = rejection_reason WHERE rejection_reason IS NOT NULL")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_proposals_rejectionreason"), type_="check")
        batch_op.drop_column("rejection_reason")

    # -- residents, volunteers, runs ---------------------------------------------------------------------------
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intake_planned_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("intake_planned_at", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("intake_planned_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_residents_intake_planned_by_id_users"), "users", ["intake_planned_by_id"], ["id"]
        )
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intake_planned_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("rescreening_since", sa.Date(), nullable=True))
    with op.batch_alter_table("run_waiting_residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waiting_days", sa.Integer(), server_default=sa.text("0"), nullable=False))

    # -- referrals: the stored status, computed as webapp.rules.referral_status does ---------------------------
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status",
                sa.Enum(
                    "ontvangen",
                    "in behandeling",
                    "gekoppeld",
                    "afgesloten",
                    name="referralstatus",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                server_default="ontvangen",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("status_changed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_referrals_status"), ["status"], unique=False)
    op.execute(
        "UPDATE referrals SET status = (SELECT CASE "
        "WHEN r.status = 'afgesloten' THEN 'afgesloten' "
        "WHEN r.status = 'gekoppeld' THEN 'gekoppeld' "
        "WHEN r.intake_on IS NOT NULL OR EXISTS (SELECT 1 FROM proposals p WHERE p.resident_id = r.id) "
        "THEN 'in behandeling' ELSE 'ontvangen' END FROM residents r WHERE r.id = referrals.resident_id), "
        "status_changed_at = created_at"
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.alter_column("status_changed_at", existing_type=sa.DateTime(), nullable=False)


def downgrade():
    # Matches in their introduction go back to active (the old schema knew no other place-holding status);
    # what the old schema cannot hold (check-ins, events, planned talks, reason lists) is dropped.
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_status"))
        batch_op.drop_constraint(op.f("ck_referrals_referralstatus"), type_="check")
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("status_changed_at")
        batch_op.drop_column("status")

    with op.batch_alter_table("run_waiting_residents", schema=None) as batch_op:
        batch_op.drop_column("waiting_days")
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_column("rescreening_since")
        batch_op.drop_column("intake_planned_on")
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_residents_intake_planned_by_id_users"), type_="foreignkey")
        batch_op.drop_column("intake_planned_by_id")
        batch_op.drop_column("intake_planned_at")
        batch_op.drop_column("intake_planned_on")

    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rejection_reason", sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE proposals SET rejection_reason = CASE WHEN rejection_reason_code IN "
        "('past_niet', 'afstand', 'tijden', 'wens_bewoner', 'wens_vrijwilliger', 'anders') "
        "THEN rejection_reason_code ELSE 'anders' END WHERE rejection_reason_code IS NOT NULL"
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_proposals_rejection_reason_code_rejection_reasons"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_proposals_rejection_undone_by_id_users"), type_="foreignkey")
        batch_op.drop_column("rejection_undo_note")
        batch_op.drop_column("rejection_undone_by_id")
        batch_op.drop_column("rejection_undone_at")
        batch_op.drop_column("excluded_until")
        batch_op.drop_column("rejection_reason_code")
        batch_op.create_check_constraint(
            "rejectionreason",
            "rejection_reason IN ('past_niet', 'afstand', 'tijden', 'wens_bewoner', 'wens_vrijwilliger', 'anders')",
        )

    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_programmes_slots_valid"), type_="check")
        batch_op.drop_constraint(op.f("ck_programmes_distance_valid"), type_="check")
        batch_op.drop_constraint(op.f("ck_programmes_weights_valid"), type_="check")
        batch_op.drop_column("min_common_slots")
        batch_op.drop_column("max_distance_km")
        batch_op.drop_column("weight_waiting")
        batch_op.drop_column("weight_availability")
        batch_op.drop_column("weight_interests")
        batch_op.drop_column("weight_distance")

    op.execute("UPDATE residents SET status = 'gekoppeld' WHERE status = 'kennismaking'")
    _enum_check("residents", "residentstatus", "status", ["wachtend", "gekoppeld", "afgesloten"])
    op.execute("UPDATE matches SET status = 'actief' WHERE status = 'kennismaking'")
    _enum_check("matches", "matchstatus", "status", ["actief", "beeindigd"])
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("end_reason", sa.Text(), server_default="", nullable=False))
    op.execute("UPDATE matches SET end_reason = end_note")
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_index("uq_matches_one_active_per_resident")
        batch_op.create_index(
            "uq_matches_one_active_per_resident",
            ["resident_id"],
            unique=True,
            sqlite_where=sa.text(HOLDING_BEFORE),
            postgresql_where=sa.text(HOLDING_BEFORE),
        )
        batch_op.drop_constraint(batch_op.f("fk_matches_ended_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_matches_end_reason_code_end_reasons"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_matches_run_id_match_runs"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_matches_status"))
        batch_op.drop_index(batch_op.f("ix_matches_run_id"))
        batch_op.drop_column("resident_returned")
        batch_op.drop_column("end_note")
        batch_op.drop_column("end_reason_code")
        batch_op.drop_column("ended_by_id")
        batch_op.drop_column("ended_on")
        batch_op.drop_column("started_on")
        batch_op.drop_column("coordinator_joins")
        batch_op.drop_column("introduction_place")
        batch_op.drop_column("introduction_at")
        batch_op.drop_column("introduction_on")
        batch_op.drop_column("version")
        batch_op.drop_column("run_id")

    with op.batch_alter_table("match_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_events_match_id"))
    op.drop_table("match_events")
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_ins_match_id"))
    op.drop_table("check_ins")
    op.drop_table("rejection_reasons")
    op.drop_table("end_reasons")
