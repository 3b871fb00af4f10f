"""bot path: one open conversation per channel and address; pending bot resumes

Revision ID: 0011_botpath
Revises: 0010
Create Date: 2026-12-01 23:00:00

Security finding 18: concurrent first messages from one number opened several conversations. A
partial unique index (``WHERE status = 'open'``; SQLite and PostgreSQL both have them) makes the
database refuse the second; ``open_conversation`` re-reads the winner. Duplicates already
stored are closed first, keeping the newest open one per channel and address.

Security finding 6: ``conversations.resume_pending_since`` marks a conversation handed back to
the bot whose resume Rasa has not confirmed yet (retried by each turn and by a scheduler job).
"""

import sqlalchemy as sa
from alembic import op

import outreach.models.base

revision = "0011_botpath"
down_revision = "0010"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("resume_pending_since", outreach.models.base.UTCDateTime(), nullable=True)
        )
    op.execute(
        "UPDATE conversations SET status = 'closed' WHERE status = 'open' AND id NOT IN "
        "(SELECT keep FROM (SELECT MAX(id) AS keep FROM conversations WHERE status = 'open' "
        "GROUP BY channel, address) AS newest)"
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(
            "uq_conversations_open_channel_address",
            ["channel", "address"],
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        )


def downgrade() -> None:
    # The duplicates closed on the way up stay closed: nothing is reopened.
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("uq_conversations_open_channel_address")
        batch_op.drop_column("resume_pending_since")
