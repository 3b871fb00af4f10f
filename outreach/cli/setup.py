"""``flask --app wsgi ...`` commands: init-db, seed-demo, import-loans, create-officer."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from outreach import clock
from outreach.cli.demo_seed import DEMO_OFFICERS, DEMO_PASSWORD, demo_rows, seed_stages
from outreach.loan_import.upsert import BookError, ImportReport, RowError, import_rows, open_book
from outreach.migrate import upgrade
from outreach.models import ROLES, Borrower, Officer
from outreach.officer_accounts import (
    email_error,
    hash_password,
    name_error,
    normalise_email,
    password_error,
)


def _settings():
    return current_app.extensions["settings"]


def _session():
    return current_app.extensions["sessions"]()


def _run_import(rows, total: int | None, label: str) -> ImportReport:
    report = ImportReport()
    with (
        _session() as session,
        click.progressbar(length=total or 0, label=label, file=sys.stderr) as bar,
    ):
        for number, outcome, error in import_rows(session, rows):
            report.rows += 1
            if error:
                report.errors.append((number, error))
            else:
                setattr(report, outcome, getattr(report, outcome) + 1)
            bar.update(1)
    return report


def register_cli(app: Flask) -> None:
    from outreach.cli.api_keys import api_keys_cli
    from outreach.cli.audit import audit_cli
    from outreach.cli.contacts import contacts_cli
    from outreach.cli.events import events_cli
    from outreach.cli.files import files_cli
    from outreach.cli.fineract import fineract_cli
    from outreach.cli.groups import groups_cli
    from outreach.cli.letters import letters_cli, stages_cli
    from outreach.cli.payments import payments_cli
    from outreach.cli.policy import policy_cli
    from outreach.cli.risk import risk_cli

    app.cli.add_command(policy_cli)
    app.cli.add_command(risk_cli)
    app.cli.add_command(api_keys_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(payments_cli)
    app.cli.add_command(events_cli)
    app.cli.add_command(files_cli)
    app.cli.add_command(fineract_cli)
    app.cli.add_command(letters_cli)
    app.cli.add_command(stages_cli)
    app.cli.add_command(contacts_cli)
    app.cli.add_command(groups_cli)
    from outreach.cli.outreach import outreach_cli, templates_cli

    app.cli.add_command(outreach_cli)
    app.cli.add_command(templates_cli)

    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or migrate the database to the newest schema."""
        upgrade(_settings().database_url)
        click.echo("database ready")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing when borrowers already exist.")
    def seed_demo(if_empty: bool) -> None:
        """Create the demo book and demo console users (demo mode only)."""
        if _settings().production:
            raise click.ClickException("seed-demo refuses to run in production mode")
        with _session() as session:
            if if_empty and session.scalar(select(func.count(Borrower.id))):
                click.echo("demo data already present")
                return
        rows = demo_rows(clock.now().date())
        report = _run_import(rows, len(rows), "demo borrowers")
        with _session() as session:
            for email, name, role in DEMO_OFFICERS:
                if not session.scalar(select(Officer).where(Officer.email == email)):
                    session.add(
                        Officer(
                            email=email,
                            name=name,
                            role=role,
                            password_hash=hash_password(DEMO_PASSWORD),
                        )
                    )
            session.commit()
            stages = seed_stages(session, clock.now())
        click.echo(f"demo book: {report.created} borrowers created, {report.updated} updated")
        click.echo(f"demo stages: {stages}")
        _seed_history()

    def _seed_history() -> None:
        """Five months of history for the KPI pages, then a risk model trained on it."""
        from outreach.audit.kpi_config import kpi_config
        from outreach.cli.demo_history import seed_history
        from outreach.risk.scoring import score_all
        from outreach.risk.train import TrainingError, train

        now = clock.now()
        with _session() as session:
            if not seed_history(session, now):
                return
            try:
                model = train(session, now)
            except TrainingError as exc:
                click.echo(f"demo risk model not trained: {exc}")
            else:
                score_all(session, now, kpi_config())
                click.echo(
                    f"demo history and risk model {model.version} "
                    f"(held-out AUC {model.details['auc']})"
                )
            session.commit()

    @app.cli.command("import-loans")
    @click.argument("csv_path", type=click.Path(exists=True, dir_okay=False))
    def import_loans(csv_path: str) -> None:
        """Upsert borrowers, contact points and loans from a loan-book CSV."""
        try:
            # The whole file is decoded and parsed first: a bad encoding is one clear error and
            # nothing is imported (finding 12); the count drives the progress bar.
            book = open_book(csv_path)
        except (BookError, RowError) as exc:
            raise click.ClickException(str(exc)) from None
        report = _run_import(book.rows(), book.total, "importing")
        for number, error in report.errors:
            click.echo(f"row {number}: {error}", err=True)
        click.echo(
            f"{report.rows} rows: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.errors)} rejected"
        )
        if report.errors:
            sys.exit(1)

    @app.cli.command("create-officer")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--role", type=click.Choice(ROLES), required=True)
    @click.password_option()
    def create_officer(email: str, name: str, role: str, password: str) -> None:
        """Create a console user (the admin page's rules: a real email, 12+ characters)."""
        email = normalise_email(email)
        errors = [e for e in (email_error(email), name_error(name), password_error(password)) if e]
        if errors:  # security finding 27: the CLI took "x" as an admin password
            raise click.ClickException("; ".join(errors))
        with _session() as session:
            if session.scalar(select(Officer).where(Officer.email == email)):
                raise click.ClickException(f"email: {email} already has an account")
            session.add(
                Officer(
                    email=email, name=name.strip(), role=role, password_hash=hash_password(password)
                )
            )
            session.commit()
        click.echo(f"created {role} {email}")
