"""A letter's PDF with fpdf2: letterhead, date, address block, subject, body. Pure: no database.

The same inputs give the same bytes (the creation date is the letter's date, not the wall
clock), so a letter's SHA-256 identifies its content. DejaVu Sans (Debian's fonts-dejavu-core)
is embedded when installed, so every script a name or amount may use prints; without it the core
Helvetica font is used and characters outside Latin-1 are replaced (the text kept with the
letter is the exact wording).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from datetime import date as Date
from pathlib import Path

from fpdf import FPDF

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


@dataclass(frozen=True)
class LetterPage:
    lender: str
    letter_date: str  # formatted for the locale
    recipient: tuple[str, ...]  # name, then the postal address lines
    reference: str
    subject: str
    body: str
    footer: str
    created: Date  # the letter's date: the PDF's creation date


def _font() -> Path | None:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return folder
    return None


def render_pdf(page: LetterPage) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime.combine(page.created, time(0), tzinfo=UTC))
    pdf.set_title(page.subject)
    pdf.set_author(page.lender)
    pdf.set_creator("outreach letters")
    folder = _font()
    if folder is not None:
        pdf.add_font("body", "", str(folder / "DejaVuSans.ttf"))
        pdf.add_font("body", "B", str(folder / "DejaVuSans-Bold.ttf"))
        family, clean = "body", str
    else:  # pragma: no cover - depends on the machine's fonts

        def clean(text: str) -> str:
            return text.encode("latin-1", "replace").decode("latin-1")

        family = "helvetica"
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_page()
    pdf.set_font(family, "B", 14)
    pdf.cell(0, 8, clean(page.lender), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    pdf.cell(0, 6, clean(page.letter_date), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    for line in page.recipient:
        pdf.cell(0, 5, clean(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.cell(0, 5, clean(page.reference), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(family, "B", 12)
    pdf.multi_cell(0, 6, clean(page.subject), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(family, "", 10.5)
    for paragraph in page.body.split("\n\n"):
        text = paragraph.strip("\n")
        if text:
            pdf.multi_cell(0, 5.5, clean(text), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    pdf.set_auto_page_break(False)  # the footer sits in the bottom margin of the last page
    pdf.set_y(-18)
    pdf.set_font(family, "", 8)
    pdf.cell(0, 5, clean(page.footer), align="C")
    return bytes(pdf.output())
