"""identity checks across conversations, lock-outs, masked factor answers

Revision ID: 0011_identity
Revises: 0010
Create Date: 2026-12-01 12:00:00

Security findings 1, 2 and 14: failed identity checks count per borrower and per typed loan
number across conversations (``identity_checks``), a subject that reaches the limit is locked for
a while (``identity_lockouts``), and Flask checks factor answers itself (``verification_progress``
``asked``/``outcome``/``told_locked``) so Rasa only sees a placeholder. The per-conversation
counters ``conversations.verify_failures`` and ``details_locked_at`` are superseded and dropped.
"""

import sqlalchemy as sa
from alembic import op

import outreach.models.base

revision = "0011_identity"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("borrower_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("at", outreach.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["borrower_id"], ["borrowers.id"], name=op.f("fk_identity_checks_borrower_id_borrowers")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_identity_checks_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_checks")),
    )
    with op.batch_alter_table("identity_checks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_checks_borrower_id"), ["borrower_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_identity_checks_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index("ix_identity_checks_subject_at", ["subject", "at"], unique=False)

    op.create_table(
        "identity_lockouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("borrower_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("locked_at", outreach.models.base.UTCDateTime(), nullable=False),
        sa.Column("locked_until", outreach.models.base.UTCDateTime(), nullable=False),
        sa.Column("released_at", outreach.models.base.UTCDateTime(), nullable=True),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["borrower_id"],
            ["borrowers.id"],
            name=op.f("fk_identity_lockouts_borrower_id_borrowers"),
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_identity_lockouts_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["released_by_id"],
            ["officers.id"],
            name=op.f("fk_identity_lockouts_released_by_id_officers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_lockouts")),
    )
    with op.batch_alter_table("identity_lockouts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_lockouts_borrower_id"), ["borrower_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_identity_lockouts_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            "ix_identity_lockouts_subject_until", ["subject", "locked_until"], unique=False
        )

    with op.batch_alter_table("verification_progress", schema=None) as batch_op:
        batch_op.add_column(sa.Column("asked", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("told_locked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("verification_progress", schema=None) as batch_op:
        # The default was only there to fill existing rows; the model sets the value.
        batch_op.alter_column("told_locked", server_default=None)

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("identify_key", sa.String(length=80), nullable=True))
        batch_op.drop_column("verify_failures")
        batch_op.drop_column("details_locked_at")


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("details_locked_at", outreach.models.base.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("verify_failures", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.drop_column("identify_key")
    with op.batch_alter_table("verification_progress", schema=None) as batch_op:
        batch_op.drop_column("told_locked")
        batch_op.drop_column("outcome")
        batch_op.drop_column("asked")
    with op.batch_alter_table("identity_lockouts", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_lockouts_subject_until")
        batch_op.drop_index(batch_op.f("ix_identity_lockouts_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_identity_lockouts_borrower_id"))
    op.drop_table("identity_lockouts")
    with op.batch_alter_table("identity_checks", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_checks_subject_at")
        batch_op.drop_index(batch_op.f("ix_identity_checks_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_identity_checks_borrower_id"))
    op.drop_table("identity_checks")
