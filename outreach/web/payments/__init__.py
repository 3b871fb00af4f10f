"""Payments on the web: provider callbacks (``callbacks``); the borrower's one payment link
``/pay/<token>`` (``link``: which page this borrower pays on), its card page opening a fresh
Stripe Checkout Session (``card``) and its UPI page opening a fresh Razorpay Payment Link
(``upi``), what those share (``pay_page``); the M-Pesa page that sends the STK prompt
(``mpesa_page``); the demo sandbox payment page (``sandbox``); and what all the pages share
(``pages``)."""
