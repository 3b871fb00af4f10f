"""merge feature branches

Revision ID: 0008
Revises: 0004, 0005, 0006, 0007
Create Date: 2026-11-23 14:34:15.105715
"""

from alembic import op
import sqlalchemy as sa
import outreach.models.base


revision = "0008"
down_revision = ("0004", "0005", "0006", "0007")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
