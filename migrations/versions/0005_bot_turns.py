"""bot turns and verification progress

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-23 13:30:00
"""

import sqlalchemy as sa
from alembic import op

import outreach.models.base

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("actions", sa.JSON(), nullable=True),
        sa.Column("reply_ids", sa.JSON(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("created_at", outreach.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_bot_turns_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_bot_turns_message_id_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_turns")),
    )
    with op.batch_alter_table("bot_turns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bot_turns_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_bot_turns_message_id"), ["message_id"], unique=False)

    op.create_table(
        "verification_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("updated_at", outreach.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_verification_progress_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_progress")),
        sa.UniqueConstraint(
            "conversation_id", name=op.f("uq_verification_progress_conversation_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("verification_progress")
    with op.batch_alter_table("bot_turns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bot_turns_message_id"))
        batch_op.drop_index(batch_op.f("ix_bot_turns_conversation_id"))
    op.drop_table("bot_turns")
