"""the lender's REST API: keys, idempotency answers, the source of a flag (issue 15)

Revision ID: 0018
Revises: 0013
Create Date: 2026-12-10 09:00:00

``api_keys``: one row per integration key (only its SHA-256 stored, scopes, revoked_at).
``api_idempotency_keys``: the first answer to a POST with an ``Idempotency-Key``, per API key,
until it expires. ``borrower_flags.source`` / ``cleared_source``: who reported and who lifted a
flag, as the lender's system names them.
"""

from alembic import op
import sqlalchemy as sa
import outreach.models.base


revision = '0018'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=48), nullable=False),
    sa.Column('scopes', sa.String(length=200), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', outreach.models.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash')),
    sa.UniqueConstraint('name', name=op.f('uq_api_keys_name'))
    )
    op.create_table('api_idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('content_type', sa.String(length=64), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('created_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', outreach.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_api_idempotency_keys_api_key_id_api_keys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotency_keys')),
    sa.UniqueConstraint('api_key_id', 'key', name=op.f('uq_api_idempotency_keys_api_key_id'))
    )
    with op.batch_alter_table('api_idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_idempotency_keys_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('borrower_flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('cleared_source', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('borrower_flags', schema=None) as batch_op:
        batch_op.drop_column('cleared_source')
        batch_op.drop_column('source')

    with op.batch_alter_table('api_idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_idempotency_keys_expires_at'))

    op.drop_table('api_idempotency_keys')
    op.drop_table('api_keys')
