"""account stages, stage moves and letters (issue 18)

Revision ID: 0025
Revises: 0021
Create Date: 2026-12-02 18:40:00
"""

from alembic import op
import sqlalchemy as sa
import outreach.models.base


revision = "0025"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_stages",
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("since", outreach.models.base.UTCDateTime(), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=True),
        sa.Column("review_reason", sa.String(length=500), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", outreach.models.base.UTCDateTime(), nullable=True),
        sa.Column("returned_until", outreach.models.base.UTCDateTime(), nullable=True),
        sa.Column("agency", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_account_stages_loan_id_loans")),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["officers.id"], name=op.f("fk_account_stages_reviewed_by_id_officers")
        ),
        sa.PrimaryKeyConstraint("loan_id", name=op.f("pk_account_stages")),
    )
    with op.batch_alter_table("account_stages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_stages_stage"), ["stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_account_stages_review_status"), ["review_status"], unique=False)

    op.create_table(
        "stage_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=16), nullable=True),
        sa.Column("to_stage", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("at", outreach.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_stage_moves_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_moves")),
    )
    with op.batch_alter_table("stage_moves", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stage_moves_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stage_moves_at"), ["at"], unique=False)

    op.create_table(
        "letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("borrower_id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("letter_date", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("printed_at", outreach.models.base.UTCDateTime(), nullable=True),
        sa.Column("created_at", outreach.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["borrower_id"], ["borrowers.id"], name=op.f("fk_letters_borrower_id_borrowers")),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_letters_loan_id_loans")),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name=op.f("fk_letters_message_id_messages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letters")),
    )
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letters_borrower_id"), ["borrower_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_letters_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_letters_letter_date"), ["letter_date"], unique=False)


def downgrade() -> None:
    op.drop_table("letters")
    op.drop_table("stage_moves")
    op.drop_table("account_stages")
