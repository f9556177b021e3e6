"""A question as recognised: the entities, numbers and keywords it contains (no store needed)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from yibao.qa.lexicon import Entity, Number, QALexicon, Span, find_numbers, find_spans, fold, has_cjk


@dataclass
class Parsed:
    original: str
    text: str  # folded
    lang: str
    entities: list[Entity]
    numbers: list[Number]
    spans: list[Span]
    limit: int | None = None
    limit_span: tuple[int, int] | None = None

    def kw(self, kind: str) -> list[Span]:
        return [s for s in self.spans if s.kind == kind]

    def has(self, *kinds: str) -> bool:
        return any(s.kind in kinds for s in self.spans)


_LIMIT_RES = (
    re.compile(r"(?:前|top|bottom|倒数|最后|lowest|highest|largest|smallest)\s*(\d+|[一二两三四五六七八九十]+"
               r"|one|two|three|four|five|six|seven|eight|nine|ten)(?![0-9])\s*(?:名|位|个|大)?"),
    re.compile(r"(\d+|[一二两三四五六七八九十]+)\s*(?:个|家)?\s*(?:地区|城市|区县|地方|统筹区|市|县|区)"),
    re.compile(r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:regions|cities|counties|districts|places)"),
)


_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10}


_RANGE_JOINER_RE = re.compile(r"^\s*(?:-|~|～|—|–|－|至|到|and|to)\s*$")


_BETWEEN_RE = re.compile(r"between|之间|区间|范围")


def _limit(text: str) -> tuple[int | None, tuple[int, int] | None]:
    from yibao.qa.lexicon import parse_chinese_number

    for pattern in _LIMIT_RES:
        m = pattern.search(text)
        if m:
            raw = m.group(1)
            if raw.isdigit():
                n = int(raw)
            elif raw in _WORD_NUMBERS:
                n = _WORD_NUMBERS[raw]
            else:
                value = parse_chinese_number(raw)
                n = int(value) if value is not None else None
            if n and 0 < n < 1000:
                return n, (m.start(1), m.end(1))
    return None, None


def parse(question: str, lexicon: QALexicon, lang: str | None = None) -> Parsed:
    text = fold(question)
    detected = lang if lang in ("zh", "en") else ("zh" if has_cjk(question) else "en")
    spans = find_spans(text)
    limit, limit_span = _limit(text)
    blocked = [limit_span] if limit_span else []
    blocked += [m.span() for m in _NOT_NAMES_RE.finditer(text)]
    entities = _joined_places([_place_and_level(e, text, lexicon) for e in lexicon.entities(text, blocked=blocked)],
                              text, lexicon)
    covered = [(e.start, e.end) for e in entities] + blocked
    numbers = find_numbers(text, covered)
    # keywords inside a recognised name are part of the name (执行 in 预算执行率), except topic words
    keep_inside = {"subsidy", "savings", "short", "deficit", "provenance"}
    spans = [s for s in spans if s.kind in keep_inside or not _inside(s, entities)]
    return Parsed(question, text, detected, entities, numbers, spans, limit, limit_span)


# words for the areas asked about, not for a fund ("pooling areas" is 统筹区, not the pooled fund)
_NOT_NAMES_RE = re.compile(r"\b(?:pooling|pooled|insurance|coordination) (?:areas?|regions?|units?|districts?)\b|统筹区|统筹地区")


_ASKED_LEVEL_RE = re.compile(r"(?:which|what|each|every|all|any|the|its|of)\s+(?:of\s+the\s+)?$")
_LEVEL_WORD_RE = re.compile(r"^(.+?)\s+(county|counties|district|districts)$")


def _place_and_level(entity: Entity, text: str, lexicon: QALexicon) -> Entity:
    """"which Zhuzhou county has…", "each Qingdao district": a place and the level asked about, not the
    region whose English name is "Zhuzhou County" (a former name); the level word stays a keyword."""
    m = _LEVEL_WORD_RE.match(entity.surface)
    if not m or not entity.ids("region") or not _ASKED_LEVEL_RE.search(text[:entity.start]):
        return entity
    place = lexicon.keys.get(m.group(1))
    regions = tuple(sorted(c for c in (place or {}) if c[0] == "region"))
    if not regions:
        return entity
    return Entity(entity.start, entity.start + len(m.group(1)), m.group(1), regions, any(place.values()))


def _joined_places(entities: list[Entity], text: str, lexicon: QALexicon) -> list[Entity]:
    """"Qing dao", "Zhu-zhou": a pinyin name written in syllables, each of which happens to name some small
    place (Qing is 青县, Dao is 道县): the one region the syllables spell together."""
    out: list[Entity] = []
    for e in entities:
        last = out[-1] if out else None
        if last is not None and last.ids("region") and e.ids("region") and text[last.end:e.start] in (" ", "-") \
                and last.surface.isascii() and e.surface.isascii():
            place = lexicon.keys.get(last.surface + e.surface, {})
            regions = tuple(sorted(c for c in place if c[0] == "region"))
            if regions:
                out[-1] = Entity(last.start, e.end, text[last.start:e.end], regions, any(place.values()))
                continue
        out.append(e)
    return out


def _inside(span: Span, entities: list[Entity]) -> bool:
    return any(e.start <= span.start and span.end <= e.end for e in entities)

