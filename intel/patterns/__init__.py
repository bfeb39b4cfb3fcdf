"""Pattern reports an analyst runs (and schedules) over the index: each takes the listings of a
window and returns findings that name the listings supporting them and explain themselves.

`REPORTS` maps a report's name to its function; `run_report` and `write_findings` are the
plain functions the CLI and the scheduler call.
"""

from __future__ import annotations

from intel.patterns.assembled_firearms import assembled_firearms
from intel.patterns.bursts import bursts
from intel.patterns.model import Finding, ReportFunction, ReportInput, vendor_key
from intel.patterns.new_vendors import new_vendors
from intel.patterns.price_anomalies import price_anomalies
from intel.patterns.runner import report_names, run_report, run_reports, write_findings
from intel.patterns.separate_parcels import separate_parcels

REPORTS: dict[str, ReportFunction] = {
    "new_vendors": new_vendors,
    "assembled_firearms": assembled_firearms,
    "price_anomalies": price_anomalies,
    "separate_parcels": separate_parcels,
    "bursts": bursts,
}

__all__ = [
    "REPORTS",
    "Finding",
    "ReportFunction",
    "ReportInput",
    "report_names",
    "run_report",
    "run_reports",
    "vendor_key",
    "write_findings",
]
