"""merge the security-fix branches (issue 12)

Revision ID: 0012
Revises: 0011_botpath, 0011_identity, 0011_inbound, 0011_websec
Create Date: 2026-12-02 00:00:00
"""

revision = "0012"
down_revision = ("0011_botpath", "0011_identity", "0011_inbound", "0011_websec")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
