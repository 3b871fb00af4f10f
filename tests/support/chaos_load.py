"""The chaos suite's steady load: new delinquent borrowers (so reminders keep being planned and
dispatched) and signed inbound SMS over HTTP, retried as Twilio would until acknowledged.

Borrowers are added straight to the database, as a loan-book import would; one in four has two
delinquent loans, so two reminders for one borrower are due in the same instant (the caps
invariant). Each inbound message has a fresh MessageSid; a post that fails (a killed worker, a
restarting database) is retried with the same SID, so the app's de-duplication is exercised too.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import requests
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from outreach import clock
from outreach.db import engine_for
from outreach.models import Loan
from tests.support.factories import make_borrower
from tests.support.twilio_signing import inbound_form

TEXTS = ("hi", "what do I owe", "hello", "can I pay later", "balance please")
RETRY_FOR_SECONDS = 120


class Load:
    """``start()`` the stream, ``stop()`` it; the borrowers' phones and the SIDs sent so far."""

    def __init__(self, database_url: str, web_url: str, auth_token: str, our_number: str) -> None:
        self.engine = engine_for(database_url)
        self.web_url, self.token, self.our_number = web_url, auth_token, our_number
        self.phones: list[str] = []
        self.sids: dict[str, str] = {}  # MessageSid -> the borrower's phone
        self.acked: set[str] = set()
        self.retries = 0
        self.unacked: list[str] = []
        self.quiet: set[str] = set()  # phones that send nothing for now
        self._stop = threading.Event()
        self._numbers = itertools.count(1)
        self._threads: list[threading.Thread] = []
        self._pool = ThreadPoolExecutor(max_workers=6, thread_name_prefix="inbound")
        self._rng = random.Random(19)

    def add_borrower(self) -> None:
        n = next(self._numbers)
        phone = f"+1312555{n:04d}"
        with Session(self.engine) as session:
            borrower = make_borrower(
                session, phone=phone, external_id=f"CHAOS-{n}", loan={"days_past_due": 3}
            )
            if n % 4 == 0:  # two reminders due at once for one borrower
                session.add(
                    Loan(
                        borrower_id=borrower.id,
                        loan_number=f"LN-CHAOS-{n:05d}-2",
                        product="personal",
                        currency="USD",
                        principal=Decimal("900.00"),
                        outstanding=Decimal("300.00"),
                        past_due_amount=Decimal("100.00"),
                        days_past_due=3,
                        next_due_date=clock.now().date() + timedelta(days=20),
                        next_due_amount=Decimal("100.00"),
                        status="delinquent",
                    )
                )
                session.commit()
        self.phones.append(phone)

    def _post(self, sid: str, phone: str, text: str) -> None:
        path = "/webhooks/twilio/sms"
        form = inbound_form(sid, phone, text, to=self.our_number)
        signature = RequestValidator(self.token).compute_signature(self.web_url + path, form)
        deadline = time.monotonic() + RETRY_FOR_SECONDS
        while time.monotonic() < deadline:
            try:
                response = requests.post(
                    self.web_url + path,
                    data=form,
                    headers={"X-Twilio-Signature": signature},
                    timeout=30,
                )
                if response.status_code == 200:
                    self.acked.add(sid)
                    return
            except requests.RequestException:
                pass
            self.retries += 1
            time.sleep(1)  # Twilio-like retry pace; the app must keep no state per attempt
        self.unacked.append(sid)

    def _borrowers(self, every: float) -> None:
        while not self._stop.wait(every):
            try:
                self.add_borrower()
            except Exception:  # the database restarting: the next one goes in later
                time.sleep(1)

    def _inbound(self, every: float) -> None:
        futures = []
        while not self._stop.wait(every):
            if not self.phones:
                continue
            phone = self._rng.choice(self.phones)
            if phone in self.quiet:
                continue
            sid = "SM" + uuid.uuid4().hex
            self.sids[sid] = phone
            futures.append(self._pool.submit(self._post, sid, phone, self._rng.choice(TEXTS)))
        for future in futures:
            future.result()

    def start(self, borrower_every: float = 1.5, inbound_every: float = 0.7) -> None:
        for target, every in ((self._borrowers, borrower_every), (self._inbound, inbound_every)):
            thread = threading.Thread(target=target, args=(every,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop adding load and wait for every inbound post to be acknowledged (or given up)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=RETRY_FOR_SECONDS + 60)
        self._pool.shutdown(wait=True)
