"""Exit codes that scripts can rely on (documented in the README)."""

OK = 0
FAILED = 1  # the command ran but something went wrong (a crawl with errors, a failed check)
BAD_INPUT = 2  # invalid query, invalid source definition, unknown source, bad option
NOT_FOUND = 3  # the listing or object asked for does not exist
BUSY = 75  # a source is being crawled already (EX_TEMPFAIL: try again later)
