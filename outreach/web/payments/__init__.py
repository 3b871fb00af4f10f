"""Payments on the web: provider callbacks (``callbacks``), the card page that opens a fresh
Stripe Checkout session (``card``), the M-Pesa page that sends the STK prompt (``mpesa_page``),
the demo sandbox payment page (``sandbox``), and what the pages share (``pages``)."""
