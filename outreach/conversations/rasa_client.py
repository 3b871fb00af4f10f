"""Talking to the Rasa server: the REST channel for turns, the tracker API for resume.

Every call is bounded twice (security finding 15: a hung Rasa filled every web thread and the
console stopped answering): each HTTP call times out after ``RASA_TIMEOUT_SECONDS``, and at most
``RASA_MAX_CONCURRENT`` calls run at once in a process. A call that cannot get a slot almost at
once raises ``RasaBusy`` instead of queueing behind a hung server, so the borrower gets an
immediate "busy" answer and the thread is free for the next request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from outreach.settings import Settings

log = logging.getLogger(__name__)

# How long a call waits for a free slot: long enough to ride out a burst, short enough that a
# web thread is never parked behind a hung Rasa.
SLOT_WAIT_SECONDS = 0.25

_pools: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_pools_lock = threading.Lock()


class RasaUnavailable(Exception):
    """Rasa did not answer (down, timed out or answered with an error)."""


class RasaBusy(RasaUnavailable):
    """Every slot for Rasa calls in this process is taken: the call was not made."""


def strip_command_prefix(text: str) -> str:
    """Borrower text starting with '/' would be read by Rasa as an intent command: never allow it."""
    return text.lstrip().lstrip("/").lstrip() if text.lstrip().startswith("/") else text


def _slots(settings: Settings) -> threading.BoundedSemaphore:
    """The process-wide limit for one Rasa server (one per URL and size; normally just one)."""
    key = (settings.rasa_url, settings.rasa_max_concurrent)
    with _pools_lock:
        if key not in _pools:
            _pools[key] = threading.BoundedSemaphore(settings.rasa_max_concurrent)
        return _pools[key]


@contextmanager
def _slot(settings: Settings, what: str) -> Iterator[None]:
    slots = _slots(settings)
    if not slots.acquire(timeout=SLOT_WAIT_SECONDS):
        log.warning(
            "Rasa busy: %s not sent, all %d call slots in use",
            what,
            settings.rasa_max_concurrent,
        )
        raise RasaBusy(f"{settings.rasa_max_concurrent} Rasa calls already in flight")
    try:
        yield
    finally:
        slots.release()


def _reason(exc: Exception) -> str:
    """What went wrong, for logs: never requests' own message, which quotes the URL and with it
    the API token of a tracker call."""
    response = getattr(exc, "response", None)
    if response is not None:
        return f"HTTP {response.status_code}"
    return type(exc).__name__


def post_turn(
    settings: Settings,
    conversation_id: str,
    text: str,
    metadata: dict[str, Any] | None = None,
    *,
    placeholder: str | None = None,
) -> list[dict[str, Any]]:
    """One borrower message through Rasa's REST channel; the raw reply list (texts, custom
    payloads, the turn summary bot/turn_channel.py appends). Raises ``RasaUnavailable``.

    ``placeholder`` is Flask's own intent command standing in for an identity answer
    (``identity_turns``): sent instead of the text, which Rasa then never sees."""
    with _slot(settings, "turn"):
        try:
            resp = requests.post(
                f"{settings.rasa_url}/webhooks/rest/webhook",
                json={
                    "sender": conversation_id,
                    "message": placeholder or strip_command_prefix(text),
                    "metadata": metadata or {},
                },
                timeout=settings.rasa_timeout_seconds,
            )
            resp.raise_for_status()
            replies = resp.json()
        except (requests.RequestException, ValueError) as exc:
            raise RasaUnavailable(_reason(exc)) from exc
    return [r for r in replies if isinstance(r, dict)] if isinstance(replies, list) else []


def resume(settings: Settings, conversation_id: str) -> None:
    """Hand the conversation back to the bot (POST appends; PUT would replace the history).

    The handoff action itself logs ``action_listen`` after pausing (bot/actions/handoff.py), so
    the next borrower message after this resume starts a fresh turn. Resuming a conversation that
    is not paused changes nothing, so a retry is always safe.
    """
    with _slot(settings, "resume"):
        try:
            resp = requests.post(
                f"{settings.rasa_url}/conversations/{conversation_id}/tracker/events",
                params={"token": settings.rasa_token},
                json={"event": "resume"},
                timeout=settings.rasa_timeout_seconds,
            )
            resp.raise_for_status()
        except requests.RequestException as exc:
            raise RasaUnavailable(_reason(exc)) from exc


def set_slots(settings: Settings, conversation_id: str, slots: dict[str, object]) -> None:
    """Set slots in a conversation's tracker (appended events, like ``resume``)."""
    try:
        resp = requests.post(
            f"{settings.rasa_url}/conversations/{conversation_id}/tracker/events",
            params={"token": settings.rasa_token},
            json=[{"event": "slot", "name": name, "value": value} for name, value in slots.items()],
            timeout=settings.rasa_timeout_seconds,
        )
        resp.raise_for_status()
    except requests.RequestException as exc:
        raise RasaUnavailable(str(exc)) from exc


def is_up(base_url: str, path: str = "/") -> bool:
    try:
        return requests.get(base_url + path, timeout=2).ok
    except requests.RequestException:
        return False
