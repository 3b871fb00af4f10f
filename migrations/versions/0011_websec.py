"""officer-facing web security: session versions, sign-in attempts

Revision ID: 0011_websec
Revises: 0010
Create Date: 2026-12-01 22:30:00

``officers.session_version`` makes sessions revocable server-side (security finding 10);
``login_attempts`` counts sign-in failures per address and per account in the database, so the
limits hold across every worker and host (finding 25).
"""

from alembic import op
import sqlalchemy as sa

import outreach.models.base

revision = "0011_websec"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", outreach.models.base.UTCDateTime(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempts_account_at", ["account", "at"], unique=False)
        batch_op.create_index("ix_login_attempts_address_at", ["address", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_attempts_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_attempts_at"))
        batch_op.drop_index("ix_login_attempts_address_at")
        batch_op.drop_index("ix_login_attempts_account_at")
    op.drop_table("login_attempts")
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.drop_column("session_version")
