"""Safety against hostile and broken sites: caps, budgets and trap rules, every cut counted.

Criminal markets are hostile to crawlers and often badly built. Scrapy's defaults are not safe
there (a 1 GiB download limit lets a 1 MB gzip bomb take gigabytes of memory; lxml cuts nesting
and gives no sign of it), so every source's crawl runs with:

- a size cap on what is downloaded and on what is decompressed (`limits.max_page_bytes`),
- a redirect limit and loop detection (`limits.max_redirects`),
- `Retry-After` honoured within a cap (`rate_limit.retry_after_max`),
- charsets checked against the bytes (a page mislabelled or unlabelled is decoded as detected),
- trap rules on followed links: URL length, repeating path segments, calendar dates far from
  today, and Scrapy's depth limit, counted,
- per-page checks on parsing: nesting depth, text much shorter than the page, field size,
  CPU time (`crawlers.safety.pages`).

Every page cut, skipped, truncated or timed out is an anomaly (`crawlers.anomalies`): counted
by kind in the crawl run and logged with its URL. `safety_settings` gives the Scrapy settings.
"""
