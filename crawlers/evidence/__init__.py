"""Evidence of what a crawl received: WARC captures and the tamper-evident ledger over them."""
