"""Chinese text into the features the classifier counts: jieba words plus character bigrams.

jieba's own dictionary is read from the installed package (no download). The plan's vocabulary — category names,
keywords and check-item texts — is added as user words, so "垃圾桶满了" or "飞线充电" stay whole instead of being
cut where the general dictionary would cut them. Character bigrams of every run of Chinese characters are counted
beside the words: callers' texts carry typos ("拉圾", "路登") and run-on phrases the segmenter splits differently
from the plan's wording, and a bigram still matches half of a misspelt word.
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from collections.abc import Iterable

# Function words and the 12345 operators' boilerplate ("市民来电反映…请相关部门处理"): in every order, telling
# nothing about the category.
_STOPWORD_TEXT = (
    "的 了 在 是 我 我们 你 他 她 它 他们 这 那 这个 那个 有 和 与 及 也 都 就 还 很 太 又 吧 呢 吗 啊 呀 哦 嘛 "
    "被 把 给 让 跟 对 从 到 请 为 着 过 地 得 个 些 么 什么 怎么 一下 一个 一直 已经 现在 希望 要求 诉求 诉求人 "
    "市民 来电 来电人 反映 来电反映 称 人称 处理 相关 部门 相关部门 尽快 问题 情况 解决 能 要 想 说 看 里 上 下 "
    "好 多 几 好几 天 半天 今天 每天 天天 时候 时间 附近 这边 那边 一些 其 其居住 居住 位于 荣成 荣成市"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
HAS_WORD_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z]")
# Category names join several matters with these; each part is a word of its own.
NAME_PARTS = re.compile(r"[、，,（）()“”\"：:；;/\s]+")

_jieba_lock = threading.Lock()


def _new_tokenizer():
    with warnings.catch_warnings():
        # jieba 0.42 imports pkg_resources to find its dictionary; newer setuptools warns about that import.
        warnings.simplefilter("ignore")
        import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    with _jieba_lock:
        tokenizer.initialize()
    return tokenizer


def vocabulary_words(texts: Iterable[str]) -> list[str]:
    """The user words a plan's texts give: each text and each part of a compound name, two characters or more."""
    words: set[str] = set()
    for text in texts:
        for part in NAME_PARTS.split(text or ""):
            part = part.strip()
            if len(part) >= 2 and HAN_RUN.fullmatch(part):
                words.add(part)
    return sorted(words)


class Segmenter:
    """A jieba tokenizer of its own (the global one is left alone) with the plan's words added."""

    def __init__(self, user_words: Iterable[str] = ()) -> None:
        self._tokenizer = _new_tokenizer()
        for word in user_words:
            self._tokenizer.add_word(word)

    def words(self, text: str) -> list[str]:
        """Content words of `text`: jieba's precise mode, stopwords, digits and punctuation dropped."""
        return [w for w in self._tokenizer.lcut(text or "", HMM=True)
                if w.strip() and w not in STOPWORDS and HAS_WORD_CHAR.search(w)]

    def features(self, text: str) -> list[str]:
        """Words (prefixed `w:`) and character bigrams of the Chinese runs (prefixed `b:`), repeats kept."""
        out = [f"w:{w}" for w in self.words(text)]
        for run in HAN_RUN.findall(text or ""):
            out.extend(f"b:{run[i:i + 2]}" for i in range(len(run) - 1) if run[i:i + 2] not in STOPWORDS)
        return out
