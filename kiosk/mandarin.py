"""Chinese text to tone-numbered pinyin for espeak-ng's ``cmn-latn-pinyin`` voice.

espeak-ng's ``cmn`` voice spells Chinese out as pinyin with its tone numbers said as English words
("ni-three hao-three"); its pinyin voice, fed ``ni3 hao3``, is understood. ``pypinyin`` does the
conversion with its phrase dictionaries; :data:`PHRASES` corrects the polyphonic characters it
reads wrongly in our own prompts (``tests/test_voice_mandarin.py`` lists every polyphonic
character our prompts use with its reviewed reading, so a new prompt cannot slip through).
"""
from __future__ import annotations

import re

# Readings pypinyin gets wrong in words our prompts (or likely hall texts) use.
PHRASES: dict[str, str] = {
    "做得": "zuo4 de5",        # the structural particle, not de2 "to obtain"
    "还款": "huan2 kuan3",     # "repay", not hai2 "still"
    "还贷": "huan2 dai4",
    "退还": "tui4 huan2",
    "归还": "gui1 huan2",
    "还卡": "huan2 ka3",
    "还证": "huan2 zheng4",
    "调整": "tiao2 zheng3",    # "adjust"; after 请 pypinyin reads 请调 "request a transfer" (diao4)
}
_PHRASE_RE = re.compile("|".join(sorted(map(re.escape, PHRASES), key=len, reverse=True)))
# Punctuation becomes a pause espeak-ng understands; anything else that is not a word is dropped.
_PAUSES = {"，": ",", "、": ",", "；": ",", "：": ",", "。": ".", "？": "?", "！": ".", "…": "."}
_DROP = re.compile(r"[（）()《》「」『』“”‘’【】\"'—·~～/]")


def _convert(text: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin  # 0.7 s to import: only on the voice's worker thread

    return lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors=lambda s: [s])


def syllables(text: str) -> list[str]:
    """One tone-numbered syllable per Chinese character, other text in runs as it is."""
    out: list[str] = []
    pos = 0
    for m in _PHRASE_RE.finditer(text):
        out += _convert(text[pos:m.start()])
        out += PHRASES[m.group()].split()
        pos = m.end()
    return out + _convert(text[pos:])


def to_pinyin(text: str) -> str:
    """``"请将身份证放在读卡区。"`` -> ``"qing3 jiang1 shen1 fen4 zheng4 fang4 zai4 du2 ka3 qu1."``

    Digits stay digits (the pinyin voice reads them in Mandarin); ü is written ``v``.
    """
    out = ""
    for s in syllables(text):
        s = _DROP.sub(" ", s)
        for mark, pause in _PAUSES.items():
            s = s.replace(mark, pause)
        if s.strip() in {",", ".", "?"} or not s.strip():
            out = out.rstrip() + s.strip() + " "
        else:
            out += s.strip() + " "
    return re.sub(r"\s+", " ", out).strip()
