"""Find every translatable message id in the code and keep the .po catalogs in step with it.

Message ids are the English literals inside ``_("...")``, ``N_("...")`` and ``gettext("...")``
in Python, and ``tr._('...')`` in kv files. ``python -m kiosk.messages`` adds new ids to every
catalog (keeping existing translations) and marks ids that disappeared as obsolete.
"""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import polib

from common.i18n import LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("common", "kiosk", "screens", "drivers", "backend_sim")
_KV_CALL = re.compile(r"""tr\._\(\s*(['"])(.+?)\1\s*\)""")
_MARKERS = {"_", "N_", "gettext"}


def _python_ids(path: Path) -> set[str]:
    ids = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in _MARKERS:
                ids.add(node.args[0].value)
    return ids


def extract_msgids(root: Path = ROOT) -> set[str]:
    """Every message id used in the source tree under ``root``."""
    ids: set[str] = set()
    for folder in SOURCE_DIRS:
        for path in sorted((root / folder).rglob("*.py")):
            ids |= _python_ids(path)
        for path in sorted((root / folder).rglob("*.kv")):
            ids |= {m.group(2) for m in _KV_CALL.finditer(path.read_text(encoding="utf-8"))}
    return ids


def update_catalogs(msgids: set[str], locale_dir: Path = LOCALE_DIR) -> dict[str, list[str]]:
    """Add missing ids to every language's catalog; return the untranslated ids per language."""
    untranslated = {}
    for lang in LANGUAGES:
        po_path = locale_dir / lang / "kiosk.po"
        po_path.parent.mkdir(parents=True, exist_ok=True)
        po = polib.pofile(str(po_path)) if po_path.exists() else polib.POFile()
        po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": lang}
        known = {entry.msgid: entry for entry in po}
        for msgid in sorted(msgids - known.keys()):
            po.append(polib.POEntry(msgid=msgid, msgstr=msgid if lang == "en" else ""))
        for msgid, entry in known.items():
            entry.obsolete = msgid not in msgids
        po.sort(key=lambda e: e.msgid)
        po.save(str(po_path))
        untranslated[lang] = sorted(e.msgid for e in po if not e.obsolete and not e.msgstr)
    return untranslated


if __name__ == "__main__":
    missing = update_catalogs(extract_msgids())
    for lang, ids in missing.items():
        print(f"{lang}: {len(ids)} untranslated")
        for msgid in ids:
            print(f"  {msgid}")
    sys.exit(1 if any(missing.values()) else 0)
