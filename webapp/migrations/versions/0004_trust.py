"""Trust: revocable sessions, two-factor sign-in, consent per purpose, data subject requests, an e-mail outbox

- users: a session version (raised to end every session and remember-me token at once), the TOTP secret and
  when it was confirmed, when the password changed, and an admin's confirmation (with a reason) for a sensitive
  role outside the controlling organisation; remember-me tokens and recovery codes, stored hashed;
- organisations: which one is the controller (Welzijn Rijswijk);
- consents: one row per person and purpose (text version, given by, how, recorded by whom and when, withdrawal);
  the consents recorded so far move here (residents: intake and matching, and for referred residents sharing the
  status with the referrer, which their consent to the referral covered; volunteers: the sign-up form's consent);
  the inline consent columns stay until the code no longer reads them (a later migration drops them);
- residents and volunteers: when their processing was restricted and when they were anonymised;
- subject_requests (access, erasure, ...) with their due date, and the outbox of e-mails.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade():
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["sent_at", "next_attempt_at"], unique=False)

    for table, columns in (
        (
            "recovery_codes",
            [
                sa.Column("code_hash", sa.String(length=128), nullable=False),
                sa.Column("created_at", sa.DateTime(), nullable=False),
                sa.Column("used_at", sa.DateTime(), nullable=True),
            ],
        ),
        (
            "remember_tokens",
            [
                sa.Column("selector", sa.String(length=32), nullable=False),
                sa.Column("validator_hash", sa.String(length=128), nullable=False),
                sa.Column("session_version", sa.Integer(), nullable=False),
                sa.Column("created_at", sa.DateTime(), nullable=False),
                sa.Column("expires_at", sa.DateTime(), nullable=False),
            ],
        ),
    ):
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            *columns,
            sa.ForeignKeyConstraint(
                ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            *(
                [sa.UniqueConstraint("selector", name=op.f("uq_remember_tokens_selector"))]
                if table == "remember_tokens"
                else []
            ),
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_user_id"), ["user_id"], unique=False)

    op.create_table(
        "subject_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            _enum("requestkind", "inzage", "rectificatie", "wissen", "beperking", "overdraagbaarheid", "bezwaar"),
            nullable=False,
        ),
        sa.Column("subject_kind", _enum("subjectkind", "bewoner", "vrijwilliger"), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("received_via", sa.String(length=200), nullable=False),
        sa.Column("status", _enum("requeststatus", "open", "afgehandeld", "afgewezen"), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("registered_by_id", sa.Integer(), nullable=False),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["handled_by_id"], ["users.id"], name=op.f("fk_subject_requests_handled_by_id_users")),
        sa.ForeignKeyConstraint(
            ["registered_by_id"], ["users.id"], name=op.f("fk_subject_requests_registered_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_requests")),
    )
    with op.batch_alter_table("subject_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subject_requests_status"), ["status"], unique=False)
        batch_op.create_index("ix_subject_requests_subject", ["subject_kind", "subject_id"], unique=False)

    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("volunteer_id", sa.Integer(), nullable=True),
        sa.Column(
            "purpose",
            _enum("consentpurpose", "intake_koppelen", "status_delen", "eenzaamheid_meten", "evaluatie_contact"),
            nullable=False,
        ),
        sa.Column("text_version", sa.String(length=20), nullable=False),
        sa.Column("given_by", _enum("consentgiver", "persoon", "vertegenwoordiger"), nullable=False),
        sa.Column("method", _enum("consentmethod", "mondeling", "schriftelijk", "online"), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawal_note", sa.Text(), nullable=False),
        sa.CheckConstraint("(resident_id IS NULL) <> (volunteer_id IS NULL)", name=op.f("ck_consents_one_subject")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_consents_recorded_by_id_users")),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_consents_resident_id_residents"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteers.id"], name=op.f("fk_consents_volunteer_id_volunteers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["withdrawn_by_id"], ["users.id"], name=op.f("fk_consents_withdrawn_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index("ix_consents_subject", ["resident_id", "volunteer_id", "purpose"], unique=False)

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_controller", sa.Boolean(), server_default=sa.false(), nullable=False))
    for table in ("residents", "volunteers"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("restricted_at", sa.DateTime(), nullable=True))
            batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default=sa.text("1"), nullable=False))
        batch_op.add_column(sa.Column("password_changed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_confirmed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("sensitive_access_reason", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("sensitive_access_confirmed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sensitive_access_confirmed_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_users_sensitive_access_confirmed_by_id_users"),
            "users",
            ["sensitive_access_confirmed_by_id"],
            ["id"],
        )

    # The controller: Welzijn Rijswijk by name, else the organisation of the first admin.
    connection = op.get_bind()
    marked = connection.execute(
        sa.text("UPDATE organisations SET is_controller = true WHERE name = 'Welzijn Rijswijk'")
    ).rowcount
    if not marked:
        connection.execute(
            sa.text(
                "UPDATE organisations SET is_controller = true WHERE id = "
                "(SELECT organisation_id FROM users WHERE role = 'admin' ORDER BY id LIMIT 1)"
            )
        )

    # The consents recorded so far, one row per purpose.
    op.execute(
        "INSERT INTO consents (resident_id, purpose, text_version, given_by, method, given_on, recorded_by_id, "
        "recorded_at, withdrawal_note) SELECT id, 'intake_koppelen', '2026-11', "
        "CASE consent_by WHEN 'bewoner' THEN 'persoon' ELSE 'vertegenwoordiger' END, consent_method, consent_on, "
        "consent_recorded_by_id, created_at, '' FROM residents"
    )
    op.execute(
        "INSERT INTO consents (resident_id, purpose, text_version, given_by, method, given_on, recorded_by_id, "
        "recorded_at, withdrawal_note) SELECT r.id, 'status_delen', 'verwijzing-2026-11', "
        "CASE r.consent_by WHEN 'bewoner' THEN 'persoon' ELSE 'vertegenwoordiger' END, r.consent_method, "
        "r.consent_on, r.consent_recorded_by_id, r.created_at, '' FROM residents r JOIN referrals f "
        "ON f.resident_id = r.id"
    )
    op.execute(
        "INSERT INTO consents (volunteer_id, purpose, text_version, given_by, method, given_on, recorded_by_id, "
        "recorded_at, withdrawal_note) SELECT id, 'intake_koppelen', consent_version, 'persoon', 'online', "
        "date(consent_at), NULL, consent_at, '' FROM volunteers"
    )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_users_sensitive_access_confirmed_by_id_users"), type_="foreignkey")
        for column in (
            "sensitive_access_confirmed_at",
            "sensitive_access_confirmed_by_id",
            "sensitive_access_reason",
            "totp_confirmed_at",
            "totp_secret",
            "password_changed_at",
            "session_version",
        ):
            batch_op.drop_column(column)
    for table in ("volunteers", "residents"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("anonymised_at")
            batch_op.drop_column("restricted_at")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("is_controller")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index("ix_consents_subject")
    op.drop_table("consents")
    with op.batch_alter_table("subject_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_subject_requests_subject")
        batch_op.drop_index(batch_op.f("ix_subject_requests_status"))
    op.drop_table("subject_requests")
    for table in ("remember_tokens", "recovery_codes"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_user_id"))
        op.drop_table(table)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_due")
    op.drop_table("outbox")
