"""``GET /metrics``: Prometheus text format, for an admin or a monitor with ``HEALTH_TOKEN``.

Two sources (issue 19: operations):

* the database, read at scrape time (``outreach.audit.operations``): outbox depth by status,
  outbound messages by channel and status, blocked messages by policy reason, inbound messages,
  bot-turn latency (each turn's ``latency_ms``), event deliveries and callbacks pending, open
  hand-offs, the scheduler leader. Exact whichever worker answers and however many run;
* process histograms (``outreach.instruments``): provider-call and webhook latency, summed over
  every process on the machine when ``PROMETHEUS_MULTIPROC_DIR`` is set.

Gated like ``/healthz/ready`` (``health.monitor_denied``): queue sizes are not for the public.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.multiprocess import MultiProcessCollector

from outreach import instruments
from outreach.audit.operations import Operations, collect
from outreach.web import db, request_now
from outreach.web.health import monitor_denied

bp = Blueprint("metrics", __name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Endpoints whose latency is the webhook latency: Twilio's and the payment providers' callbacks.
WEBHOOK_BLUEPRINTS = ("webhooks", "payment_webhooks", "fineract_hooks")


class DatabaseFigures:
    """A one-scrape collector over ``Operations``."""

    def __init__(self, ops: Operations) -> None:
        self.ops = ops

    def collect(self) -> Iterator[Metric]:
        ops = self.ops
        outbox = GaugeMetricFamily(
            "outreach_outbox_items", "Outbox rows by status (the send queue).", labels=["status"]
        )
        for status, n in sorted(ops.outbox_by_status.items()):
            outbox.add_metric([status], n)
        yield outbox
        out = CounterMetricFamily(
            "outreach_messages_out",
            "Outbound messages logged, by channel and status (sent, delivered, blocked ...).",
            labels=["channel", "status"],
        )
        for (channel, status), n in sorted(ops.messages_out.items()):
            out.add_metric([channel, status], n)
        yield out
        blocked = CounterMetricFamily(
            "outreach_messages_blocked",
            "Outbound messages the contact policy blocked, by reason.",
            labels=["reason"],
        )
        for reason, n in sorted(ops.blocked_by_reason.items()):
            blocked.add_metric([reason], n)
        yield blocked
        inbound = CounterMetricFamily(
            "outreach_messages_in", "Inbound messages logged, by channel.", labels=["channel"]
        )
        for channel, n in sorted(ops.inbound_by_channel.items()):
            inbound.add_metric([channel], n)
        yield inbound
        turns = HistogramMetricFamily(
            "outreach_bot_turn_seconds", "Time a bot turn took (Rasa and the action server)."
        )
        buckets = [(str(le), n) for le, n in ops.bot_turn_buckets]
        turns.add_metric([], [*buckets, ("+Inf", ops.bot_turn_count)], ops.bot_turn_sum_seconds)
        yield turns
        yield CounterMetricFamily(
            "outreach_bot_turn_errors", "Bot turns that failed.", value=ops.bot_turn_errors
        )
        yield GaugeMetricFamily(
            "outreach_event_deliveries_pending",
            "Lender webhook deliveries not yet delivered.",
            value=ops.events_pending,
        )
        callbacks = GaugeMetricFamily(
            "outreach_callbacks_pending",
            "Provider callbacks awaited or stored but not acted on.",
            labels=["kind"],
        )
        for kind, n in sorted(ops.callbacks_pending.items()):
            callbacks.add_metric([kind], n)
        yield callbacks
        yield GaugeMetricFamily(
            "outreach_handoffs_open",
            "Conversations queued for an officer.",
            value=ops.handoffs_open,
        )
        leader = GaugeMetricFamily(
            "outreach_scheduler_leader",
            "1 for the scheduler process that leads (host, pid); no sample when none leads.",
            labels=["host", "pid"],
        )
        if ops.leader is not None:
            leader.add_metric([ops.leader[0], str(ops.leader[1])], 1)
        yield leader


def _inbound_queue(session: Any) -> Iterator[Metric]:
    """The inbound queue's depth by status, where the code has the queue (issue 19's inbound
    worker, ``outreach.conversations.inbound_queue.depth_by_status``)."""
    if importlib.util.find_spec("outreach.conversations.inbound_queue") is None:
        return
    module = importlib.import_module("outreach.conversations.inbound_queue")
    depth = getattr(module, "depth_by_status", None)
    if depth is None:
        return
    family = GaugeMetricFamily(
        "outreach_inbound_jobs",
        "Inbound bot turns queued for the workers, by status.",
        labels=["status"],
    )
    for status, n in sorted(depth(session).items()):
        family.add_metric([str(status)], n)
    yield family


class _Generated:
    """A collector over metrics already made."""

    def __init__(self, metrics: list[Metric]) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        return iter(self.metrics)


def _process_figures() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


@bp.get("/metrics")
def metrics() -> Any:
    if (denied := monitor_denied()) is not None:
        return denied
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseFigures(collect(db(), request_now())))
    registry.register(_Generated(list(_inbound_queue(db()))))
    return Response(generate_latest(registry) + _process_figures(), content_type=CONTENT_TYPE)


def install(app: Flask) -> None:
    """Time every webhook request (``outreach_webhook_seconds``)."""

    @app.before_request
    def _start_timer() -> None:
        if request.blueprint in WEBHOOK_BLUEPRINTS:
            g.webhook_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.pop("webhook_started", None)
        if started is not None:
            instruments.WEBHOOK_SECONDS.labels(
                request.endpoint or "unknown", str(response.status_code)
            ).observe(time.perf_counter() - started)
        return response
