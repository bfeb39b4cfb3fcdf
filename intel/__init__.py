"""Cross-market intelligence: what many listings say together that no single one does.

Downstream of `index`: it reads listings and vendor profiles through the index contract and
keeps analysts' decisions in its own file under the data directory. It resolves vendors
(handle + market) into actors and explains every link, aggregates shipping routes, runs
pattern reports and writes sharing formats (tracing records, STIX 2.1).
"""
