"""Pinyin input for the on-screen keyboard: the letters typed become candidate words.

A kiosk has no physical keyboard and no system input method, so a citizen who must type a name
(an employer, a landlord, a road) types pinyin without tones ("tianhe") and touches the word
(天河). Words and their frequencies come from jieba's dictionary (350,000 words counted in a
large corpus), their readings from pypinyin's dictionaries, so the usual word comes first.

Typed letters match a word's whole reading ("tianhe" → 天河) or its beginning ("tianh" → 天河);
when nothing matches all the letters, the longest beginning that does is offered, and choosing a
candidate consumes only those letters ("tianhexx": 天河, "xx" left to go on with).
"""
from __future__ import annotations

import bisect
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

_MAX_WORD = 4          # longer entries are idioms and names of things nobody types here
_MIN_WORD_FREQ = 10    # rarer words cost load time and memory; their characters are still there
_OTHER_READING = 1000    # a character's less usual reading counts this many times less (号 is hào, not xiāo)
_PREFIX_SCAN = 3000    # readings scanned for a beginning ("sh" matches thousands): whole readings only


@dataclass(frozen=True)
class Candidate:
    """A word offered for the letters typed, and how many of those letters it stands for."""

    text: str
    consumed: int


def _toneless(reading: str) -> str:
    """"lǜ" → "lv", "zhōng" → "zhong": the letters a citizen types for a reading."""
    reading = reading.replace("ü", "v").replace("ǖ", "v").replace("ǘ", "v").replace("ǚ", "v").replace("ǜ", "v")
    return "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c)).lower()


def _is_han(text: str) -> bool:
    return all("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in text)


class PinyinIme:
    """Candidates for typed pinyin. The dictionary loads once, in :meth:`load` (about a second),
    which a caller may start early in a thread; :meth:`candidates` waits for it."""

    def __init__(self, dictionary: Path | None = None) -> None:
        self._dictionary = dictionary
        self._keys: list[str] = []                 # sorted readings
        self._words: list[list[tuple[int, str]]] = []  # per reading: (-frequency, word), best first
        self._loaded = threading.Event()
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._loaded.is_set()

    def load(self) -> None:
        """Build the reading index (idempotent, thread-safe)."""
        with self._lock:
            if self._loaded.is_set():
                return
            from pypinyin.phrases_dict import phrases_dict
            from pypinyin.pinyin_dict import pinyin_dict

            def char_readings(c: str) -> list[str]:
                raw = pinyin_dict.get(ord(c))
                return [_toneless(r) for r in raw.split(",")] if raw else []

            index: dict[str, dict[str, int]] = {}

            def add(reading: str, word: str, freq: int) -> None:
                words = index.setdefault(reading, {})
                words[word] = max(words.get(word, 0), freq)

            path = self._dictionary or Path(__import__("jieba").__file__).with_name("dict.txt")
            with open(path, encoding="utf-8") as f:
                for line in f:
                    word, freq, *_ = line.split(" ")
                    if len(word) == 1 and _is_han(word):
                        for i, reading in enumerate(char_readings(word)):
                            add(reading, word, int(freq) // (_OTHER_READING if i else 1))
                        continue
                    if not (len(word) <= _MAX_WORD and int(freq) >= _MIN_WORD_FREQ and _is_han(word)):
                        continue
                    phrase = phrases_dict.get(word)
                    readings = [_toneless(p[0]) for p in phrase] if phrase else \
                        [(char_readings(c) or [""])[0] for c in word]
                    if all(readings):
                        add("".join(readings), word, int(freq))
            for code, raw in pinyin_dict.items():  # characters jieba never saw (rare surnames) come last
                c = chr(code)
                if _is_han(c):
                    for reading in raw.split(","):
                        index.setdefault(_toneless(reading), {}).setdefault(c, 0)
            self._keys = sorted(index)
            self._words = [sorted(((-f, w) for w, f in index[k].items())) for k in self._keys]
            self._loaded.set()

    def candidates(self, letters: str, limit: int = 40) -> list[Candidate]:
        """The words for ``letters`` (lower-case a-z, "v" for ü), most frequent first: those for all
        the letters, then those for shorter beginnings ("linxiao" offers 林校, then 林 for "lin")."""
        letters = letters.lower()
        if not letters:
            return []
        self.load()
        out: list[Candidate] = []
        seen: set[str] = set()
        for end in range(len(letters), 0, -1):
            for word in self._matching(letters[:end], prefix=end == len(letters)):
                if word not in seen:
                    seen.add(word)
                    out.append(Candidate(word, end))
                    if len(out) >= limit:
                        return out
        return out

    def _matching(self, typed: str, prefix: bool) -> list[str]:
        """Words read exactly ``typed``, then (with ``prefix``) words whose reading begins with it."""
        start = bisect.bisect_left(self._keys, typed)
        exact = self._words[start] if start < len(self._keys) and self._keys[start] == typed else []
        longer: list[tuple[int, str]] = []
        if prefix:
            stop = bisect.bisect_left(self._keys, typed + "{")  # "{" sorts after "z"
            if stop - start <= _PREFIX_SCAN:
                longer = sorted(w for i in range(start, stop) if self._keys[i] != typed for w in self._words[i])
        # whole readings first (a citizen who typed "shi" wants 是 before 世界), each by frequency
        return [word for _f, word in exact] + [word for _f, word in longer]
