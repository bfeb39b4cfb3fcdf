"""Trends on Elasticsearch: a `date_histogram` aggregation over the matching listings."""

from __future__ import annotations

from datetime import date

from elasticsearch import Elasticsearch

from index.elasticsearch.documents import es_field
from index.elasticsearch.query_dsl import CompiledSearch
from index.histogram import Bucket, histogram_field


def listing_histogram(
    client: Elasticsearch, alias: str, compiled: CompiledSearch, field: str, interval: str
) -> list[Bucket]:
    """Counts per calendar `interval` in UTC, empty buckets left out, oldest first."""
    name = histogram_field(field, interval).name
    aggregation = {
        "date_histogram": {
            "field": es_field(name),
            "calendar_interval": interval,
            "min_doc_count": 1,
            "time_zone": "UTC",
            "format": "yyyy-MM-dd",
        }
    }
    response = client.search(
        index=alias,
        query=compiled.query,
        size=0,
        track_total_hits=False,
        aggregations={"trend": aggregation},
    )
    return [
        (date.fromisoformat(bucket["key_as_string"]), int(bucket["doc_count"]))
        for bucket in response["aggregations"]["trend"]["buckets"]
    ]
