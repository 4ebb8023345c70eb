"""The records the tax service returned: a table with totals, Print, and the receipt number on
screen when the printer cannot print."""
from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from common.i18n import N_
from screens.journey_base import JourneyScreen

HEADERS = [N_("Month"), N_("Income item"), N_("Income (yuan)"), N_("Tax (yuan)")]


class ResultScreen(JourneyScreen):
    """Shows ``session.data.result`` (``kiosk.backends`` IncomeRecords wrapped with a receipt number)."""

    summary = StringProperty("")
    receipt_no = StringProperty("")
    print_state = StringProperty("")
    show_qr = BooleanProperty(False)
    show_notice = BooleanProperty(False)

    def refresh(self) -> None:
        view = self.journey.view
        self.print_state = view.print_state
        self.show_qr = view.print_state in ("unavailable", "failed")
        self.show_notice = bool(view.print_state)
        self.receipt_no = self.journey.receipt_no
        result = self.journey.session.data.result
        table = self.ids.table
        if result is None:
            self.summary = ""
            self._blank_rows()
            table.data = []
            return
        records, _ = result.records, self.translator.gettext
        self.summary = _("{year_from}-{year_to}: income {income} yuan, tax {tax} yuan, {count} records.").format(
            year_from=records.year_from, year_to=records.year_to, income=records.total_income,
            tax=records.total_tax_withheld, count=len(records.records))
        rows = [{"cells": [_(h) for h in HEADERS], "bold": True}]
        rows += [{"cells": [f"{r.year}-{r.month:02d}", r.income_item_name, str(r.income), str(r.tax_withheld)],
                  "bold": False} for r in records.records]
        rows.append({"cells": [_("Total"), "", str(records.total_income), str(records.total_tax_withheld)],
                     "bold": True})
        table.data = rows

    def _blank_rows(self) -> None:
        """Empty every row widget, shown or kept for recycling: they must not keep the last figures."""
        table = self.ids.table
        adapter = table.view_adapter
        rows = {*adapter.views.values(), *table.layout_manager.children,
                *(view for views in adapter.dirty_views.values() for view in views.values())}
        for row in rows:
            row.cells = ["", "", "", ""]
