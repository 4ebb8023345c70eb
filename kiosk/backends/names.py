"""Names of the codes department systems return, in the citizen's language.

A backend's own name for an item (``income_item_name``: "工资薪金") is Simplified Chinese whatever
the kiosk's language; the code next to it (``income_item``: ``wages``) is what the kiosk shows,
translated. A code the kiosk does not know yet falls back to the department's name.
"""
from __future__ import annotations

from typing import Callable

from common.i18n import N_

# api/tax.yaml IncomeRecord.income_item
INCOME_ITEMS = {
    "wages": N_("Wages and salaries"),
    "labour_remuneration": N_("Remuneration for labour services"),
    "annual_bonus": N_("Annual one-off bonus"),
}


def income_item_name(code: str, department_name: str, gettext: Callable[[str], str]) -> str:
    """The name of income item ``code`` in the current language (``gettext``), else ``department_name``."""
    msgid = INCOME_ITEMS.get(code)
    return gettext(msgid) if msgid else department_name
