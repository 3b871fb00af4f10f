"""The demo book: about 50 borrowers across US, Indian, Philippine, UK and Kenyan zones.

Built as loan-book rows and loaded through the same importer a lender uses, so the demo exercises
the real import path. Deterministic: the same rows every time.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

# (country, region, postal code, phone prefix, currency, locale, product)
PLACES = [
    ("US", "IL", "60601", "+1312555", "USD", "en_US", "personal"),
    ("US", "NY", "10001", "+1212555", "USD", "en_US", "personal"),
    ("US", "CA", "94103", "+1415555", "USD", "es_US", "auto"),
    ("US", "TX", "78701", "+1512555", "USD", "es_US", "personal"),
    ("US", "AZ", "85004", "+1602555", "USD", "en_US", "auto"),
    ("US", "FL", "33101", "+1305555", "USD", "es_US", "personal"),
    ("US", "MA", "02108", "+1617555", "USD", "en_US", "personal"),
    ("IN", "MH", "400001", "+9198765", "INR", "hi_IN", "microloan"),
    ("PH", "00", "1000", "+6391712", "PHP", "fil_PH", "microloan"),
    ("GB", "ENG", "SW1A 1AA", "+4479111", "GBP", "en_GB", "personal"),
    ("KE", "30", "00100", "+2547123", "KES", "sw_KE", "microloan"),
]
FIRST = [
    "Ana",
    "Luis",
    "Maria",
    "James",
    "Priya",
    "Ravi",
    "Joy",
    "Mark",
    "Grace",
    "Amina",
    "Wanjiru",
    "Oliver",
    "Sofia",
    "Carlos",
    "Emily",
    "Kofi",
    "Lucia",
    "Daniel",
    "Aisha",
    "Noah",
    "Isabel",
    "Samuel",
    "Mei",
    "Jorge",
    "Fatima",
]
LAST = [
    "Garcia",
    "Smith",
    "Patel",
    "Reyes",
    "Otieno",
    "Brown",
    "Santos",
    "Kumar",
    "Mwangi",
    "Lopez",
    "Taylor",
    "Cruz",
    "Singh",
    "Njoroge",
    "Hernandez",
]
DEMO_OFFICERS = [
    ("officer@demo.example", "Olivia Officer", "officer"),
    ("supervisor@demo.example", "Sam Supervisor", "supervisor"),
    ("auditor@demo.example", "Avery Auditor", "auditor"),
    ("admin@demo.example", "Ada Admin", "admin"),
]
DEMO_PASSWORD = "demo-password"  # printed by `make run`; demo mode only


def demo_rows(today: date, count: int = 50) -> list[dict[str, str]]:
    rng = random.Random(20261123)
    rows = []
    for i in range(count):
        country, region, postal, prefix, currency, locale, product = PLACES[i % len(PLACES)]
        # US: 555-01xx numbers are reserved for fiction; elsewhere five digits after a mobile prefix.
        phone = prefix + (f"01{i:02d}" if country == "US" else f"{10000 + i:05d}")
        scale = {"INR": 80, "PHP": 50, "KES": 120}.get(currency, 1)
        principal = rng.choice([500, 1200, 2500, 5000, 10000]) * scale
        dpd = rng.choice([0, 0, 0, 3, 7, 15, 30, 45, 60])
        # Current loans fall due within days; past-due ones have their next instalment ahead.
        due = today + timedelta(days=rng.choice([0, 1, 2, 3, 5, 10]) if dpd == 0 else 30 - dpd % 30)
        instalment = round(principal / 12, 2)
        outstanding = round(principal * rng.uniform(0.3, 0.95), 2)
        past_due = instalment * (1 + dpd // 30) if dpd else 0
        rows.append(
            {
                "external_id": f"DEMO-{i + 1:03d}",
                "full_name": f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}",
                "locale": locale,
                "country": country,
                "region": region,
                "postal_code": postal,
                "timezone": "",
                "date_of_birth": date(1960 + i % 40, 1 + i % 12, 1 + i % 28).isoformat(),
                "phone": phone,
                "whatsapp": phone if i % 3 == 0 else "",
                "email": f"demo{i + 1:03d}@borrower.example",
                "consent_source": "loan_agreement",
                "consent_at": "2026-01-15T10:00:00Z",
                "loan_number": f"LN{2026000000 + i * 7919:010d}",
                "product": product,
                "currency": currency,
                "principal": f"{principal:.2f}",
                "outstanding": f"{outstanding:.2f}",
                "past_due_amount": f"{past_due:.2f}",
                "days_past_due": str(dpd),
                "next_due_date": due.isoformat(),
                "next_due_amount": f"{instalment:.2f}",
                "status": "delinquent" if dpd else "current",
            }
        )
    _demo_group(rows)
    return rows


DEMO_GROUP = {
    "group_id": "DEMO-G-KE-1",
    "group_name": "Upendo Women Group",
    "group_branch": "Nairobi",
    "group_meeting_day": "thursday",
    "group_meeting_time": "10:00",
    "group_meeting_place": "Kariobangi community hall",
}


def _demo_group(rows: list[dict[str, str]]) -> None:
    """The Kenyan demo borrowers form one joint-liability group (issue 20); the first two share
    one phone (common among members): the demo shows that whoever holds it learns only their
    own loan. The third leads the group (a leader on a shared phone gets no summary: another
    member may hold it). All but the last consent to the leader's summary."""
    kenyans = [row for row in rows if row["country"] == "KE"]
    leader = 2 if len(kenyans) > 2 else 0
    for n, row in enumerate(kenyans):
        row.update(
            DEMO_GROUP,
            group_role="leader" if n == leader else "member",
            group_summary_consent="no" if n == len(kenyans) - 1 else "yes",
        )
    if len(kenyans) >= 2:
        kenyans[1]["phone"] = kenyans[0]["phone"]
        kenyans[1]["whatsapp"] = kenyans[0]["whatsapp"] and kenyans[0]["phone"]


CITIES = {
    ("US", "IL"): "Chicago",
    ("US", "NY"): "New York",
    ("US", "CA"): "San Francisco",
    ("US", "TX"): "Austin",
    ("US", "AZ"): "Phoenix",
    ("US", "FL"): "Miami",
    ("US", "MA"): "Boston",
    ("IN", "MH"): "Mumbai",
    ("PH", "00"): "Manila",
    ("GB", "ENG"): "London",
    ("KE", "30"): "Nairobi",
}


def demo_postal_address(index: int, country: str, region: str, postal: str) -> str:
    """A fictional postal address for demo borrower ``index`` (letters need one)."""
    city = CITIES.get((country, region), "Springfield")
    if country == "US":
        return f"{100 + index} Demo Street, {city} {region} {postal}"
    return f"{100 + index} Demo Road, {city} {postal}"


def seed_stages(session: Any, now: Any) -> str:
    """Postal addresses for the demo book, then one stage pass: demo loans 60 days past due with
    no reply land in the supervisors' pre-legal review queue (config/stages.yaml)."""
    from sqlalchemy import select

    from outreach.models import Borrower, ContactPoint
    from outreach.stages.evaluate import evaluate_stages

    have = set(
        session.scalars(select(ContactPoint.borrower_id).where(ContactPoint.channel == "letter"))
    )
    for borrower in session.scalars(select(Borrower).where(Borrower.external_id.like("DEMO-%"))):
        if borrower.id in have:
            continue
        index = int(borrower.external_id.split("-")[1])
        address = demo_postal_address(
            index, borrower.country, borrower.region or "", borrower.postal_code or ""
        )
        session.add(ContactPoint(borrower_id=borrower.id, channel="letter", address=address))
    session.flush()
    report = evaluate_stages(session, now)
    session.commit()
    return report.summary()
