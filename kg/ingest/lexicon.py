"""Recognise code-list labels in text with Aho-Corasick automata (one per scheme),
leftmost-longest first, so "保险费收入" wins over "收入" and "城乡居民大病保险" over
"城乡居民".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick
from yibao.graph.vocab import Vocabulary, load_vocabulary
from yibao.ingest.reading import normalise
from yibao.ingest.spans import Spans

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


    def funds(self, text: str, offset: int = 0) -> list[Mention]:
        """Fund names that can be a figure's fund: not a word inside an indicator label
        ("基本医疗保险费收入" is premium income of any fund) and not a part the fund includes
        ("职工基本医疗保险(含生育保险)" is the employee fund, not maternity)."""
        inside = Spans((m.start, m.end) for m in self.find(text, "indicator", offset))
        out = []
        for m in self.find(text, "fund", offset):
            if any(m.end <= e and (s, e) != (m.start, m.end) for s, e in inside.around(m.start)):
                continue
            if INCLUDED_RE.search(text[max(0, m.start - offset - 4):m.start - offset]):
                continue
            out.append(m)
        return out


INCLUDED_RE = re.compile(r"[(（]\s*(?:含|包含|包括)\s*$")


@lru_cache(maxsize=2)
def default_lexicon() -> Lexicon:
    """The lexicon of the packaged vocabulary: from the user cache (yibao.cache) while the code lists
    and the code that builds it are unchanged (loading it: ~0.03 s; parsing the code lists and building
    the automata: ~0.4 s, paid by every build and by adding one report)."""
    from yibao.cache import cache_dir, cache_enabled, cached

    if not cache_enabled():
        return Lexicon(load_vocabulary())
    try:
        path = cache_dir() / f"ingest-lexicon-{_cache_key()}.pickle"
    except OSError:
        return Lexicon(load_vocabulary())
    lexicon = cached(path, lambda: Lexicon(load_vocabulary()))
    return lexicon if isinstance(lexicon, Lexicon) else Lexicon(load_vocabulary())


def _cache_key() -> str:
    """The size and time of the code lists and of the modules that turn them into a lexicon."""
    import sys

    from yibao import resources
    from yibao.cache import files_key
    from yibao.graph import vocab as vocab_module
    from yibao.graph.vocab import CODE_FILES
    from yibao.ingest import reading, spans

    ontology = Path(resources.ontology_dir())
    files = [ontology / name for name in CODE_FILES] + [Path(m.__file__) for m in (
        sys.modules[__name__], vocab_module, reading, spans)]
    return files_key([f for f in files if f.exists()], str(getattr(ahocorasick, "__version__", "")))
