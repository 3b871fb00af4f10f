"""borrower care (issue 16): wrong-party and reassigned contact points, vulnerability notes,
payment claims, collection pauses

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-02 18:45:00
"""

from alembic import op
import sqlalchemy as sa
import outreach.models.base


revision = "0023"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wrong_party_at", outreach.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("wrong_party_source", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("reassigned_since", sa.Date(), nullable=True))
    op.create_table(
        "vulnerability_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("borrower_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("consent_at", outreach.models.base.UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("created_at", outreach.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["borrower_id"], ["borrowers.id"], name=op.f("fk_vulnerability_notes_borrower_id_borrowers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vulnerability_notes")),
    )
    with op.batch_alter_table("vulnerability_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vulnerability_notes_borrower_id"), ["borrower_id"], unique=False)
    op.create_table(
        "payment_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("borrower_id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=True),
        sa.Column("paid_when", sa.String(length=200), nullable=False),
        sa.Column("paid_how", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", outreach.models.base.UTCDateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", outreach.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["borrower_id"], ["borrowers.id"], name=op.f("fk_payment_claims_borrower_id_borrowers")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["officers.id"], name=op.f("fk_payment_claims_decided_by_id_officers")),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_payment_claims_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_claims")),
    )
    with op.batch_alter_table("payment_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_claims_borrower_id"), ["borrower_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_claims_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_claims_status"), ["status"], unique=False)
    op.create_table(
        "collection_pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("borrower_id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("starts_at", outreach.models.base.UTCDateTime(), nullable=False),
        sa.Column("ends_at", outreach.models.base.UTCDateTime(), nullable=False),
        sa.Column("ended_early_at", outreach.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["borrower_id"], ["borrowers.id"], name=op.f("fk_collection_pauses_borrower_id_borrowers")),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_collection_pauses_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_pauses")),
    )
    with op.batch_alter_table("collection_pauses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collection_pauses_borrower_id"), ["borrower_id"], unique=False)


def downgrade() -> None:
    op.drop_table("collection_pauses")
    op.drop_table("payment_claims")
    op.drop_table("vulnerability_notes")
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.drop_column("reassigned_since")
        batch_op.drop_column("wrong_party_source")
        batch_op.drop_column("wrong_party_at")
