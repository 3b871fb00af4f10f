"""Email over SMTP, from ``SMTP_URL`` and ``MAIL_FROM``.

``SMTP_URL`` forms:
- ``smtps://user:pass@host:465``: implicit TLS;
- ``smtp://user:pass@host:587``: STARTTLS whenever the server offers it, and required (the send
  fails rather than sending credentials in clear) when a user is set or ``?starttls=require``;
- ``?starttls=off`` only for a local relay on 127.0.0.1 (tests, development);
- ``?cafile=/path/ca.pem`` trusts a private CA (certificates are always verified).

Every email has a plain-text and an HTML part and, when an unsubscribe URL is given, the
``List-Unsubscribe`` and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` headers (RFC 8058;
RULES.md RF-OPTOUT-NOTICE). A 5xx reply is permanent (the address is marked failed); 4xx,
timeouts and refused connections are transient.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from ..settings import Settings
from .base import ChannelError, SendResult

TIMEOUT_SECONDS = 20


class EmailChannel:
    name = "email"

    def __init__(self, settings: Settings) -> None:
        url = urlsplit(settings.smtp_url)
        if url.scheme not in ("smtp", "smtps") or not url.hostname:
            raise ValueError("SMTP_URL: expected smtp://[user:pass@]host[:port] or smtps://...")
        self.implicit_tls = url.scheme == "smtps"
        self.host = url.hostname
        self.port = url.port or (465 if self.implicit_tls else 25)
        self.user = unquote(url.username) if url.username else None
        self.password = unquote(url.password) if url.password else None
        query = parse_qs(url.query)
        # ``cafile``: trust a private CA (an internal relay); the default is the system store.
        self.cafile = (query.get("cafile") or [None])[0]
        mode = (query.get("starttls") or ["auto"])[0]
        if mode not in ("auto", "require", "off"):
            raise ValueError("SMTP_URL: starttls must be auto, require or off")
        self.starttls = "require" if (mode == "auto" and self.user) else mode
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
        return msg

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context(cafile=self.cafile)
        if self.implicit_tls:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_SECONDS, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
        smtp.ehlo()
        if self.starttls != "off" and smtp.has_extn("starttls"):
            smtp.starttls(context=context)
            smtp.ehlo()
        elif self.starttls == "require":
            smtp.quit()
            raise ChannelError(
                "SMTP server does not offer STARTTLS, which SMTP_URL requires",
                permanent=False,
                code="starttls",
            )
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
    ) -> SendResult:
        sid = "EM" + uuid.uuid4().hex
        msg = self.build(to, subject or "", body, html, unsubscribe_url, sid)
        try:
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0]
            raise ChannelError(
                f"SMTP refused the recipient ({code})", permanent=code >= 500, code=f"smtp{code}"
            ) from exc
        except smtplib.SMTPAuthenticationError as exc:
            # Our credentials, not the borrower's address: never mark the address failed.
            raise ChannelError(
                f"SMTP authentication failed ({exc.smtp_code})", permanent=False, code="smtp_auth"
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise ChannelError(
                f"SMTP error {exc.smtp_code}",
                permanent=exc.smtp_code >= 500,
                code=f"smtp{exc.smtp_code}",
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"SMTP unreachable: {type(exc).__name__}", permanent=False) from exc
        return SendResult(provider_sid=sid, status="sent")
