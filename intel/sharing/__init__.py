"""Sharing formats: firearm leads as tracing records (CSV, JSON) and as STIX 2.1 bundles.

`leads` decides which listings are firearm leads and finds them in the index, `descriptors`
reads the firearm fields out of a listing's entities, `tracing` writes tracing records and
`stix` builds STIX 2.1 bundles.
"""

from intel.sharing.leads import LeadSelection, lead_categories, lead_query, select_leads
from intel.sharing.stix import stix_bundle, tlp_marking, write_bundle
from intel.sharing.tracing import (
    TracingRecord,
    columns,
    tracing_record,
    tracing_records,
    write_csv,
    write_json,
)

__all__ = [
    "LeadSelection",
    "TracingRecord",
    "columns",
    "lead_categories",
    "lead_query",
    "select_leads",
    "stix_bundle",
    "tlp_marking",
    "tracing_record",
    "tracing_records",
    "write_bundle",
    "write_csv",
    "write_json",
]
