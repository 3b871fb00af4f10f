"""joint-liability groups and their members (issue 20); merges heads 0025 and 0029

Revision ID: 0030
Revises: 0025, 0029
Create Date: 2026-12-02 19:55:00
"""

from alembic import op
import sqlalchemy as sa

import outreach.models.base


revision = "0030"
down_revision = ("0025", "0029")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "loan_groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("external_id", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("branch", sa.String(64), nullable=True, index=True),
        sa.Column("meeting_weekday", sa.String(9), nullable=True),
        sa.Column("meeting_time", sa.Time(), nullable=True),
        sa.Column("meeting_place", sa.String(200), nullable=True),
        sa.Column("created_at", outreach.models.base.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "group_members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("loan_groups.id"), nullable=False),
        sa.Column("borrower_id", sa.Integer(), sa.ForeignKey("borrowers.id"), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("summary_consent", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("group_id", "borrower_id"),
    )
    op.create_index("ix_group_members_group_id", "group_members", ["group_id"])
    op.create_index("ix_group_members_borrower_id", "group_members", ["borrower_id"])


def downgrade() -> None:
    op.drop_table("group_members")
    op.drop_table("loan_groups")
