"""File drops on a real SFTP server (Debian's OpenSSH sshd, started by the tests on localhost):
the lender uploads over SFTP, the poll picks the files up over SFTP, and the results and the
daily export come back there."""

from __future__ import annotations

import io

import paramiko
import pytest
from sqlalchemy import func, select

from outreach.models import Loan, ProviderPayment
from tests.conftest import make_settings
from tests.support.factories import make_borrower
from tests.support.file_drops import loan_book, loan_line, payment_file, result
from tests.support.sftp_server import keypair, sftp_server


@pytest.fixture(scope="module")
def sftp(tmp_path_factory):
    with sftp_server(tmp_path_factory.mktemp("sftp")) as server:
        yield server


@pytest.fixture
def inbox(sftp, tmp_path):
    path = sftp.root / tmp_path.name / "drop"
    path.mkdir(parents=True)
    return path


@pytest.fixture
def settings(database_url, sftp, inbox):
    return make_settings(database_url, FILE_DROP_URL=sftp.url(inbox), **sftp.env())


def upload(sftp, inbox, name: str, text: str) -> None:
    """As the lender does: over SFTP, under a temporary name, renamed once complete."""
    transport = paramiko.Transport(("127.0.0.1", sftp.port))
    try:
        key = paramiko.Ed25519Key.from_private_key(io.StringIO(sftp.client_key))
        transport.connect(username=sftp.user, pkey=key)
        client = paramiko.SFTPClient.from_transport(transport)
        assert client is not None
        with client.open(f"{inbox}/{name}.part", "w") as out:
            out.write(text)
        client.posix_rename(f"{inbox}/{name}.part", f"{inbox}/{name}")
    finally:
        transport.close()


def test_it_picks_up_a_loan_book_and_a_payment_file_over_sftp(runner, session, sftp, inbox, clock):
    borrower = make_borrower(session)
    paid_at = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    upload(sftp, inbox, "book.csv", loan_book(loan_line(1), loan_line(2, phone="12")))
    payments = payment_file(f"{borrower.loans[0].loan_number},40.00,USD,{paid_at},SFTP-1")
    upload(sftp, inbox, "payments.csv", payments)

    out = runner.invoke(args=["files", "poll"])

    assert out.exit_code == 0, out.output
    assert "LN-1" in session.scalars(select(Loan.loan_number)).all()
    problems, totals = result(inbox, "book.csv")
    assert [(row, field) for row, field, _ in problems] == [("3", "phone")]
    assert totals["created"] == 1
    assert session.scalar(select(ProviderPayment.reference)) == "SFTP-1"
    assert result(inbox, "payments.csv")[1]["applied"] == 1
    assert not list(inbox.glob(".*"))  # no temporary result file left behind

    # The same payment file uploaded again under another name: skipped, nothing applied twice.
    upload(sftp, inbox, "payments-again.csv", payments)
    again = runner.invoke(args=["files", "poll"])

    assert again.exit_code == 0, again.output
    assert session.scalar(select(func.count()).select_from(ProviderPayment)) == 1
    assert result(inbox, "payments-again.csv")[0][0][2].startswith("skipped: the same content")


def test_it_refuses_a_server_whose_host_key_is_not_the_configured_one(
    runner, app, session, sftp, inbox, database_url
):
    upload(sftp, inbox, "book.csv", loan_book(loan_line(1)))
    _, other_key = keypair()
    app.extensions["settings"] = make_settings(
        database_url,
        FILE_DROP_URL=sftp.url(inbox),
        FILE_DROP_SFTP_KEY=sftp.client_key,
        FILE_DROP_SFTP_HOST_KEY=other_key,
    )

    out = runner.invoke(args=["files", "poll"])

    assert out.exit_code == 1
    assert "host key is not FILE_DROP_SFTP_HOST_KEY: refused" in out.output
    assert session.scalar(select(func.count()).select_from(Loan)) == 0
    assert not (inbox / "book.result.csv").exists()


def test_it_drops_the_daily_export_in_the_sftp_outbox(runner, session, sftp, inbox, clock):
    make_borrower(session)
    day = clock.now().date()
    clock.advance(days=1)

    out = runner.invoke(args=["files", "export"])

    assert out.exit_code == 0, out.output
    exported = inbox / "outbox" / f"outreach-export-{day.isoformat()}.csv"
    assert exported.read_text().startswith("record,id,occurred_at,type,")
