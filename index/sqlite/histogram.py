"""Trends on the SQLite index: listings per calendar bucket of a date column."""

from __future__ import annotations

import sqlite3
from datetime import date

from index.histogram import Bucket, histogram_field, merge_days
from index.sqlite.columns import field_column
from index.sqlite.where import CompiledQuery


def listing_histogram(
    connection: sqlite3.Connection, query: CompiledQuery, field: str, interval: str
) -> list[Bucket]:
    """Counts per day (dates are stored as UTC ISO text) summed into `interval` buckets."""
    table = query.tables.rows
    column = f"{table}.{field_column(histogram_field(field, interval).name)}"
    sql = (
        f"SELECT substr({column}, 1, 10) AS day, count(*) FROM {table} "
        f"WHERE ({query.where.sql}) AND {column} IS NOT NULL GROUP BY day"
    )
    rows = connection.execute(sql, query.where.params).fetchall()
    return merge_days(((date.fromisoformat(day), int(n)) for day, n in rows), interval)
