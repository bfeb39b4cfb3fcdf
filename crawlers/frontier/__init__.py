"""The crawl frontier kept in crash-safe storage, so a killed crawl resumes where it stopped.

`frontier_settings` (in `crawlers.frontier.settings`) puts `FrontierScheduler` in charge of a
source's crawl: pending requests, the seen set and the crawl's state live in SQLite (WAL) at
`<data>/frontier/<source>.db`, so a crawl killed with SIGKILL and started again continues with
what it had not finished; a crawl that ends complete clears it for the next run.

`durable_checkpoint` is the contract with the stage that makes items durable: sent (no
arguments) once everything that reached that stage before is durable (written to the index or
spooled to disk). The index pipeline's `listings_indexed` is understood too (see
`crawlers.frontier.scheduler`).
"""

# sent by the last item pipeline once every item it received before is durable
durable_checkpoint = object()
