"""Where Rasa keeps conversations and locks: the settings `scripts/rasa-server` hands to Rasa.

Rasa's tracker store is in memory by default, so a restart forgot every conversation (a borrower
in the middle of verification started over: issue 19). ``bot/endpoints.yml`` now names Rasa's SQL
tracker store, whose URL comes from ``RASA_TRACKER_URL``, derived here from the app's
``DATABASE_URL``:

* PostgreSQL: the app's own database, in the schema ``rasa`` (migration 0027 creates it), because
  Rasa's table is called ``events`` like the app's outbound-events table. Rasa's venv speaks
  psycopg2 (SQLAlchemy 1.4), so the driver in the URL is rewritten.
* SQLite: a sibling file ``<name>-rasa-tracker.sqlite`` next to the app's database, for the same
  table-name reason and so Rasa's writes never hold the app's SQLite write lock.

With ``REDIS_URL`` set, Rasa also gets a Redis lock store (``bot/endpoints-redis.yml``), so the
replicas agree on one lock per conversation; the app still sends each conversation to one server
(``rasa_client``: Rasa Open Source's Redis lock has a known race between replicas).

``python -m outreach.conversations.rasa_stores`` prints the ``export`` lines the script evals.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from outreach.settings import Settings

TRACKER_SCHEMA = "rasa"


def tracker_store_url(database_url: str) -> str:
    """The SQLAlchemy 1.4 / psycopg2 URL of Rasa's tracker store for the app's database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if not database or database == ":memory:":
            raise ValueError(
                "DATABASE_URL: an in-memory SQLite database cannot be shared with Rasa"
            )
        path = Path(database)
        tracker = path.with_name(f"{path.stem}-rasa-tracker.sqlite")
        return f"sqlite:///{tracker}"
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg2")
        query = {k: v for k, v in url.query.items() if k != "options"}
        # Rasa's tables live in their own schema: search_path, set per connection by libpq.
        query["options"] = f"-csearch_path={TRACKER_SCHEMA}"
        return url.set(query=query).render_as_string(hide_password=False)
    raise ValueError(f"DATABASE_URL: Rasa's tracker store needs SQLite or PostgreSQL, got {url}")


def redis_lock_env(redis_url: str) -> dict[str, str]:
    """``RASA_REDIS_*`` for ``bot/endpoints-redis.yml`` from ``REDIS_URL`` (redis://[:pw@]host[:port][/db])."""
    parts = urlsplit(redis_url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError(
            f"REDIS_URL: expected redis://host[:port][/db], got scheme {parts.scheme!r}"
        )
    db = parts.path.lstrip("/") or "0"
    if not db.isdigit():
        raise ValueError("REDIS_URL: the database after the host must be a number")
    return {
        "RASA_REDIS_HOST": parts.hostname,
        "RASA_REDIS_PORT": str(parts.port or 6379),
        "RASA_REDIS_DB": db,
        "RASA_REDIS_PASSWORD": parts.password or "",
    }


def rasa_env(settings: Settings, environ: dict[str, str]) -> dict[str, str]:
    """Everything Rasa's endpoints file reads, and which file to use."""
    env = {
        "RASA_TRACKER_URL": environ.get("RASA_TRACKER_URL")
        or tracker_store_url(settings.database_url),
        "RASA_ENDPOINTS": "endpoints.yml",
    }
    if environ.get("REDIS_URL"):
        env.update(redis_lock_env(environ["REDIS_URL"]))
        env["RASA_ENDPOINTS"] = "endpoints-redis.yml"
    return env


def ensure_sqlite_dir(tracker_url: str) -> None:
    """Rasa creates its SQLite file but not the folder it goes in."""
    if tracker_url.startswith("sqlite:///"):
        Path(tracker_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def main() -> None:
    """Print ``export NAME=value`` lines (shell-quoted) for scripts/rasa-server to eval."""
    try:
        env = rasa_env(Settings.from_env(), dict(os.environ))
    except ValueError as exc:
        sys.exit(str(exc))
    ensure_sqlite_dir(env["RASA_TRACKER_URL"])
    for name, value in env.items():
        print(f"export {name}={shlex.quote(value)}")


if __name__ == "__main__":
    main()
