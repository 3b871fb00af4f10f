"""file drops and the Fineract connector (issue 15)

Revision ID: 0020
Revises: 0013
Create Date: 2026-12-02 14:11:15

``file_drops``: each dropped file content processed once (unique ``claim_key`` ``in:<sha256>``),
each day exported once (``export:<day>``), with the totals and problems its result file shows.
``fineract_loans`` links our loans to Fineract's; ``fineract_pushes`` records each promise or
plan pushed back as a loan note (and the delinquency pause asked for it); ``fineract_hooks``
stores every Fineract hook before it is acted on.
"""

from alembic import op
import sqlalchemy as sa
import outreach.models.base


revision = '0020'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('file_drops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('claim_key', sa.String(length=80), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('mtime', sa.BigInteger(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=True),
    sa.Column('first_id', sa.Integer(), nullable=True),
    sa.Column('totals', sa.JSON(), nullable=True),
    sa.Column('problems', sa.JSON(), nullable=True),
    sa.Column('result_name', sa.String(length=255), nullable=True),
    sa.Column('started_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.Column('processed_at', outreach.models.base.UTCDateTime(), nullable=True),
    sa.Column('result_written_at', outreach.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['first_id'], ['file_drops.id'], name=op.f('fk_file_drops_first_id_file_drops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_file_drops')),
    sa.UniqueConstraint('claim_key', name=op.f('uq_file_drops_claim_key'))
    )
    with op.batch_alter_table('file_drops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_file_drops_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_file_drops_sha256'), ['sha256'], unique=False)

    op.create_table('fineract_hooks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('tenant', sa.String(length=100), nullable=True),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('received_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.Column('done_at', outreach.models.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fineract_hooks'))
    )
    with op.batch_alter_table('fineract_hooks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fineract_hooks_status'), ['status'], unique=False)

    op.create_table('fineract_loans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('fineract_loan_id', sa.BigInteger(), nullable=False),
    sa.Column('fineract_client_id', sa.BigInteger(), nullable=False),
    sa.Column('pulled_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_fineract_loans_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fineract_loans')),
    sa.UniqueConstraint('fineract_loan_id', name=op.f('uq_fineract_loans_fineract_loan_id')),
    sa.UniqueConstraint('loan_id', name=op.f('uq_fineract_loans_loan_id'))
    )
    with op.batch_alter_table('fineract_loans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fineract_loans_fineract_client_id'), ['fineract_client_id'], unique=False)

    op.create_table('fineract_pushes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('arrangement_id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('fineract_loan_id', sa.BigInteger(), nullable=False),
    sa.Column('note_id', sa.BigInteger(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('pause_status', sa.String(length=8), nullable=False),
    sa.Column('pause_start', sa.Date(), nullable=True),
    sa.Column('pause_end', sa.Date(), nullable=True),
    sa.Column('pause_id', sa.BigInteger(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.Column('pushed_at', outreach.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_fineract_pushes_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fineract_pushes')),
    sa.UniqueConstraint('kind', 'arrangement_id', name=op.f('uq_fineract_pushes_kind'))
    )
    with op.batch_alter_table('fineract_pushes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fineract_pushes_loan_id'), ['loan_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('fineract_pushes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fineract_pushes_loan_id'))

    op.drop_table('fineract_pushes')
    with op.batch_alter_table('fineract_loans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fineract_loans_fineract_client_id'))

    op.drop_table('fineract_loans')
    with op.batch_alter_table('fineract_hooks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fineract_hooks_status'))

    op.drop_table('fineract_hooks')
    with op.batch_alter_table('file_drops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_file_drops_sha256'))
        batch_op.drop_index(batch_op.f('ix_file_drops_name'))

    op.drop_table('file_drops')
