"""Postal addresses and PDF text for the letter tests."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy.orm import Session

from outreach.models import Borrower, ContactPoint

CHICAGO = "1 Main St, Chicago IL 60601"


def add_postal(session: Session, borrower: Borrower, address: str = CHICAGO) -> ContactPoint:
    """A postal address on file (channel ``letter``): no consent needed for mail."""
    point = ContactPoint(borrower_id=borrower.id, channel="letter", address=address)
    session.add(point)
    session.commit()
    return point


def pdf_text(data: bytes) -> str:
    """Every page's text, whitespace collapsed (what a reader of the letter sees)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
