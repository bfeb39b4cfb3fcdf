"""Which alerts to read from the store: by status, rule, severity and assignee (None: any).

Suppressed alerts (held back by a rule's suppression, never delivered) are left out, as
`armswatch alerts list` does by default.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules.alert import AlertStatus
from rules.model import Severity

UNASSIGNED = "none"  # the assignee filter for alerts nobody has taken


@dataclass(frozen=True)
class AlertFilter:
    status: AlertStatus | None = "new"
    rule: str | None = None
    severity: Severity | None = None
    assignee: str | None = None  # a username, or UNASSIGNED

    def where(self, *, with_status: bool = True) -> tuple[str, list[str]]:
        """The SQL condition over the store's `alerts` table, and its values."""
        clauses: list[str] = ["suppressed = 0"]
        values: list[str] = []
        if with_status and self.status is not None:
            clauses.append("status = ?")
            values.append(self.status)
        if self.rule is not None:
            clauses.append("rule = ?")
            values.append(self.rule)
        if self.severity is not None:
            clauses.append("json_extract(record, '$.severity') = ?")
            values.append(self.severity)
        if self.assignee == UNASSIGNED:
            clauses.append("assignee IS NULL")
        elif self.assignee is not None:
            clauses.append("assignee = ?")
            values.append(self.assignee)
        return " WHERE " + " AND ".join(clauses), values
