"""The README's "Connect your systems" snippets, run as written against a live server: the
`curl` steps (creating the key with the CLI included) and the Python `requests` example."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal

import pytest
from sqlalchemy import select

from outreach.models import ApiKey, Loan, ProviderPayment
from tests.conftest import PUBLIC_BASE_URL, TEST_SECRET
from tests.support.api_clients import new_key
from tests.support.servers import ROOT, LiveServer, free_port

README = (ROOT / "README.md").read_text()
SECTION = README.split("## Connect your systems", 1)[1].split("\n## ", 1)[0]
BLOCKS = re.findall(r"```(sh|python)\n(.*?)```", SECTION, re.S)


@pytest.fixture
def server(app):
    with LiveServer(app, free_port()) as live:
        yield live


def _env(database_url: str, url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "OUTREACH_URL": url,
        **extra,
    }


def _applied(session) -> None:
    loan = session.scalar(select(Loan).where(Loan.loan_number == "LN-1001"))
    assert loan is not None and loan.outstanding == Decimal("3210.55")
    payment = session.scalars(select(ProviderPayment)).one()
    assert (payment.provider, payment.reference, payment.status) == (
        "lender",
        "TXN-88412",
        "applied",
    )


def test_the_readme_has_the_key_loan_and_payment_snippets():
    shells = [code for lang, code in BLOCKS if lang == "sh"]
    assert len(shells) == 3 and "api-keys create" in shells[0]
    assert "/api/v1/loan-book" in shells[1] and "/api/v1/payments" in shells[2]
    assert [lang for lang, _ in BLOCKS].count("python") == 1


def test_the_curl_snippets_work_as_written(server, session, database_url):
    script = "set -euo pipefail\n" + "\n".join(code for lang, code in BLOCKS if lang == "sh")
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env=_env(database_url, server.url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"outcome":"created"' in done.stdout and '"status":"applied"' in done.stdout
    assert session.scalars(select(ApiKey.name)).all() == ["core-banking"]
    _applied(session)


def test_the_python_snippet_works_as_written(app, server, session, database_url):
    key = new_key(app, "core-banking")
    (code,) = [code for lang, code in BLOCKS if lang == "python"]
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_env(database_url, server.url, OUTREACH_KEY=key),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == ["/items/0 created []", "applied"]
    _applied(session)
