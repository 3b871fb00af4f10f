"""the language a conversation follows; the intent question it waits on (issue 16)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 18:55:00

``conversations.language``: the language the borrower writes in, detected from each message and
followed when they switch (``outreach.conversations.language``). Empty until the first message:
the borrower's locale decides then. The borrower's own ``locale`` (the lender's record, used for
outbound reminders) is left as it is.

``conversations.pending_intent``: an acting intent read with low confidence that the app asked
the borrower to confirm ("Did you want to set up a payment plan?"); ``conversations.bot_form``:
the form the bot was in after its last turn (no such question inside a form).
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
        batch.add_column(sa.Column('pending_intent', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('bot_form', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('conversations') as batch:
        batch.drop_column('bot_form')
        batch.drop_column('pending_intent')
        batch.drop_column('language')
