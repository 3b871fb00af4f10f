"""the numeric SMS menu's state per conversation (issue 20)

Revision ID: 0029
Revises: 0021
Create Date: 2026-12-02 19:00:00

``conversations.menu_state``: where a borrower is in the feature-phone menu (``step``, the
option they asked for, a plan offer awaiting their "1"); null for a conversation the NLU bot
serves.
"""

from alembic import op
import sqlalchemy as sa


revision = "0029"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("menu_state", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("menu_state")
