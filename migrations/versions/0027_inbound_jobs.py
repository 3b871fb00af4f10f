"""inbound queue and Rasa's tracker schema (issue 19)

Revision ID: 0027
Revises: 0021
Create Date: 2026-12-02 19:00:00

``inbound_jobs``: one row per inbound message whose routing is still to run (the verified message
until it is logged, then its message id; pending / done / failed, attempts, a worker's hold); a
partial index holds only the pending ones, by sender. Existing messages were routed when they
came in, so none gets a job. On PostgreSQL the schema ``rasa``
for Rasa's SQL tracker store (its table is called ``events``, like the app's).
"""

from alembic import op
import sqlalchemy as sa
import outreach.models.base


revision = "0027"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("provider_sid", sa.String(length=64), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.Float(precision=53), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("created_at", outreach.models.base.UTCDateTime(), nullable=False),
        sa.Column("finished_at", outreach.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_inbound_jobs_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_inbound_jobs_message_id_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_jobs")),
        sa.UniqueConstraint("message_id", name=op.f("uq_inbound_jobs_message_id")),
        sa.UniqueConstraint("provider_sid", name=op.f("uq_inbound_jobs_provider_sid")),
    )
    op.create_index(
        "ix_inbound_jobs_pending",
        "inbound_jobs",
        ["channel", "address", "id"],
        unique=False,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_inbound_jobs_status", "inbound_jobs", ["status"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SCHEMA IF NOT EXISTS rasa")


def downgrade() -> None:
    op.drop_index("ix_inbound_jobs_status", table_name="inbound_jobs")
    op.drop_index("ix_inbound_jobs_pending", table_name="inbound_jobs")
    op.drop_table("inbound_jobs")
