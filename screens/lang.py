"""Translation for kv rules: ``text: tr._("Touch to start")`` re-evaluates on every language switch."""
from __future__ import annotations

from kivy.event import Observable

from common.i18n import Translator


class Lang(Observable):
    """Wraps a :class:`Translator` so kv bindings on ``tr._`` follow language switches.

    kv binds the last attribute of an expression by calling ``fbind("_", fn, args)``; we keep
    those callbacks and call them after each switch, which re-evaluates the rule.
    """

    def __init__(self, translator: Translator) -> None:
        super().__init__()
        self.translator = translator
        self._observers: dict[int, tuple] = {}
        self._next_uid = 1
        translator.on_change(self._refresh)

    def _(self, msgid: str) -> str:
        return self.translator.gettext(msgid)

    def pick(self, texts: dict[str, str]) -> str:
        return self.translator.pick(texts)

    def fbind(self, name, func, *args, **kwargs):
        if name != "_":
            return super().fbind(name, func, *args, **kwargs)
        uid = self._next_uid
        self._next_uid += 1
        self._observers[uid] = (func, args)
        return uid

    def funbind(self, name, func, *args, **kwargs):
        if name != "_":
            return super().funbind(name, func, *args, **kwargs)
        for uid, (f, a) in self._snapshot():
            if f == func and a == args:
                self._observers.pop(uid, None)

    def unbind_uid(self, name, uid):
        if name != "_":
            return super().unbind_uid(name, uid)
        self._observers.pop(uid, None)

    def _snapshot(self) -> list:
        # dict.copy() allocates nothing the garbage collector tracks until its entries are copied;
        # list(items()) makes a tuple per entry, and a collection in between runs Kivy's weakref
        # callbacks, which unbind dead rules from this very dict.
        return list(self._observers.copy().items())

    def _refresh(self, _language: str) -> None:
        for uid, (func, args) in self._snapshot():
            try:
                func(*args, None, None)
            except ReferenceError:
                # The rule's widget is gone but Kivy has not unbound it yet (it does so when it
                # gets round to the widget's destructor): a language switch then stopped at the
                # dead rule and the shell showed "unavailable".
                self._observers.pop(uid, None)
