"""Upsert throughput of the Elasticsearch backend against a bare `helpers.bulk` of the same
documents.

Run `.venv/bin/python benchmarks/es_upsert.py [--count 10000] [--url http://127.0.0.1:9200]`
with a node running (`armswatch es start`). Listings are made from the demo catalog's offers
(repeated with new ids up to `--count`). Measured: a first upsert (all new), the same batch
again (all unchanged: reads only), and `helpers.bulk` of the same documents into a bare index
with the same mapping. Indices use a throw-away prefix and are deleted afterwards.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from elasticsearch.helpers import bulk

from armswatch.demo.catalog import catalog
from crawlers.listing import Listing, Price, Vendor
from index.elasticsearch import ElasticsearchIndex
from index.elasticsearch.documents import listing_document
from index.elasticsearch.mapping import index_body, listings_mapping

BATCH = 250  # the crawl pipeline's default batch


def demo_listings(count: int) -> list[Listing]:
    offers = catalog(1)
    now = datetime(2024, 6, 1, tzinfo=UTC)
    listings = []
    for number in range(count):
        offer = offers[number % len(offers)]
        seen = now - timedelta(minutes=number)
        listings.append(
            Listing(
                id=f"bench{number:06d}",
                source=offer.site,
                market=offer.site,
                url=f"http://{offer.site}.onion/offer/{offer.offer_id}/{number}",
                site_listing_id=offer.offer_id,
                title=offer.title,
                description=offer.description,
                category_path=list(offer.category_path),
                language=offer.language,
                price=Price(
                    amount=offer.price_amount, currency=offer.currency, amount_usd=offer.price_usd
                ),
                quantity=offer.quantity,
                vendor=Vendor(handle=offer.vendor),
                ships_to=list(offer.ships_to_codes),
                shipping_methods=list(offer.shipping_methods),
                first_seen=seen,
                last_seen=seen,
                captured_at=seen,
            )
        )
    return listings


def timed_upserts(index: ElasticsearchIndex, listings: list[Listing]) -> float:
    started = time.perf_counter()
    for first in range(0, len(listings), BATCH):
        index.upsert(listings[first : first + BATCH])
    return time.perf_counter() - started


def timed_bare_bulk(index: ElasticsearchIndex, listings: list[Listing]) -> float:
    name = f"{index.names.prefix}-bare"
    body = index_body(listings_mapping())
    index.client.indices.create(index=name, settings=body["settings"], mappings=body["mappings"])
    try:
        started = time.perf_counter()
        actions = (
            {"_index": name, "_id": li.id, "_source": listing_document(li)} for li in listings
        )
        bulk(index.client, actions, chunk_size=500)
        index.client.indices.refresh(index=name)
        return time.perf_counter() - started
    finally:
        index.client.indices.delete(index=name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--url", default="http://127.0.0.1:9200")
    options = parser.parse_args()
    listings = demo_listings(options.count)
    prefix = f"armswatch-bench-{uuid.uuid4().hex[:8]}"
    index = ElasticsearchIndex.from_url(f"{options.url}?prefix={prefix}")
    try:
        first = timed_upserts(index, listings)
        again = timed_upserts(index, listings)
        bare = timed_bare_bulk(index, listings)
    finally:
        index.drop()
        index.close()
    count = len(listings)
    print(f"{count} listings, upsert batches of {BATCH}")
    print(f"upsert, all new:       {first:6.2f} s  {count / first:8.0f} listings/s")
    print(f"upsert, all unchanged: {again:6.2f} s  {count / again:8.0f} listings/s")
    print(f"bare helpers.bulk:     {bare:6.2f} s  {count / bare:8.0f} listings/s")


if __name__ == "__main__":
    main()
