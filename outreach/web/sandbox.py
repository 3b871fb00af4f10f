"""Demo sandbox: each demo borrower's phone, the messages "sent" to it, and a box to answer.

Answers enter through exactly the same inbound handler as a signed Twilio webhook. Only in demo
mode (no Twilio credentials): with real credentials these routes do not exist. The list shows each
borrower's local time, when a reminder may reach them and why (the contact policy's answer), and
unread messages per phone (``outreach.web.sandbox_list``).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import or_, select

from outreach.conversations.inbound_form import MAX_BODY_CHARS
from outreach.models import Borrower, ContactPoint, Message, StkRequest
from outreach.payments import sandbox as sandbox_payments
from outreach.payments import stk, stk_sandbox
from outreach.settings import SANDBOX_NUMBER
from outreach.web import channels, db, request_now, settings
from outreach.web.sandbox_list import (
    SEEN_COOKIE,
    SEEN_MAX_AGE,
    phone_rows,
    read_seen,
    write_seen,
)
from outreach.web.webhooks import handle_inbound

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")


@bp.before_request
def _demo_only() -> None:
    if not settings().demo_mode:
        abort(404)


@bp.get("/")
def index() -> Any:
    points = (
        db()
        .scalars(
            select(ContactPoint)
            .join(Borrower)
            .where(ContactPoint.channel.in_(("sms", "whatsapp")))
            .order_by(Borrower.full_name, ContactPoint.channel)
        )
        .all()
    )
    rows = phone_rows(
        db(), list(points), request_now(), read_seen(request.cookies.get(SEEN_COOKIE))
    )
    only_reachable = request.args.get("show") == "reachable"
    return render_template(
        "sandbox/index.html",
        rows=[r for r in rows if r.reachable] if only_reachable else rows,
        total=len(rows),
        reachable=sum(1 for r in rows if r.reachable),
        only_reachable=only_reachable,
    )


def _point(point_id: int) -> ContactPoint:
    point = db().get(ContactPoint, point_id)
    if point is None or point.channel not in ("sms", "whatsapp"):
        abort(404)
    return point


def _phone_page(
    point: ContactPoint,
    *,
    error: str = "",
    draft: str = "",
    status: int = 200,
    mpesa_error: str = "",
) -> Any:
    messages = (
        db()
        .scalars(
            select(Message)
            .where(
                Message.address == point.address,
                Message.channel == point.channel,
                or_(Message.direction == "in", Message.status != "blocked"),
            )
            .order_by(Message.id)
        )
        .all()
    )
    seen = read_seen(request.cookies.get(SEEN_COOKIE))
    (row,) = phone_rows(db(), [point], request_now(), seen)
    response = make_response(
        render_template(
            "sandbox/phone.html",
            point=point,
            row=row,
            messages=messages,
            error=error,
            draft=draft,
            max_body=MAX_BODY_CHARS,
            pay_links=_pay_links(point),
            link_parts=_link_parts,
            stk_prompts=stk_sandbox.pending_prompts(db(), settings(), point.address),
            mpesa_links=_mpesa_links(point),
            lender=settings().lender_name,
            mpesa_error=mpesa_error,
        ),
        status,
    )
    # Everything on the page is read now (the page's 2-second poll lands here too).
    if messages and messages[-1].id > seen.get(point.id, 0):
        seen[point.id] = messages[-1].id
        _set_seen(response, seen)
    return response


def _set_seen(response: Response, seen: dict[int, int]) -> None:
    response.set_cookie(
        SEEN_COOKIE,
        write_seen(seen),
        max_age=int(SEEN_MAX_AGE.total_seconds()),
        path=url_for("sandbox.index"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


URL = re.compile(r"https?://\S+")
URL_TRAILING = ".,;:!?)'\""  # sentence punctuation after a link is not part of it


def _link_parts(message: Message) -> list[tuple[str, str | None]]:
    """The body as (text, href) pieces. As a phone's messaging app makes links tappable, links
    to this app's own pages in a message it sent open from the sandbox phone (the reminder's
    payment link, the chat link); anything else, and all a borrower wrote, stays text."""
    if message.direction != "out":
        return [(message.body, None)]
    own = settings().public_base_url.rstrip("/") + "/"
    parts: list[tuple[str, str | None]] = []
    at = 0
    for match in URL.finditer(message.body):
        url = match.group().rstrip(URL_TRAILING)
        if not url.startswith(own):
            continue
        parts += [(message.body[at : match.start()], None), (url, url)]
        at = match.start() + len(url)
    parts.append((message.body[at:], None))
    return [part for part in parts if part[0]]


def _pay_links(point: ContactPoint) -> list[tuple[str, str]]:
    """(loan number, sandbox payment page) for each of the borrower's loans, when offered."""
    if not sandbox_payments.offered(settings()):
        return []
    loans = point.borrower.loans
    return [(loan.loan_number, sandbox_payments.pay_url(settings(), loan.id)) for loan in loans]


def _mpesa_links(point: ContactPoint) -> list[tuple[str, str]]:
    """(loan number, M-Pesa page) for each loan whose demo prompt would show on this phone."""
    if not stk_sandbox.offered(settings()) or not stk.kenyan_mobile(point.address):
        return []
    return [
        (loan.loan_number, stk.page_url(settings(), loan.id))
        for loan in point.borrower.loans
        if stk.mpesa_offered(settings(), loan)
    ]


@bp.get("/phones/<int:point_id>")
def phone(point_id: int) -> Any:
    return _phone_page(_point(point_id))


@bp.post("/phones/<int:point_id>")
def answer(point_id: int) -> Any:
    point = _point(point_id)
    body = request.form.get("body", "").strip()
    if body:
        # The form Twilio would post: the phone's number, and the sandbox number it writes to.
        prefix = "whatsapp:" if point.channel == "whatsapp" else ""
        resp = handle_inbound(
            point.channel,
            {
                "MessageSid": "SM" + uuid.uuid4().hex,
                "From": prefix + point.address,
                "To": prefix + SANDBOX_NUMBER,
                "Body": body,
            },
        )
        if resp.status_code == 400:  # e.g. a Body over 1,600 characters: say so, keep the text
            return _phone_page(
                point, error=resp.get_data(as_text=True).strip(), draft=body, status=400
            )
    return redirect(url_for("sandbox.phone", point_id=point.id) + "#latest")


@bp.post("/phones/<int:point_id>/mpesa/<int:stk_id>")
def answer_mpesa(point_id: int, stk_id: int) -> Any:
    """The borrower answers a demo M-Pesa prompt on this phone: Pay (with a PIN) or Cancel. The
    answer becomes the stkCallback Daraja would post, settled by the real callback's code."""
    point = _point(point_id)
    req = db().get(StkRequest, stk_id)
    if req is None or req not in stk_sandbox.pending_prompts(db(), settings(), point.address):
        abort(404)  # not a demo prompt waiting on this phone (answered, or another phone's)
    pay = request.form.get("answer") == "pay"
    if pay and not re.fullmatch(r"[0-9]{4}", request.form.get("pin", "")):
        return _phone_page(point, mpesa_error="pin: enter a 4-digit M-Pesa PIN.", status=400)
    stk_sandbox.answer(db(), settings(), channels(), req, pay=pay, now=request_now())
    return redirect(url_for("sandbox.phone", point_id=point.id) + "#latest")
