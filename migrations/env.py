"""Alembic environment: the URL comes from the app's settings, the schema from the models."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from outreach.db import normalise_url
from outreach.models import Base
from outreach.settings import Settings

config = context.config
url = config.attributes.get("database_url") or Settings.from_env().database_url
target_metadata = Base.metadata

# Tables a migration creates but no model maps: APScheduler reads and writes apscheduler_jobs
# through its own Table (0009 creates it), so autogenerate and `alembic check` must not offer to
# drop it.
NOT_IN_MODELS = {"apscheduler_jobs"}


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    return not (type_ == "table" and name in NOT_IN_MODELS)


def run_migrations() -> None:
    connectable = engine_from_config(
        {"sqlalchemy.url": normalise_url(url)}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_name=include_name,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    context.configure(
        url=normalise_url(url),
        target_metadata=target_metadata,
        include_name=include_name,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations()
