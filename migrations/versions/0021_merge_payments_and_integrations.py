"""merge the payments (issue 14) and lender-integration (issue 15) branches

Revision ID: 0021
Revises: 0014, 0015, 0018, 0019, 0020
Create Date: 2026-12-02 00:00:00
"""

revision = "0021"
down_revision = ("0014", "0015", "0018", "0019", "0020")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
