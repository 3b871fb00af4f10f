"""Security headers on every response (security finding 24: no CSP, no framing protection, no
HSTS, no Referrer-Policy; the console and admin forms could be framed and clicked through).

* ``Content-Security-Policy``: scripts, styles and connections from this origin only, and no
  inline script or style at all (templates carry none; Chart.js is vendored under
  ``static/vendor/``). ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY`` (for older
  browsers) keep every page out of other sites' frames.
* ``Strict-Transport-Security`` when the app is served over HTTPS (``PUBLIC_BASE_URL``).
* ``Referrer-Policy: same-origin``: our URLs never leave in a Referer to another site; pages
  whose URL carries a token (``/chat/?t=``, ``/unsubscribe/<token>``) send no Referer at all.

The chat widget (``/chat/widget.js``, ``widget.css``) and ``/chat/api/*`` are loaded by lenders'
pages on other origins: a CSP on them governs nothing there, and they say
``Cross-Origin-Resource-Policy: cross-origin`` so a lender's page with COEP may still load them
(CORS for the API is chat.py's).
"""

from __future__ import annotations

from flask import Flask, Response, request

from outreach.settings import Settings

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"
EMBEDDED = ("/chat/widget.js", "/chat/widget.css", "/chat/api/")
TOKEN_PAGES = ("/chat/", "/unsubscribe/", "/sandbox/pay/", "/pay/")


def install(app: Flask, settings: Settings) -> None:
    """Add the headers to every response ``app`` sends."""
    https = settings.public_base_url.startswith("https://")

    @app.after_request
    def _headers(resp: Response) -> Response:
        headers = resp.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        path = request.path
        embedded = path.startswith(EMBEDDED)
        token_page = path.startswith(TOKEN_PAGES) and not embedded
        headers.setdefault("Referrer-Policy", "no-referrer" if token_page else "same-origin")
        if embedded:
            headers.setdefault("Cross-Origin-Resource-Policy", "cross-origin")
        if https:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return resp
