"""The records the tax service returned: a table with totals, Print, and the receipt number on
screen when the printer cannot print."""
from __future__ import annotations

from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty

from kiosk.i18n import N_
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
        table.clear_widgets()
        if result is None:
            self.summary = ""
            return
        records, _ = result.records, self.translator.gettext
        self.summary = _("{year_from}-{year_to}: income {income} yuan, tax {tax} yuan, {count} records.").format(
            year_from=records.year_from, year_to=records.year_to, income=records.total_income,
            tax=records.total_tax_withheld, count=len(records.records))
        for header in HEADERS:
            table.add_widget(Factory.TableCell(text=_(header), bold=True))
        for row in records.records:
            for text in (f"{row.year}-{row.month:02d}", row.income_item_name, str(row.income), str(row.tax_withheld)):
                table.add_widget(Factory.TableCell(text=text))
        for text in (_("Total"), "", str(records.total_income), str(records.total_tax_withheld)):
            table.add_widget(Factory.TableCell(text=text, bold=True, test_name="total" if text else ""))
