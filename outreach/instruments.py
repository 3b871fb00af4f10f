"""Latency instruments measured inside processes, for ``/metrics`` (issue 19: operations).

What can be counted from the database (queue depth, sends, blocks, bot-turn latency, pending
events) is computed at scrape time instead (``outreach.audit.operations``): exact across any
number of processes. What only a process sees, the time a provider call or a webhook took, is a
prometheus-client histogram here. With ``PROMETHEUS_MULTIPROC_DIR`` set (the Procfiles set it)
every process on the machine writes its samples to files there and any web worker's ``/metrics``
adds them all up (prometheus-client's multiprocess mode); unset, each process counts its own.
"""

from __future__ import annotations

from prometheus_client import Histogram

# Seconds; Twilio gives up on a webhook after 15 s, so the buckets reach past that.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0)

PROVIDER_SECONDS = Histogram(
    "outreach_provider_call_seconds",
    "Time one provider call took (Twilio, SMTP, ...), by channel and outcome.",
    ["channel", "outcome"],
    buckets=LATENCY_BUCKETS,
)
WEBHOOK_SECONDS = Histogram(
    "outreach_webhook_seconds",
    "Time the app took to answer an inbound webhook (Twilio, payment providers), by endpoint.",
    ["endpoint", "status"],
    buckets=LATENCY_BUCKETS,
)
