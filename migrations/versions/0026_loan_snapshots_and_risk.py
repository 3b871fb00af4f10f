"""loan snapshots, risk models and scores (issue 18)

Revision ID: 0026
Revises: 0021
Create Date: 2026-12-02 18:33:22.504292
"""

from alembic import op
import sqlalchemy as sa
import outreach.models.base


revision = '0026'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('risk_models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('trained_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.Column('features', sa.JSON(), nullable=False),
    sa.Column('means', sa.JSON(), nullable=False),
    sa.Column('scales', sa.JSON(), nullable=False),
    sa.Column('coefficients', sa.JSON(), nullable=False),
    sa.Column('intercept', sa.Float(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_models')),
    sa.UniqueConstraint('version', name=op.f('uq_risk_models_version'))
    )
    op.create_table('loan_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('days_past_due', sa.Integer(), nullable=False),
    sa.Column('outstanding', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('past_due_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('taken_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_snapshots_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_snapshots')),
    sa.UniqueConstraint('day', 'loan_id', name='uq_loan_snapshots_day_loan')
    )
    with op.batch_alter_table('loan_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_snapshots_day'), ['day'], unique=False)
        batch_op.create_index('ix_loan_snapshots_loan_day', ['loan_id', 'day'], unique=False)

    op.create_table('risk_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('band', sa.String(length=8), nullable=False),
    sa.Column('factors', sa.JSON(), nullable=False),
    sa.Column('scored_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_risk_scores_loan_id_loans')),
    sa.ForeignKeyConstraint(['model_id'], ['risk_models.id'], name=op.f('fk_risk_scores_model_id_risk_models')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_scores')),
    sa.UniqueConstraint('model_id', 'loan_id', name='uq_risk_scores_model_loan')
    )
    with op.batch_alter_table('risk_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_scores_loan_id'), ['loan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_scores_model_id'), ['model_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('risk_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_scores_model_id'))
        batch_op.drop_index(batch_op.f('ix_risk_scores_loan_id'))

    op.drop_table('risk_scores')
    with op.batch_alter_table('loan_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_snapshots_loan_day')
        batch_op.drop_index(batch_op.f('ix_loan_snapshots_day'))

    op.drop_table('loan_snapshots')
    op.drop_table('risk_models')
