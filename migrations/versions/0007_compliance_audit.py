"""compliance audit: legal holds, audit checkpoints, message search indexes

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-23 13:30:00
"""

from alembic import op
import sqlalchemy as sa
import outreach.models.base


revision = "0007"
down_revision = "0003"
branch_labels = None
depends_on = None

MESSAGE_INDEXES = {
    "ix_messages_address_created": ["address", "created_at"],
    "ix_messages_channel_created": ["channel", "created_at"],
    "ix_messages_status_created": ["status", "created_at"],
    "ix_messages_template_created": ["template", "created_at"],
    "ix_messages_officer_created": ["officer_id", "created_at"],
}


def upgrade() -> None:
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("borrower_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("placed_by", sa.String(length=64), nullable=False),
        sa.Column("placed_at", outreach.models.base.UTCDateTime(), nullable=False),
        sa.Column("released_by", sa.String(length=64), nullable=True),
        sa.Column("released_at", outreach.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legal_holds_borrower_id"), ["borrower_id"])

    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", outreach.models.base.UTCDateTime(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("through_id", sa.Integer(), nullable=False),
        sa.Column("through_hash", sa.String(length=64), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("broken_id", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_audit_checkpoints_officer_id_officers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
    )

    with op.batch_alter_table("messages", schema=None) as batch_op:
        for name, columns in MESSAGE_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        for name in MESSAGE_INDEXES:
            batch_op.drop_index(name)
    op.drop_table("audit_checkpoints")
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_holds_borrower_id"))
    op.drop_table("legal_holds")
