"""message_events.report_key: every distinct delivery report kept once

Revision ID: 0011_inbound
Revises: 0010
Create Date: 2026-12-01 12:00:00

Twilio may post the same status callback more than once; ``report_key`` (message id, reported
status, error code) is unique, so a replay adds nothing (security finding 23). Rows written
before this revision keep NULL (NULLs never collide): nothing is deleted or rewritten.
"""

from alembic import op
import sqlalchemy as sa


revision = "0011_inbound"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report_key", sa.String(length=80), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_message_events_report_key"), ["report_key"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("message_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_events_report_key"))
        batch_op.drop_column("report_key")
