"""Split a report's normalised text into title, headings, paragraphs, tables and chart data.

All positions are offsets into the text, which has the same length as the original
(see ``yibao.ingest.reading``), so anything found here can be quoted from the original.

Text conventions of the reports (converted from Word):
- a table is one cell per line, each line starting with a tab, rows separated by blank
  lines; a cell may continue on the next line without a tab;
- chart data sits at the end as tab-separated lines: categories (years or names)
  followed by as many values, with the series name on its own line before them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CN_NUM = "一二三四五六七八九十"
HEADING_PATTERNS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^[{CN_NUM}]+[、.．]")),
    (2, re.compile(rf"^\([{CN_NUM}]+\)")),
    (3, re.compile(r"^\d{1,2}(?:[.、．](?!\d)|\s)")),
    (4, re.compile(r"^\(\d{1,2}\)")),
)
FIGURE_RE = re.compile(r"\d\s*(?:[万亿億萬]|元|人|%|个月|家|户|次)")  # a number with its unit
BOOKMARK_RE = re.compile(r"\[bookmark: [^\]]*\]")
YEAR_TOKEN_RE = re.compile(r"^(19|20)\d\d$")
NUMERIC_TOKEN_RE = re.compile(r"^-?\d[\d,]*(?:\.\d+)?(?:[eE]-?\d+)?%?$")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass
class Heading:
    level: int
    start: int  # the heading text (numbering excluded)
    end: int


@dataclass
class Paragraph:
    start: int
    end: int
    headings: list[Heading]  # enclosing headings, outermost first


@dataclass
class Cell:
    start: int
    end: int
    text: str  # stripped, bookmarks removed


@dataclass
class Table:
    caption: list[Span]  # lines just before the table (title, "单位：万元")
    rows: list[list[Cell]]
    headings: list[Heading]


@dataclass
class ChartSeries:
    title: str  # the chart's title line, if any
    name: str  # the series name
    name_span: Span | None
    categories: list[Cell]
    values: list[Cell]


@dataclass
class Document:
    text: str
    title: Span | None = None
    headings: list[Heading] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[ChartSeries] = field(default_factory=list)
    captions: list[Span] = field(default_factory=list)  # figure captions "图1 …"


def split_spans(text: str, start: int, end: int, stops: str) -> list[tuple[int, int]]:
    """The non-empty stretches of text[start:end] between any of the ``stops`` characters."""
    out, pos = [], start
    for i in range(start, end):
        if text[i] in stops and not (text[i] in ",." and 0 < i < len(text) - 1
                                     and text[i - 1].isdigit() and text[i + 1].isdigit()):  # 299,665.73
            if i > pos:
                out.append((pos, i))
            pos = i + 1
    if end > pos:
        out.append((pos, end))
    return out


def _lines(text: str) -> list[Span]:
    spans, pos = [], 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        spans.append(Span(pos, pos + len(body)))
        pos += len(line)
    return spans


def _strip(text: str, span: Span) -> Span:
    """Trim whitespace (and ideographic spaces) from both ends of a span."""
    start, end = span.start, span.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def heading_level(line: str) -> tuple[int, int] | None:
    """(level, length of the numbering) when the line starts like a section heading."""
    for level, pattern in HEADING_PATTERNS:
        m = pattern.match(line)
        if m:
            return level, m.end()
    return None


def _is_chart_line(line: str) -> bool:
    return not line.startswith("\t") and line.count("\t") >= 1 and bool(line.strip())


def segment(text: str) -> Document:
    """Segment normalised report text."""
    doc = Document(text)
    lines = _lines(text)
    stack: list[Heading] = []
    i = 0
    title_parts: list[Span] = []
    in_title = True
    while i < len(lines):
        raw = text[lines[i].start:lines[i].end]
        span = _strip(text, lines[i])
        stripped = text[span.start:span.end]
        if raw.startswith("\t"):
            in_title = False
            i = _read_table(doc, lines, i, stack)
            continue
        if _is_chart_line(raw):
            in_title = False
            i = _read_chart(doc, lines, i)
            continue
        if not stripped:
            if title_parts:
                in_title = False
            i += 1
            continue
        lead = BOOKMARK_RE.match(stripped)
        if lead:  # "[bookmark: _Toc…](二)…": Word bookmarks before a heading
            span = _strip(text, Span(span.start + lead.end(), span.end))
            stripped = text[span.start:span.end]
        level = heading_level(stripped)
        if in_title and level is None and len(stripped) <= 40 and not stripped.endswith(("。", ":")):
            title_parts.append(span)
            i += 1
            continue
        in_title = False
        if stripped.startswith("图") and re.match(r"^图\s*\d", stripped):
            doc.captions.append(span)
        if level is not None:
            lvl, numbering = level
            body_start = span.start + numbering
            while body_start < span.end and text[body_start].isspace():
                body_start += 1
            stop = re.search(r"[。:]|\s{2,}", text[body_start:span.end])
            head_end = body_start + stop.start() if stop else span.end
            if FIGURE_RE.search(text[body_start:span.end]):
                # "1、基本医疗保险费收入15192.82万元;": a numbered item stating figures, not a heading
                doc.paragraphs.append(Paragraph(body_start, span.end, list(stack)))
                i += 1
                continue
            heading = Heading(lvl, body_start, head_end)
            while stack and stack[-1].level >= lvl:
                stack.pop()
            stack.append(heading)
            doc.headings.append(heading)
            if stop and head_end + 1 < span.end:
                doc.paragraphs.append(Paragraph(head_end + 1, span.end, list(stack)))
            i += 1
            continue
        doc.paragraphs.append(Paragraph(span.start, span.end, list(stack)))
        i += 1
    if title_parts:
        doc.title = Span(title_parts[0].start, title_parts[-1].end)
    return doc


def _cell(text: str, span: Span) -> Cell:
    span = _strip(text, span)
    raw = text[span.start:span.end]
    m = BOOKMARK_RE.search(raw)
    while m:  # drop Word bookmarks but keep offsets of the real content
        if m.start() == 0:
            span = _strip(text, Span(span.start + m.end(), span.end))
        raw = text[span.start:span.end]
        m = BOOKMARK_RE.search(raw)
        if m and m.start() != 0:
            break
    return Cell(span.start, span.end, BOOKMARK_RE.sub("", raw).strip())


def _caption(doc: Document, lines: list[Span], first: int) -> list[Span]:
    """Up to two non-empty lines before the table that are not table cells."""
    out: list[Span] = []
    j = first - 1
    while j >= 0 and len(out) < 2:
        raw = doc.text[lines[j].start:lines[j].end]
        if raw.startswith("\t"):
            break
        span = _strip(doc.text, lines[j])
        if span.end > span.start:
            if len(doc.text[span.start:span.end]) > 80:
                break
            out.insert(0, span)
        elif out:
            break
        j -= 1
    return out


def _read_table(doc: Document, lines: list[Span], i: int, stack: list[Heading]) -> int:
    text = doc.text
    caption = _caption(doc, lines, i)
    rows: list[list[Cell]] = []
    row: list[Cell] = []
    while i < len(lines):
        raw = text[lines[i].start:lines[i].end]
        if raw.startswith("\t"):
            row.append(_cell(text, Span(lines[i].start + 1, lines[i].end)))
        elif not raw.strip():
            if row:
                rows.append(row)
                row = []
            # a table ends at a blank line followed by a non-cell, non-blank line
            k = i + 1
            while k < len(lines) and not text[lines[k].start:lines[k].end].strip():
                k += 1
            if k >= len(lines) or not text[lines[k].start:lines[k].end].startswith("\t"):
                i = k
                break
        elif row and len(raw.strip()) <= 20:
            last = row[-1]
            span = _strip(text, Span(last.start, lines[i].end))
            row[-1] = Cell(last.start, span.end, (last.text + raw.strip()))
        else:
            break
        i += 1
    if row:
        rows.append(row)
    rows = [r for r in rows if any(c.text for c in r)]
    if rows:
        doc.tables.append(Table(caption, rows, list(stack)))
    return i


def _read_chart(doc: Document, lines: list[Span], i: int) -> int:
    """Read consecutive chart-data lines (blank lines between them allowed)."""
    text = doc.text
    title = ""
    j = i - 1
    while j >= 0:
        prev = text[lines[j].start:lines[j].end]
        if prev.strip():
            if "\t" not in prev and len(prev.strip()) <= 30:
                title = prev.strip()
            break
        j -= 1
    name: Cell | None = None
    while i < len(lines):
        raw = text[lines[i].start:lines[i].end]
        if raw.startswith("\t") or (raw.strip() and "\t" not in raw):
            break
        pos = lines[i].start
        tokens: list[Cell] = []
        for part in raw.split("\t"):
            cell = _cell(text, Span(pos, pos + len(part)))
            if cell.text:
                tokens.append(cell)
            pos += len(part) + 1
        i += 1
        if len(tokens) == 1 and not NUMERIC_TOKEN_RE.match(tokens[0].text):
            name = tokens[0]
        elif tokens:
            series, name = _series(title, name, tokens)
            doc.charts.extend(series)
            title = ""
    return i


def _series(title: str, name: Cell | None, tokens: list[Cell]) -> tuple[list[ChartSeries], Cell | None]:
    """Cut one data line into series: categories… values… [next series name].

    Returns the series and the name left for the next line, if the line ends with one.
    """
    out: list[ChartSeries] = []
    k = 0
    while k < len(tokens):
        cats: list[Cell] = []
        is_year = YEAR_TOKEN_RE.match(tokens[k].text) is not None
        while k < len(tokens) and (
            YEAR_TOKEN_RE.match(tokens[k].text) if is_year else not NUMERIC_TOKEN_RE.match(tokens[k].text)
        ):
            cats.append(tokens[k])
            k += 1
        if not is_year and k >= len(tokens):
            return out, cats[-1] if cats else name
        vals: list[Cell] = []
        while k < len(tokens) and len(vals) < len(cats) and NUMERIC_TOKEN_RE.match(tokens[k].text):
            vals.append(tokens[k])
            k += 1
        if len(cats) >= 2 and len(vals) == len(cats):
            label = name.text if name else title
            out.append(ChartSeries(title, label, Span(name.start, name.end) if name else None, cats, vals))
        elif not cats:
            k += 1
        name, title = None, ""
    return out, name
