"""merge the branches of issues 16-20 (language, care, resolutions, stages and letters, the SMS
menu, officer KPIs, persistent conversations and the inbound queue, the scheduler leader, group
loans)

Revision ID: 0031
Revises: 0022, 0023, 0024, 0026, 0027, 0028, 0030
Create Date: 2026-12-02 19:40:00
"""

revision = "0031"
down_revision = ("0022", "0023", "0024", "0026", "0027", "0028", "0030")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
