"""M-Pesa STK Push prompts the product sent, and what became of them (issue 14)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 14:00:00

``stk_requests``: one row per prompt Daraja accepted (CheckoutRequestID unique), its loan,
borrower, asking conversation, phone and amount (what an unsigned result callback is checked
against), its status and result, and the provider payment it produced.
"""

from alembic import op
import sqlalchemy as sa
import outreach.models.base


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stk_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkout_request_id', sa.String(length=64), nullable=False),
    sa.Column('merchant_request_id', sa.String(length=64), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('borrower_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('result_code', sa.Integer(), nullable=True),
    sa.Column('result_desc', sa.String(length=255), nullable=True),
    sa.Column('receipt', sa.String(length=40), nullable=True),
    sa.Column('sandbox', sa.Boolean(), nullable=False),
    sa.Column('started_by', sa.String(length=64), nullable=False),
    sa.Column('provider_payment_id', sa.Integer(), nullable=True),
    sa.Column('created_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_stk_requests_borrower_id_borrowers')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_stk_requests_conversation_id_conversations')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_stk_requests_loan_id_loans')),
    sa.ForeignKeyConstraint(['provider_payment_id'], ['provider_payments.id'], name=op.f('fk_stk_requests_provider_payment_id_provider_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stk_requests')),
    sa.UniqueConstraint('checkout_request_id', name=op.f('uq_stk_requests_checkout_request_id'))
    )
    with op.batch_alter_table('stk_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stk_requests_borrower_id'), ['borrower_id'], unique=False)
        batch_op.create_index('ix_stk_requests_loan_created', ['loan_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stk_requests_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('stk_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stk_requests_status'))
        batch_op.drop_index('ix_stk_requests_loan_created')
        batch_op.drop_index(batch_op.f('ix_stk_requests_borrower_id'))

    op.drop_table('stk_requests')
