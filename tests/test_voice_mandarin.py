"""Pinyin for the Mandarin voice: the polyphonic characters in our prompts are read right."""
import re

from common.i18n import Translator
from kiosk.mandarin import syllables, to_pinyin
from kiosk.prompts import PROMPTS

# Characters with more than one common reading. Every occurrence in a prompt must sit in a word
# listed in REVIEWED, with the reading a native speaker checked.
HAN = re.compile(r"[\u3400-\u9fff]")
POLYPHONIC = set("行重还长调乐着了得地的只为将种数处发差分号便应更相少教当传假干给觉空血难朝")
REVIEWED = {
    "还没": "hai2 mei2", "还可以": "hai2 ke3 yi3", "重新": "chong2 xin1", "进行": "jin4 xing2",
    "拿走了": "na2 zou3 le5", "的": "de5", "做得": "zuo4 de5", "为本次": "wei4 ben3 ci4",
    "将身份证": "jiang1 shen1 fen4 zheng4", "将为您": "jiang1 wei4 nin2", "只有": "zhi3 you3",
    "排队号": "pai2 dui4 hao4", "编号": "bian1 hao4", "取号": "qu3 hao4", "还款": "huan2 kuan3",
    "身份证": "shen1 fen4 zheng4", "年份": "nian2 fen4", "银行": "yin2 hang2", "长度": "chang2 du4",
    "调整": "tiao2 zheng3", "音乐": "yin1 yue4", "接着": "jie1 zhe5", "好差评": "hao3 cha4 ping2",
    "请调整": "qing3 tiao2 zheng3",
}


def test_phrase_corrections():
    assert to_pinyin("请还款。") == "qing3 huan2 kuan3."
    assert to_pinyin("哪里做得不好") == "na3 li3 zuo4 de5 bu4 hao3"
    assert to_pinyin("银行卡长度不够，请调整") == "yin2 hang2 ka3 chang2 du4 bu4 gou4, qing3 tiao2 zheng3"


def test_punctuation_becomes_pauses_and_digits_stay():
    assert to_pinyin("共60元（含税）。") == "gong4 60 yuan2 han2 shui4."


def readings(text):
    """Each Chinese character of ``text`` with the syllable it is read as, in context."""
    han = [i for i, c in enumerate(text) if HAN.match(c)]
    said = [s for s in syllables(text) if re.fullmatch(r"[a-z]+[1-5]", s)]
    assert len(han) == len(said), text
    return dict(zip(han, said))


def test_every_polyphonic_character_in_our_prompts_is_read_as_reviewed():
    """Read in the whole prompt (the reading depends on the neighbours), not word by word."""
    translator = Translator("zh_CN")
    problems = []
    for name, msgid in list(PROMPTS.items()) + [("test", w) for w in REVIEWED]:
        text = translator.gettext(msgid)
        read = readings(text)
        covered = set()
        for word, reading in REVIEWED.items():
            for m in re.finditer(re.escape(word), text):
                got = " ".join(read[i] for i in range(m.start(), m.end()))
                if got != reading:
                    problems.append(f"{name}: {word} read as {got}, reviewed {reading}, in {text}")
                covered |= set(range(m.start(), m.end()))
        problems += [f"{name}: {c} not reviewed in {text}" for i, c in enumerate(text)
                     if c in POLYPHONIC and i not in covered]
    assert not problems, "add the word to REVIEWED (and to kiosk.mandarin.PHRASES if read wrong):\n" \
        + "\n".join(problems)
