"""Talking to the Rasa server: the REST channel for turns, the tracker API for resume."""

from __future__ import annotations

import logging

import requests

from .settings import Settings

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not answer (down, timed out or answered with an error)."""


def strip_command_prefix(text: str) -> str:
    """Borrower text starting with '/' would be read by Rasa as an intent command: never allow it."""
    return text.lstrip().lstrip("/").lstrip() if text.lstrip().startswith("/") else text


def send_turn(
    settings: Settings, conversation_id: str, text: str, metadata: dict[str, str] | None = None
) -> list[str]:
    """Send one borrower message to the bot and return the bot's text replies in order."""
    try:
        resp = requests.post(
            f"{settings.rasa_url}/webhooks/rest/webhook",
            json={
                "sender": conversation_id,
                "message": strip_command_prefix(text),
                "metadata": metadata or {},
            },
            timeout=settings.rasa_timeout_seconds,
        )
        resp.raise_for_status()
        replies = resp.json()
    except (requests.RequestException, ValueError) as exc:
        raise RasaUnavailable(str(exc)) from exc
    return [r["text"] for r in replies if isinstance(r, dict) and r.get("text")]


def resume(settings: Settings, conversation_id: str) -> None:
    """Hand the conversation back to the bot (POST appends; PUT would replace the history).

    The handoff action itself logs ``action_listen`` after pausing (bot/actions/handoff.py), so
    the next borrower message after this resume starts a fresh turn.
    """
    try:
        resp = requests.post(
            f"{settings.rasa_url}/conversations/{conversation_id}/tracker/events",
            params={"token": settings.rasa_token},
            json={"event": "resume"},
            timeout=settings.rasa_timeout_seconds,
        )
        resp.raise_for_status()
    except requests.RequestException as exc:
        raise RasaUnavailable(str(exc)) from exc


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
