"""scheduler leadership: one leader among any number of scheduler processes (issue 19)

Revision ID: 0028
Revises: 0021
Create Date: 2026-12-02 18:50:00
"""

import sqlalchemy as sa
from alembic import op

import outreach.models.base

revision = "0028"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("since", outreach.models.base.UTCDateTime(), nullable=False),
        sa.Column("renewed_at", outreach.models.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", outreach.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_leases")),
    )


def downgrade() -> None:
    op.drop_table("scheduler_leases")
