"""The web chat widget's endpoints and the ``/chat/`` page a reminder's signed link opens.

Contract with ``static/widget.js``:

* ``POST /chat/api/session`` ``{"link": <self-service token or "">, "locale": "en"|"es"}`` starts
  a web conversation and returns ``{"key", "link"}``; ``key`` is a signed, 12-hour conversation id the
  widget keeps in localStorage (the conversation survives a reload) and sends as ``X-Chat-Key``.
  ``link`` is ``valid``, ``invalid`` (altered or expired), ``settled`` (the borrower owes
  nothing: the chat stays anonymous) or ``none``. A valid link ties the conversation to its
  borrower; the bot still verifies identity before any detail. Without a link the visitor is
  anonymous until ``/identify``.
* ``GET /chat/api/messages?after=<id>`` returns the transcript after ``id`` (polled every 2 s)
  and who answers (``owner``); never whether the conversation is tied to an account (finding 8:
  that told a visitor whether a loan number exists).
* ``POST /chat/api/messages`` ``{"text"}`` goes through ``receive_inbound`` like SMS: logged,
  then Rasa while the bot owns the conversation, the officers' queue after a handoff.
* ``POST /chat/api/identify`` ``{"loan_number"}``: an anonymous visitor names an account (once
  per chat); the answer is the same whether it exists or not, it is rate limited per address
  and per loan number, and the bot then asks the date of birth and the postal code on file
  (never the last four digits the visitor just typed: outreach/selfservice/identity.py).

No cookies: the widget runs on the lender's own site (another origin), so the key travels in a
header and CSRF does not apply; responses allow any origin but never credentials.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from outreach.audit import log as audit
from outreach.conversations.inbound import receive_inbound
from outreach.messaging.links import read_link, timed_serializer
from outreach.models import Conversation, Message
from outreach.selfservice import identity
from outreach.selfservice.locale import BOT_LANGUAGES, language_of
from outreach.web import channels, db, params, rasa, settings

bp = Blueprint("chat", __name__, url_prefix="/chat")
KEY_SALT = "web-chat-key.v1"
STATIC = Path(__file__).resolve().parent / "static"
KEY_MAX_AGE_SECONDS = 12 * 3600  # then the widget starts a new conversation
MAX_TEXT = 1000  # characters in one widget message
LOCALES = BOT_LANGUAGES  # en, es, sw, fil, hi, hi_Latn
# The /chat/ page's own words (the widget carries its own): title, notices, the line under them.
PAGE_TEXTS = {
    "en": (
        "Account help",
        "Your account is paid up: there is nothing left to pay. Thank you! If you have a question, you can still write to us in the chat.",
        "This link has expired or is not valid.",
        "Use the chat to check your balance, arrange a payment or talk to a person.",
    ),
    "es": (
        "Ayuda con su cuenta",
        "Su cuenta está al día: no tiene nada pendiente de pago. ¡Gracias! Si tiene alguna pregunta, puede escribirnos en el chat.",
        "Este enlace ha caducado o no es válido.",
        "Use el chat para consultar su saldo, acordar un pago o hablar con una persona.",
    ),
    "sw": (
        "Msaada wa akaunti",
        "Akaunti yako imelipwa yote: hakuna kilichobaki kulipa. Asante! Ukiwa na swali, bado unaweza kutuandikia kwenye gumzo.",
        "Kiungo hiki kimeisha muda au si sahihi.",
        "Tumia gumzo kuangalia salio lako, kupanga malipo au kuongea na mtu.",
    ),
    "fil": (
        "Tulong sa account",
        "Bayad na ang account mo: wala ka nang babayaran. Salamat! Kung may tanong ka, puwede ka pa ring sumulat sa amin sa chat.",
        "Expired na o hindi valid ang link na ito.",
        "Gamitin ang chat para i-check ang balance mo, mag-ayos ng bayad o makausap ang isang tao.",
    ),
    "hi": (
        "खाते में मदद",
        "आपका खाता पूरा भर गया है: कुछ भी बाकी नहीं है। धन्यवाद! कोई सवाल हो तो आप फिर भी चैट में हमें लिख सकते हैं।",
        "यह लिंक पुराना हो गया है या सही नहीं है।",
        "अपना बैलेंस देखने, भुगतान तय करने या किसी व्यक्ति से बात करने के लिए चैट का इस्तेमाल करें।",
    ),
    "hi_Latn": (
        "Account mein madad",
        "Aapka account poora bhar gaya hai: kuch bhi baaki nahi hai. Dhanyavaad! Koi sawal ho to aap phir bhi chat mein hamein likh sakte hain.",
        "Yeh link purana ho gaya hai ya sahi nahi hai.",
        "Apna balance dekhne, payment tay karne ya kisi vyakti se baat karne ke liye chat ka istemal karein.",
    ),
}


def _locale(value: Any) -> str:
    """A widget or page language: "hi-Latn" -> "hi_Latn", "tl" -> "fil"; else English."""
    return (language_of(value) or "en") if isinstance(value, str) else "en"


def _serializer() -> URLSafeTimedSerializer:
    return timed_serializer(settings().secret_key, KEY_SALT)


def _error(field: str, message: str, status: int = 400) -> tuple[Response, int]:
    return jsonify(error=f"{field}: {message}"), status


def _conversation() -> Conversation | None:
    """The conversation named by the signed ``X-Chat-Key`` header, if the signature holds."""
    key = request.headers.get("X-Chat-Key", "")
    try:
        # Expiring keys: a shared phone's localStorage does not reopen the transcript for ever.
        public_id = _serializer().loads(key, max_age=KEY_MAX_AGE_SECONDS)
    except BadSignature:  # includes SignatureExpired
        return None
    conv = db().scalar(
        select(Conversation).where(
            Conversation.public_id == public_id, Conversation.channel == "web"
        )
    )
    return conv


def _wire(m: Message) -> dict[str, Any]:
    # Bodies go out as plain JSON strings; the widget inserts them with textContent, never HTML.
    return {
        "id": m.id,
        "direction": m.direction,
        "sender": "officer" if m.sender == "officer" else ("you" if m.direction == "in" else "bot"),
        "body": m.body,
        "at": m.created_at.isoformat(),
    }


def _transcript(conv: Conversation, after: int) -> list[dict[str, Any]]:
    rows = (
        db()
        .scalars(
            select(Message)
            .where(
                Message.conversation_id == conv.id,
                Message.id > after,
                # blocked or failed rows never reached the widget
                Message.status.in_(("received", "delivered", "sent")),
            )
            .order_by(Message.id)
        )
        .all()
    )
    return [_wire(m) for m in rows]


@bp.after_request
def _cors(resp: Response) -> Response:
    if request.path.startswith("/chat/api/") or request.path.endswith((".js", ".css")):
        resp.headers["Access-Control-Allow-Origin"] = "*"
        resp.headers["Access-Control-Allow-Headers"] = "Content-Type, X-Chat-Key"
        resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    if request.path.startswith("/chat/api/"):
        resp.headers["Cache-Control"] = "no-store"
    return resp


def _asset(name: str, mimetype: str) -> Response:
    # Small files read whole: the one-tag embed URL is /chat/widget.js on any host page.
    resp = Response((STATIC / name).read_bytes(), mimetype=mimetype)
    resp.cache_control.public, resp.cache_control.max_age = True, 300
    return resp


@bp.get("/widget.js")
def widget_js() -> Response:
    return _asset("widget.js", "text/javascript")


@bp.get("/widget.css")
def widget_css() -> Response:
    return _asset("widget.css", "text/css")


@bp.get("/")
def page() -> Any:
    """The page a reminder's link opens: the widget, already open, tied to the link's borrower."""
    token = request.args.get("t", "")
    locale = _locale(request.args.get("lang", "en"))
    # A paid-up borrower's link opens an anonymous chat and says so (security finding 26).
    state = read_link(db(), settings(), token).state if token else "none"
    return render_template(
        "chat/page.html",
        token=token if state == "valid" else "",
        expired=state == "invalid",
        settled=state == "settled",
        locale=locale,
        html_lang=locale.replace("_", "-"),  # BCP 47: hi-Latn
        texts=dict(zip(("title", "settled", "expired", "lead"), PAGE_TEXTS[locale], strict=True)),
    )


@bp.post("/api/session")
def start() -> Any:
    data = request.get_json(silent=True) or {}
    token = data.get("link") or ""
    locale = _locale(data.get("locale"))
    if not isinstance(token, str):
        return _error("link", "must be a string")
    link = read_link(db(), settings(), token) if token else None
    # Only a link for a borrower who still owes ties the chat to them (security finding 26).
    borrower_id = link.borrower_id if link and link.state == "valid" else None
    conv = Conversation(
        channel="web",
        address=f"web:{uuid.uuid4().hex}",
        borrower_id=borrower_id,
        # The page's language, when it names one, until the visitor writes in another.
        language=language_of(data.get("locale")) if isinstance(data.get("locale"), str) else None,
    )
    db().add(conv)
    db().flush()
    audit.record(
        db(),
        "borrower",
        "chat.started",
        subject=f"conversation:{conv.id}",
        borrower_id=borrower_id,
        details={
            "via": "link" if borrower_id else "anonymous",
            "locale": locale,
            "link": link.state if link and link.state != "valid" else None,
        },
    )
    db().commit()
    return jsonify(
        key=_serializer().dumps(conv.public_id), link=link.state if link else "none"
    ), 201


@bp.get("/api/messages")
def messages() -> Any:
    conv = _conversation()
    if conv is None:
        return _error("X-Chat-Key", "unknown or altered chat key", 404)
    after = params.query_id("after")  # 64-bit, ASCII digits: else 400 (finding 20)
    return jsonify(messages=_transcript(conv, after), owner=conv.owner)


@bp.post("/api/messages")
def post_message() -> Any:
    conv = _conversation()
    if conv is None:
        return _error("X-Chat-Key", "unknown or altered chat key", 404)
    data = request.get_json(silent=True) or {}
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        return _error("text", "write a message first")
    if len(text) > MAX_TEXT:
        return _error("text", f"at most {MAX_TEXT} characters")
    # Parsed before the message is stored: a bad ``after`` answered 500 after it (finding 20).
    after = params.value_id(data.get("after"), "after")
    receive_inbound(
        db(),
        settings(),
        rasa(),
        channels(),
        channel="web",
        address=conv.address,
        body=text.strip(),
        provider_sid=None,
    )
    db().expire_all()
    return jsonify(messages=_transcript(conv, after), owner=conv.owner), 201


@bp.post("/api/identify")
def identify() -> Any:
    conv = _conversation()
    if conv is None:
        return _error("X-Chat-Key", "unknown or altered chat key", 404)
    data = request.get_json(silent=True) or {}
    number = data.get("loan_number")
    if not isinstance(number, str) or not number.strip() or len(number) > 64:
        return _error("loan_number", "enter your loan number")
    identity.identify_by_loan_number(db(), conv, number, secret=settings().secret_key)
    db().commit()
    return jsonify(ok=True)
