"""Talking to the Rasa server: the REST channel for turns, the tracker API for slots and resume.

Every call is bounded twice (security finding 15: a hung Rasa filled every web thread and the
console stopped answering): each HTTP call times out after ``RASA_TIMEOUT_SECONDS``, and at most
``RASA_MAX_CONCURRENT`` turns and resumes run at once through one ``RasaClient``. A call that
cannot get a slot almost at once raises ``RasaBusy`` instead of queueing behind a hung server, so
the borrower gets an immediate "busy" answer and the thread is free for the next request.

Several Rasa servers (``RASA_URLS``, comma-separated; ``RASA_URL`` alone still works): a stable
hash of the conversation id picks the server, so every turn, resume and slot call of one
conversation goes to the same one (issue 19: Rasa Open Source's Redis lock store has a known race
between replicas; one server per conversation never needs it). The hash is SHA-256, not Python's
``hash()``, which differs between processes. Adding or removing a server moves some conversations
to another server; their state is in the shared SQL tracker store, so they carry on there. Each
server has its own ``RASA_MAX_CONCURRENT`` slots.

The limit belongs to the client, so a process shares one: ``create_app`` builds the web
process's (``app.extensions["rasa"]``) and hands it to the services it calls; a scheduler job
builds its own for its run (its calls to Rasa are one at a time anyway).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from outreach.conversations.plain_words import plain_words
from outreach.settings import Settings

log = logging.getLogger(__name__)

# How long a call waits for a free slot: long enough to ride out a burst, short enough that a
# web thread is never parked behind a hung Rasa.
SLOT_WAIT_SECONDS = 0.25


class RasaUnavailable(Exception):
    """Rasa did not answer (down, timed out or answered with an error)."""


class RasaBusy(RasaUnavailable):
    """Every slot for Rasa calls on this client is taken: the call was not made."""


def _reason(exc: Exception) -> str:
    """What went wrong, for logs: never requests' own message, which quotes the URL and with it
    the API token of a tracker call."""
    response = getattr(exc, "response", None)
    if response is not None:
        return f"HTTP {response.status_code}"
    return type(exc).__name__


def server_index(conversation_id: str, servers: int) -> int:
    """Which of ``servers`` Rasa servers answers this conversation: the same one in every
    process, on every machine, after every restart."""
    digest = hashlib.sha256(conversation_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") % servers


def rasa_urls(settings: Settings) -> list[str]:
    """``RASA_URLS`` (comma-separated), else ``RASA_URL``; trailing slashes dropped."""
    listed = [u.strip().rstrip("/") for u in settings.rasa_urls.split(",") if u.strip()]
    return listed or [settings.rasa_url.rstrip("/")]


class RasaClient:
    """One or more Rasa servers: their URLs, the API token, per-call timeout and concurrency
    limit (per server)."""

    def __init__(
        self,
        url: str | list[str],
        token: str,
        *,
        timeout_seconds: float,
        max_concurrent: int,
    ) -> None:
        self.urls = [url] if isinstance(url, str) else list(url)
        if not self.urls:
            raise ValueError("RASA_URLS: at least one Rasa server")
        self.url = self.urls[0]
        self.token = token
        self.timeout_seconds = timeout_seconds
        self.max_concurrent = max_concurrent
        self._slots = [threading.BoundedSemaphore(max_concurrent) for _ in self.urls]

    @classmethod
    def from_settings(cls, settings: Settings) -> RasaClient:
        """``RASA_URLS`` or ``RASA_URL``, ``RASA_TOKEN``, ``RASA_TIMEOUT_SECONDS`` and
        ``RASA_MAX_CONCURRENT``."""
        return cls(
            rasa_urls(settings),
            settings.rasa_token,
            timeout_seconds=settings.rasa_timeout_seconds,
            max_concurrent=settings.rasa_max_concurrent,
        )

    def url_for(self, conversation_id: str) -> str:
        """The Rasa server that owns this conversation."""
        return self.urls[server_index(conversation_id, len(self.urls))]

    @contextmanager
    def _slot(self, what: str, conversation_id: str) -> Iterator[str]:
        """A call slot on the conversation's server; yields that server's URL."""
        index = server_index(conversation_id, len(self.urls))
        slots = self._slots[index]
        if not slots.acquire(timeout=SLOT_WAIT_SECONDS):
            log.warning(
                "Rasa busy: %s not sent, all %d call slots of server %d in use",
                what,
                self.max_concurrent,
                index,
            )
            raise RasaBusy(f"{self.max_concurrent} Rasa calls already in flight")
        try:
            yield self.urls[index]
        finally:
            slots.release()

    def _tracker_events(self, base: str, conversation_id: str, events: object) -> None:
        """Append events to a conversation's tracker (POST appends; PUT would replace it)."""
        resp = requests.post(
            f"{base}/conversations/{conversation_id}/tracker/events",
            params={"token": self.token},
            json=events,
            timeout=self.timeout_seconds,
        )
        resp.raise_for_status()

    def post_turn(
        self,
        conversation_id: str,
        text: str,
        metadata: dict[str, Any] | None = None,
        *,
        placeholder: str | None = None,
    ) -> list[dict[str, Any]]:
        """One borrower message through Rasa's REST channel; the raw reply list (texts, custom
        payloads, the turn summary bot/turn_channel.py appends). Raises ``RasaUnavailable``.

        ``placeholder`` is Flask's own intent command standing in for an identity answer
        (``identity_turns``): sent instead of the text, which Rasa then never sees. It is the
        only intent command Rasa ever gets: the borrower's text goes through ``plain_words``."""
        with self._slot("turn", conversation_id) as base:
            try:
                resp = requests.post(
                    f"{base}/webhooks/rest/webhook",
                    json={
                        "sender": conversation_id,
                        # Borrower text as plain words: no intent command, entity or
                        # slot syntax (issue 16); the message log keeps the original.
                        "message": placeholder or plain_words(text),
                        "metadata": metadata or {},
                    },
                    timeout=self.timeout_seconds,
                )
                resp.raise_for_status()
                replies = resp.json()
            except (requests.RequestException, ValueError) as exc:
                raise RasaUnavailable(_reason(exc)) from exc
        return [r for r in replies if isinstance(r, dict)] if isinstance(replies, list) else []

    def parse(self, text: str, conversation_id: str) -> dict[str, Any]:
        """What the NLU reads in ``text`` (``POST /model/parse``: no tracker is touched), with
        intent syntax removed like a turn's, on the conversation's own server (its slots).
        Raises ``RasaUnavailable`` (``RasaBusy``)."""
        with self._slot("parse", conversation_id) as base:
            try:
                resp = requests.post(
                    f"{base}/model/parse",
                    params={"token": self.token},
                    json={"text": plain_words(text)},
                    timeout=self.timeout_seconds,
                )
                resp.raise_for_status()
                parsed = resp.json()
            except (requests.RequestException, ValueError) as exc:
                raise RasaUnavailable(_reason(exc)) from exc
        return parsed if isinstance(parsed, dict) else {}

    def resume(self, conversation_id: str) -> None:
        """Hand the conversation back to the bot.

        The handoff action itself logs ``action_listen`` after pausing (bot/actions/handoff.py),
        so the next borrower message after this resume starts a fresh turn. Resuming a
        conversation that is not paused changes nothing, so a retry is always safe.
        """
        with self._slot("resume", conversation_id) as base:
            try:
                self._tracker_events(base, conversation_id, {"event": "resume"})
            except requests.RequestException as exc:
                raise RasaUnavailable(_reason(exc)) from exc

    def set_slots(self, conversation_id: str, slots: dict[str, object]) -> None:
        """Set slots in a conversation's tracker (appended events, like ``resume``)."""
        events = [{"event": "slot", "name": name, "value": value} for name, value in slots.items()]
        # A call slot like every other call, and the redacted reason: requests' own error text
        # carries the tracker URL, whose query holds RASA_TOKEN (kept out of logs, finding 14).
        with self._slot("slots", conversation_id) as base:
            try:
                self._tracker_events(base, conversation_id, events)
            except requests.RequestException as exc:
                raise RasaUnavailable(_reason(exc)) from exc


def is_up(base_url: str, path: str = "/") -> bool:
    """Whether an HTTP dependency (Rasa, the action server) answers at all: the health check."""
    try:
        return requests.get(base_url + path, timeout=2).ok
    except requests.RequestException:
        return False
