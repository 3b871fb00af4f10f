"""payments providers reported: applied to a loan or parked for review (issue 14)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 04:00:00

``provider_payments``: one row per provider reference (unique per provider), the matched loan
(nullable: an unmatched callback is parked), the ``payments`` row it put on the loan when
applied, and the raw body of a parked callback.
"""

from alembic import op
import sqlalchemy as sa
import outreach.models.base


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('provider_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('loan_number', sa.String(length=64), nullable=True),
    sa.Column('loan_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('received_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('review_reason', sa.String(length=32), nullable=True),
    sa.Column('raw', sa.JSON(), nullable=True),
    sa.Column('created_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_provider_payments_loan_id_loans')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_provider_payments_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_payments')),
    sa.UniqueConstraint('provider', 'reference', name=op.f('uq_provider_payments_provider'))
    )
    with op.batch_alter_table('provider_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_payments_loan_id'), ['loan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_provider_payments_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_provider_payments_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('provider_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_payments_status'))
        batch_op.drop_index(batch_op.f('ix_provider_payments_received_at'))
        batch_op.drop_index(batch_op.f('ix_provider_payments_loan_id'))

    op.drop_table('provider_payments')
