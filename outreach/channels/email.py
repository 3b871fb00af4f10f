"""Email over SMTP, from ``SMTP_URL`` (forms: ``outreach.smtp_url``) and ``MAIL_FROM``.

Every email has a plain-text and an HTML part and, when an unsubscribe URL is given, the
``List-Unsubscribe`` and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` headers (RFC 8058;
RULES.md RF-OPTOUT-NOTICE).

What a refusal means (security finding 5): only a 5xx with an enhanced status 5.1.x about the
recipient, answered to RCPT TO (no such mailbox, bad domain, bad syntax: RFC 3463), is the
address's fault; that error is permanent and the address is marked invalid. Every other refusal
(authentication required or failed, the sender refused, relaying denied, the content rejected, a
bare code with no enhanced status) is about our settings or the relay's policy, would refuse
every recipient alike, and must never mark borrowers' addresses: the send fails as transient
(retried with backoff), the message keeps the error, and an ERROR line without personal data
alerts the operator. 4xx, timeouts and refused connections are transient.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from outreach.channels.base import ChannelError, SendResult
from outreach.logs import redact
from outreach.settings import Settings
from outreach.smtp_url import parse_smtp_url

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 20
_ENHANCED = re.compile(r"([245])\.(\d{1,3})\.(\d{1,3})\b")
# 5.1.x is "addressing status"; 5.1.7 and 5.1.8 are about the *sender's* address (RFC 3463).
SENDER_ADDRESS_STATUSES = {"5.1.7", "5.1.8"}
AUTH_CODES = {530, 534, 535, 538}  # authentication required / too weak / failed / encryption


def refusal(stage: str, code: int, reply: bytes | str) -> ChannelError:
    """The error for the server's ``code`` answered at ``stage`` (MAIL FROM, RCPT TO, DATA, ...)."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    match = _ENHANCED.match(text.strip())
    enhanced = ".".join(match.groups()) if match else ""
    said = redact(" ".join(text.split()))[:200]  # the server may quote the recipient's address
    if (
        stage == "RCPT TO"
        and 500 <= code < 600
        and enhanced.startswith("5.1.")
        and enhanced not in SENDER_ADDRESS_STATUSES
    ):
        return ChannelError(
            f"SMTP refused the recipient ({code} {said})", permanent=True, code=f"smtp{code}"
        )
    if 400 <= code < 500:
        return ChannelError(f"SMTP deferred at {stage} ({code} {said})", permanent=False)
    kind = "auth" if code in AUTH_CODES or enhanced == "5.7.0" else None
    kind = kind or {"MAIL FROM": "sender", "RCPT TO": "relay", "DATA": "content"}.get(
        stage, "server"
    )
    log.error(
        "SMTP %s error at %s (%s %s): no email can go out until SMTP_URL / MAIL_FROM or the "
        "relay is fixed; recipients' addresses are left alone",
        kind,
        stage,
        code,
        said,
    )
    return ChannelError(
        f"SMTP {kind} error at {stage} ({code} {said}); not the recipient's address",
        permanent=False,
        code=f"smtp_{kind}",
    )


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email (a report, a letter): its name, MIME type and bytes."""

    name: str
    mime: str
    data: bytes


class EmailChannel:
    name = "email"

    def __init__(self, settings: Settings) -> None:
        target = parse_smtp_url(settings.smtp_url)
        self.implicit_tls, self.starttls = target.implicit_tls, target.starttls
        self.host, self.port = target.host, target.port
        self.user, self.password = target.user, target.password
        # ``cafile``: trust a private CA (an internal relay); the default is the system store.
        self.cafile = target.cafile
        name, addr = parseaddr(settings.mail_from)
        if "@" not in addr:
            raise ValueError(
                "MAIL_FROM: expected an address like 'Lender <reminders@lender.example>'"
            )
        self.from_name, self.from_addr = name, addr
        self.domain = addr.split("@", 1)[1]

    def build(
        self,
        to: str,
        subject: str,
        text: str,
        html: str | None,
        unsubscribe_url: str | None,
        message_id: str,
        attachments: list[Attachment] | None = None,
    ) -> EmailMessage:
        msg = EmailMessage()
        user, domain = self.from_addr.split("@", 1)
        msg["From"] = Address(self.from_name, user, domain)
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = f"<{message_id}@{self.domain}>"
        if unsubscribe_url:
            msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg.set_content(text)
        if html:
            msg.add_alternative(html, subtype="html")
        for item in attachments or ():
            maintype, subtype = item.mime.split("/", 1)
            msg.add_attachment(item.data, maintype=maintype, subtype=subtype, filename=item.name)
        return msg

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context(cafile=self.cafile)
        if self.implicit_tls:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_SECONDS, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
        smtp.ehlo()
        if not self.starttls:  # ?starttls=off: a relay on this machine only (outreach.smtp_url)
            return smtp
        if not smtp.has_extn("starttls"):
            # Never fall back to clear text: a missing offer is what a downgrade attack looks like.
            smtp.quit()
            log.error(
                "SMTP server %s:%s does not offer STARTTLS; no email sent", self.host, self.port
            )
            raise ChannelError(
                "SMTP server does not offer STARTTLS, which SMTP_URL requires",
                permanent=False,
                code="starttls",
            )
        smtp.starttls(context=context)
        smtp.ehlo()
        return smtp

    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        content_sid: str | None = None,
        content_variables: dict[str, str] | None = None,
        subject: str | None = None,
        html: str | None = None,
        unsubscribe_url: str | None = None,
        attachments: list[Attachment] | None = None,
    ) -> SendResult:
        """``attachments``: (file name, MIME type, bytes) each, after the text and HTML parts."""
        sid = "EM" + uuid.uuid4().hex
        msg = self.build(to, subject or "", body, html, unsubscribe_url, sid, attachments)
        try:
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise refusal("RCPT TO", code, reply) from exc
        except smtplib.SMTPSenderRefused as exc:
            raise refusal("MAIL FROM", exc.smtp_code, exc.smtp_error) from exc
        except smtplib.SMTPDataError as exc:
            raise refusal("DATA", exc.smtp_code, exc.smtp_error) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise refusal("AUTH", exc.smtp_code, exc.smtp_error) from exc
        except smtplib.SMTPResponseException as exc:
            raise refusal("the session", exc.smtp_code, exc.smtp_error) from exc
        except smtplib.SMTPNotSupportedError as exc:  # a user in SMTP_URL, no AUTH offered
            log.error("SMTP server %s:%s offers no AUTH; no email sent", self.host, self.port)
            raise ChannelError(
                "SMTP server does not offer AUTH", permanent=False, code="smtp_auth"
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"SMTP unreachable: {type(exc).__name__}", permanent=False) from exc
        return SendResult(provider_sid=sid, status="sent")
