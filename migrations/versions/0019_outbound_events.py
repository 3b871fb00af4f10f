"""outbound events: an outbox of events, webhook subscriptions and deliveries (issue 15)

Revision ID: 0019
Revises: 0013
Create Date: 2026-12-02 14:10:00

``events``: one row per event, written in the transaction of the change that caused it, with a
sequence number per borrower (``event_sequences`` hands them out). ``event_subscriptions``: a
URL, the types and a ``whsec_`` signing secret. ``event_deliveries``: one row per event and
subscription (pending / delivered / dead, attempts, next attempt, last error, a webhook-id
kept across redeliveries, a worker's claim); a partial index holds only the pending ones.
"""

from alembic import op
import sqlalchemy as sa
import outreach.models.base


revision = '0019'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_sequences',
    sa.Column('stream', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('stream', name=op.f('pk_event_sequences'))
    )
    op.create_table('event_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('types', sa.JSON(), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_subscriptions')),
    sa.UniqueConstraint('name', name=op.f('uq_event_subscriptions_name'))
    )
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=40), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('borrower_id', sa.Integer(), nullable=True),
    sa.Column('stream', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('occurred_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_events_borrower_id_borrowers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('public_id', name=op.f('uq_events_public_id')),
    sa.UniqueConstraint('stream', 'seq', name=op.f('uq_events_stream'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_borrower_id'), ['borrower_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_type'), ['type'], unique=False)

    op.create_table('event_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('stream', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('webhook_id', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.Column('last_attempt_at', outreach.models.base.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('delivered_at', outreach.models.base.UTCDateTime(), nullable=True),
    sa.Column('claimed_until', sa.Float(precision=53), nullable=True),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('created_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_deliveries_event_id_events')),
    sa.ForeignKeyConstraint(['subscription_id'], ['event_subscriptions.id'], name=op.f('fk_event_deliveries_subscription_id_event_subscriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_deliveries')),
    sa.UniqueConstraint('event_id', 'subscription_id', name=op.f('uq_event_deliveries_event_id')),
    sa.UniqueConstraint('webhook_id', name=op.f('uq_event_deliveries_webhook_id'))
    )
    with op.batch_alter_table('event_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_deliveries_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_event_deliveries_health', ['subscription_id', 'status'], unique=False)
        batch_op.create_index('ix_event_deliveries_pending', ['subscription_id', 'stream', 'seq'], unique=False, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))



def downgrade() -> None:
    with op.batch_alter_table('event_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_event_deliveries_pending', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index('ix_event_deliveries_health')
        batch_op.drop_index(batch_op.f('ix_event_deliveries_event_id'))

    op.drop_table('event_deliveries')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_type'))
        batch_op.drop_index(batch_op.f('ix_events_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_events_borrower_id'))

    op.drop_table('events')
    op.drop_table('event_subscriptions')
    op.drop_table('event_sequences')
