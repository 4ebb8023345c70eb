"""The query screen (a department's answer as a summary and a table) and the print screen (the
document on paper, or its number and QR code on screen when the printer cannot print)."""
from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.factory import Factory
from kivy.uix.boxlayout import BoxLayout

from common.i18n import N_
from kiosk.journeys import template
from kiosk.journeys.document import resolved_codes, table_cells
from screens.steps.base import StepScreen

LABELLED = N_("{label}: {value}")


class TableRow(BoxLayout):
    """One row of a result table (a RecycleView view: only rows on screen are widgets)."""

    cells = ListProperty([])
    bold = BooleanProperty(False)

    def on_cells(self, _instance, cells) -> None:
        if len(self.children) != len(cells):
            self.clear_widgets()
            for _ in cells:
                self.add_widget(Factory.TableCell())
        for label, text in zip(reversed(self.children), cells):
            label.text, label.bold = text, self.bold

    def on_bold(self, _instance, bold) -> None:
        # A recycled row gets its data's keys in their order, ``cells`` before ``bold``: on_cells
        # saw the weight of the row it was before (a header's), so the cells take the new one here.
        for label in self.children:
            label.bold = bold


class QueryScreen(StepScreen):
    """While the department answers: progress with Cancel. Then the summary and the table, with
    the definition's ``finish`` button when it has one; on a failure the client's message with Try again."""

    summary = StringProperty("")
    has_reply = BooleanProperty(False)
    finish_label = StringProperty("")  # the definition's "Done" (end here, on to the rating), or ""

    def refresh(self) -> None:
        settings, engine = self.step.settings, self.engine
        reply = engine.data.reply
        self.has_reply = reply is not None
        self.finish_label = self.pick(settings.finish) if settings.finish is not None and reply is not None else ""
        table = self.ids.table
        if reply is None:
            self.summary = ""
            self._blank_rows()
            table.data = []
            return
        codes = resolved_codes(engine.plan.codes, self.translator.pick)
        scope = engine.scope()
        self.summary = template.render(self.pick(settings.summary), scope, codes) if settings.summary else ""
        if settings.table is None:
            table.data = []
            return
        headers, rows, totals = table_cells(settings.table, scope, codes, self.translator.pick)
        if not rows and settings.empty is not None:
            self.summary = "\n".join(filter(None, [self.summary, self.pick(settings.empty)]))
        data = [{"cells": headers, "bold": True}] + [{"cells": r, "bold": False} for r in rows]
        if totals:
            data.append({"cells": totals, "bold": True})
        table.data = data

    def _blank_rows(self) -> None:
        """Empty every row widget, shown or kept for recycling: they must not keep the last figures."""
        table = self.ids.table
        adapter = table.view_adapter
        rows = {*adapter.views.values(), *table.layout_manager.children,
                *(view for views in adapter.dirty_views.values() for view in views.values())}
        for row in rows:
            row.cells = [""] * len(row.cells)

    def clear(self) -> None:
        super().clear()
        self.summary, self.has_reply, self.finish_label = "", False, ""
        self._blank_rows()
        self.ids.table.data = []


class PrintScreen(StepScreen):
    """Print on request; the receipt number and its QR code on screen when paper cannot come out."""

    document_title = StringProperty("")
    summary = StringProperty("")
    document_notes = StringProperty("")  # what the paper says to do next, on screen too (paper may be left behind)
    receipt_no = StringProperty("")
    qr_data = StringProperty("")      # the document's own QR content (e.g. its verification link), else the number
    code_text = StringProperty("")    # "label: code" of a document with a verification code
    print_state = StringProperty("")
    show_qr = BooleanProperty(False)

    def refresh(self) -> None:
        view, document = self.engine.view, self.step.settings.document
        self.document_title = self.pick(document.title)
        summary = self.step.settings.summary
        codes = resolved_codes(self.engine.plan.codes, self.translator.pick)
        self.summary = template.render(self.pick(summary), self.engine.scope(), codes) if summary else ""
        self.document_notes = "\n".join(template.render(self.pick(n), self.engine.scope(), codes)
                                         for n in document.notes)
        self.print_state = view.print_state
        self.show_qr = view.print_state in ("unavailable", "failed")
        self.receipt_no = self.engine.data.receipt_no or ""
        if not self.show_qr:
            self.qr_data = self.code_text = ""
            return
        scope = self.engine.scope()
        self.qr_data = template.render(document.qr, scope) if document.qr else self.receipt_no
        self.code_text = (self.translator.gettext(LABELLED).format(
            label=self.pick(document.code.label), value=template.render(document.code.value, scope))
            if document.code is not None else "")

    def clear(self) -> None:
        super().clear()
        self.document_title = self.summary = self.document_notes = self.receipt_no = self.print_state = ""
        self.qr_data = self.code_text = ""
        self.show_qr = False


class TicketScreen(StepScreen):
    """The ticket route: a counter queue ticket, its number and the counters' hours also on screen."""

    ticket_text = StringProperty("")
    print_state = StringProperty("")
    hours = StringProperty("")

    def refresh(self) -> None:
        ticket = self.engine.view.ticket
        self.ticket_text = ticket.ticket_no if ticket is not None else ""
        self.print_state = self.engine.view.print_state
        settings = App.get_running_app().context.settings
        self.hours = self.translator.pick(settings.help.counter_hours.model_dump()) if ticket is not None else ""
        self.can_go_back = False

    def clear(self) -> None:
        super().clear()
        self.ticket_text = self.print_state = self.hours = ""
