"""Recognise code-list labels in text with Aho-Corasick automata (one per scheme),
leftmost-longest first, so "保险费收入" wins over "收入" and "城乡居民大病保险" over
"城乡居民".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import ahocorasick
from yibao.graph.vocab import Vocabulary, load_vocabulary
from yibao.ingest.reading import normalise

SCHEMES = ("fund", "indicator", "basis", "region", "policy", "finding-category", "qualifier")


@dataclass(frozen=True)
class Mention:
    """A label of one or more concepts found in text."""

    start: int
    end: int
    scheme: str
    ids: tuple[str, ...]  # every concept with this label (regions can share names)
    surface: str
    preferred: bool  # the label is a prefLabel (full official name), not an alias

    @property
    def id(self) -> str:
        return self.ids[0]


class Lexicon:
    """Label automata built from the vocabulary."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self._automata: dict[str, ahocorasick.Automaton] = {}
        for scheme in SCHEMES:
            entries: dict[str, tuple[list[str], bool]] = {}
            for concept in sorted(vocab[scheme].values(), key=lambda c: c.id):
                for label in concept.labels_zh:
                    key = normalise(label)
                    if len(key) < 2 and scheme != "region":
                        continue
                    ids, preferred = entries.setdefault(key, ([], False))
                    if concept.id not in ids:
                        ids.append(concept.id)
                    entries[key] = (ids, preferred or label == concept.label_zh)
            automaton = ahocorasick.Automaton()
            for key, (ids, preferred) in entries.items():
                automaton.add_word(key, (key, tuple(ids), preferred))
            if entries:
                automaton.make_automaton()
                self._automata[scheme] = automaton

    def find(self, text: str, scheme: str, offset: int = 0) -> list[Mention]:
        """Leftmost-longest, non-overlapping mentions of one scheme's labels."""
        automaton = self._automata.get(scheme)
        if automaton is None or not text:
            return []
        out = []
        for end, (key, ids, preferred) in automaton.iter_long(text):
            start = end - len(key) + 1
            out.append(Mention(offset + start, offset + end + 1, scheme, ids, key, preferred))
        return out


@lru_cache(maxsize=2)
def default_lexicon() -> Lexicon:
    return Lexicon(load_vocabulary())
