"""parked payments resolved in the console; the conversation that asked for a payment (issue 14)

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-03 09:00:00

``provider_payments`` gains who resolved a parked row, when and why (``resolved_by_id``,
``resolved_at``, ``resolution_note``; status ``refunded`` joins ``applied`` and ``review``), and
the conversation that asked for the payment (``conversation_id``: the receipt's channel and the
KPI dashboard's "by channel").
"""

from alembic import op
import sqlalchemy as sa
import outreach.models.base


revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('provider_payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conversation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', outreach.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolution_note', sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_provider_payments_conversation_id_conversations'), 'conversations', ['conversation_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_provider_payments_resolved_by_id_officers'), 'officers', ['resolved_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('provider_payments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_provider_payments_resolved_by_id_officers'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_provider_payments_conversation_id_conversations'), type_='foreignkey')
        batch_op.drop_column('resolution_note')
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('resolved_by_id')
        batch_op.drop_column('conversation_id')
