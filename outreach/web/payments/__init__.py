"""Payments on the web: provider callbacks (``callbacks``), the card page that opens a fresh
Stripe Checkout session (``card``), the demo sandbox payment page (``sandbox``), and what the
two pages share (``pages``)."""
