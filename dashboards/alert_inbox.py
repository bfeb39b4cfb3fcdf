"""The alerts inbox: one page of alerts under the analyst's filters (`rules.alert_filter`)."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from rules.alert import Alert
from rules.alert_filter import AlertFilter
from rules.store import AlertStore

PAGE_SIZE = 50


@dataclass(frozen=True)
class InboxPage:
    alerts: list[Alert]
    total: int  # alerts under the filter, on every page
    page: int  # from 1
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.page_size))

    @property
    def first_row(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.alerts else 0

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.alerts) - 1 if self.alerts else 0


def inbox_page(
    store: AlertStore, chosen: AlertFilter, page: int = 1, page_size: int = PAGE_SIZE
) -> InboxPage:
    """The alerts on page `page` under `chosen`, newest first."""
    alerts = store.page(chosen, limit=page_size, offset=(page - 1) * page_size)
    return InboxPage(alerts, store.count(chosen), page, page_size)
