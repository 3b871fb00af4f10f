"""Declarative base and column types shared by every model.

Times are stored as UTC and always come back timezone-aware (SQLite keeps no zone, so the
type normalises on the way in and out). Money is ``Numeric`` and comes back as ``Decimal``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, MetaData, Numeric, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

from outreach import clock


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that refuses naive datetimes and always returns aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; times must be timezone-aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Money = Numeric(14, 2, asdecimal=True)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        Decimal: Money,
        dict[str, Any]: JSON,
    }


# The largest id an INTEGER primary key holds (SQLite's 64-bit INTEGER; PostgreSQL BIGINT): a
# larger number names no row, and binding one overflows SQLite (security review finding 20).
MAX_ID = 2**63 - 1

# Column defaults read the one clock (outreach.clock); services pass explicit times where the
# instant matters to a decision.
utcnow = clock.now
