"""STOP / START / HELP on a phone number: carrier keywords that take effect before anything else.

They apply to the number on SMS and WhatsApp alike, and are answered with one confirmation
(``replies.send_keyword_confirmation``). In the web chat the same words go to the bot, whose
opt_out intent opts out the borrower's phone when that is what they ask.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from outreach import clock, events
from outreach.audit import log as audit
from outreach.channels import Channels
from outreach.conversations.replies import send_keyword_confirmation
from outreach.models import ContactPoint, Conversation, Message
from outreach.policy import classify_keyword
from outreach.settings import Settings

# In the borrower's language (the conversation's, followed per message: language.py). STOP and
# START stay the keywords in every language: they are the carriers' (TW-OPTOUT).
OPT_OUT_CONFIRMATION = {
    "en": "{lender}: you will no longer receive messages on this number. "
    "Reply START to resubscribe.",
    "es": "{lender}: ya no le enviaremos mensajes a este número. "
    "Responda START para volver a recibirlos.",
    "sw": "{lender}: hutapokea tena ujumbe kwenye namba hii. Jibu START kuanza kupokea tena.",
    "fil": "{lender}: hindi ka na makakatanggap ng mensahe sa numerong ito. "
    "Mag-reply ng START para makatanggap ulit.",
    "hi": "{lender}: अब इस नंबर पर आपको संदेश नहीं मिलेंगे। फिर से पाने के लिए START लिखें।",
    "hi_Latn": "{lender}: ab is number par aapko message nahi milenge. "
    "Phir se paane ke liye START likhein.",
}
OPT_IN_CONFIRMATION = {
    "en": "{lender}: you are subscribed again. Reply STOP to stop.",
    "es": "{lender}: volverá a recibir nuestros mensajes. Responda STOP para dejar de recibirlos.",
    "sw": "{lender}: utapokea ujumbe wetu tena. Jibu STOP kusimamisha.",
    "fil": "{lender}: makakatanggap ka ulit ng aming mga mensahe. Mag-reply ng STOP para itigil.",
    "hi": "{lender}: आपको फिर से हमारे संदेश मिलेंगे। बंद करने के लिए STOP लिखें।",
    "hi_Latn": "{lender}: aapko phir se hamare message milenge. Band karne ke liye STOP likhein.",
}
HELP_TEXT = {
    "en": "{lender}: reply BALANCE for your balance, AGENT for a person, STOP to stop.",
    "es": "{lender}: responda SALDO para ver su saldo, AGENTE para hablar con una persona, "
    "STOP para no recibir más mensajes.",
    "sw": "{lender}: jibu SALIO kupata salio lako, AGENT kuongea na mtu, STOP kusimamisha ujumbe.",
    "fil": "{lender}: mag-reply ng BALANCE para sa balance mo, AGENT para sa isang tao, "
    "STOP para itigil.",
    "hi": "{lender}: बैलेंस के लिए BALANCE, किसी व्यक्ति के लिए AGENT, बंद करने के लिए STOP लिखें।",
    "hi_Latn": "{lender}: balance ke liye BALANCE, kisi vyakti ke liye AGENT, "
    "band karne ke liye STOP likhein.",
}


def _text(texts: dict[str, str], language: str | None, lender: str) -> str:
    return texts.get(language or "en", texts["en"]).format(lender=lender)


PHONE_CHANNELS = ("sms", "whatsapp")


def _opted_out(session: Session, address: str) -> bool:
    return (
        session.scalar(
            select(ContactPoint.id)
            .where(
                ContactPoint.address == address,
                ContactPoint.channel.in_(PHONE_CHANNELS),
                ContactPoint.opted_out_at.is_not(None),
            )
            .limit(1)
        )
        is not None
    )


def keyword_of(session: Session, msg: Message) -> str:
    """``opt_out``, ``opt_in``, ``help`` or ``none`` for an inbound message."""
    # STOP/START/HELP are carrier conventions for a phone number: not keywords in the web chat.
    if msg.channel not in PHONE_CHANNELS:
        return "none"
    keyword = classify_keyword(msg.body)
    if keyword == "opt_in" and not _opted_out(session, msg.address):
        return "none"  # "YES"/"START" from a subscribed number is an answer for the bot
    return keyword


def apply_keyword(
    session: Session,
    settings: Settings,
    channels: Channels,
    conv: Conversation,
    kind: str,
    raw_text: str,
    language: str | None = None,
) -> list[Message]:
    """STOP / START / HELP take effect at once, on SMS and WhatsApp for the same number; the
    confirmation sent through ``channels`` in ``language`` (none for a repeated STOP or a START
    a flag outranks). Not committed."""
    lender = settings.lender_name
    points = session.scalars(
        select(ContactPoint).where(
            ContactPoint.address == conv.address, ContactPoint.channel.in_(PHONE_CHANNELS)
        )
    ).all()
    now = clock.now()
    if kind == "opt_out":
        already = bool(points) and all(p.opted_out_at is not None for p in points)
        newly = [p for p in points if p.opted_out_at is None]
        session.execute(
            update(ContactPoint)
            .where(
                ContactPoint.address == conv.address,
                ContactPoint.channel.in_(PHONE_CHANNELS),
                ContactPoint.opted_out_at.is_(None),
            )
            .values(opted_out_at=now)
        )
        audit.record(
            session,
            "borrower",
            "consent.opt_out",
            borrower_id=conv.borrower_id,
            details={"channel": conv.channel, "text": raw_text},
        )
        events.emit_opted_out(session, newly, "keyword", now)
        if already:
            return []  # one confirmation at most
        body = _text(OPT_OUT_CONFIRMATION, language, lender)
        return [send_keyword_confirmation(session, settings, channels, conv, body)]
    if kind == "opt_in":
        flags = conv.borrower.active_flags() if conv.borrower else []
        if flags:
            # A cease-and-desist, attorney, bankruptcy or deceased flag outranks a START: consent
            # is not restored and nothing is sent (Reg F 1006.6(c); 1006.6(b)(2)).
            audit.record(
                session,
                "borrower",
                "consent.opt_in_refused",
                borrower_id=conv.borrower_id,
                details={"channel": conv.channel, "text": raw_text, "flags": flags},
            )
            return []
        session.execute(
            update(ContactPoint)
            .where(ContactPoint.address == conv.address, ContactPoint.channel.in_(PHONE_CHANNELS))
            .values(opted_out_at=None, consent_at=now, consent_source="keyword:START")
        )
        audit.record(
            session,
            "borrower",
            "consent.opt_in",
            borrower_id=conv.borrower_id,
            details={"channel": conv.channel, "text": raw_text},
        )
        body = _text(OPT_IN_CONFIRMATION, language, lender)
        return [send_keyword_confirmation(session, settings, channels, conv, body)]
    body = _text(HELP_TEXT, language, lender)
    return [send_keyword_confirmation(session, settings, channels, conv, body)]
