"""The question lexicon's matchers: phrase spans as a regular expression would find them, and sounds."""

from __future__ import annotations

import re

import pytest
from yibao.qa.lexicon import PhraseMatcher, default_qa_lexicon


def _regex_spans(phrases: list[str], text: str) -> list[tuple[int, int, str]]:
    parts = []
    for phrase in sorted(set(phrases), key=len, reverse=True):
        escaped = re.escape(phrase)
        if phrase[0].isascii() and phrase[0].isalnum():
            escaped = r"(?<![a-z0-9_])" + escaped
        if phrase[-1].isascii() and phrase[-1].isalnum():
            escaped += r"(?![a-z0-9_])"
        parts.append(escaped)
    return [(m.start(), m.end(), m.group(0)) for m in re.finditer("|".join(parts), text)]


@pytest.mark.parametrize("text", [
    "低于6个月的地区", "不低于6个月", "over 6 months and overall", "the rate rose over the years",
    "above and not above", "低于低于", "", "aboveabove above",
])
def test_phrase_matcher_finds_what_the_alternation_finds(text):
    phrases = ["低于", "不低于", "over", "over the years", "above", "not above", "years"]
    assert PhraseMatcher(phrases).finditer(text) == _regex_spans(phrases, text)


def test_leftmost_then_longest_and_ascii_words_whole():
    matcher = PhraseMatcher(["增加", "增加了多少", "rate", "rates"])
    assert matcher.finditer("比上年增加了多少") == [(3, 8, "增加了多少")]
    assert matcher.finditer("the rates, not the ratepayers") == [(4, 9, "rates")]


def test_region_names_sound_alike_by_phrase_and_by_character():
    lexicon = default_qa_lexicon()
    assert lexicon.pinyin("株州") == lexicon.pinyin("株洲") == "zhuzhou"
    assert lexicon.pinyin("重庆") == "chongqing"  # a region name is read as a phrase
