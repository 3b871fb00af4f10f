"""send_rate_slots: per-sender rate limits shared by every dispatcher process

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 16:00:00

Each dispatcher reserves send slots for a claimed chunk from this row (one locked update per
sender and chunk), so ``rate_limits`` in config/campaigns.yaml hold across processes and hosts.
"""

from alembic import op
import sqlalchemy as sa


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "send_rate_slots",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("next_free", sa.Float(precision=53), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_send_rate_slots")),
    )


def downgrade() -> None:
    op.drop_table("send_rate_slots")
