"""apscheduler_jobs: the scheduler's job store table

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 10:00:00

APScheduler's SQLAlchemyJobStore creates this table itself when the scheduler starts (only if it
is missing). It is created here too so that a database migrated by a privileged role can be run
by an app role that may not CREATE tables. Deployments whose scheduler already created it keep
theirs: every statement is IF NOT EXISTS.

The definition is copied from APScheduler 3.11's ``apscheduler/jobstores/sqlalchemy.py``, not
imported: a migration must not change when the library does. The table is not in the ORM
metadata; ``migrations/env.py`` leaves it out of autogenerate comparisons.
"""

from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "apscheduler_jobs",
        # 191: the longest indexable utf8mb4 key in MySQL/InnoDB; Float(25): an 8-byte float
        # (APScheduler's own comments).
        sa.Column("id", sa.Unicode(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        # APScheduler's key is unnamed: this is the name PostgreSQL gives it, not our pk_ convention.
        sa.PrimaryKeyConstraint("id", name="apscheduler_jobs_pkey"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_apscheduler_jobs_next_run_time"),
        "apscheduler_jobs",
        ["next_run_time"],
        if_not_exists=True,
    )


def downgrade() -> None:
    # The scheduler re-creates the table and re-adds its fixed jobs (replace_existing) at start.
    op.drop_table("apscheduler_jobs", if_exists=True)
