"""the language a conversation follows (issue 16)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 18:55:00

``conversations.language``: the language the borrower writes in, detected from each message and
followed when they switch (``outreach.conversations.language``). Empty until the first message:
the borrower's locale decides then. The borrower's own ``locale`` (the lender's record, used for
outbound reminders) is left as it is.
"""

from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('conversations') as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('conversations') as batch:
        batch.drop_column('language')
