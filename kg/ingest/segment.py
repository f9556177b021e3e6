"""Split a report's normalised text into title, headings, paragraphs, tables and chart data.

All positions are offsets into the text, which has the same length as the original
(see ``yibao.ingest.reading``), so anything found here can be quoted from the original.

Text conventions of the reports (converted from Word):
- a table is one cell per line, each line starting with a tab, rows separated by blank
  lines; a cell may continue on the next line without a tab;
- chart data sits at the end as tab-separated lines: categories (years or names)
  followed by as many values, with the series name on its own line before them.

Tables that web pages flattened (see :func:`find_flat_tables`) are recognised too: ``|``-separated
rows, one cell per line, label+unit+value glued on one line (``职工基本医疗保险万人93.57``),
label / unit / value on three lines, and rows whose cells are separated by runs of spaces or tabs.
Their lines are neither headings nor paragraphs, so the text extractor does not read them again.
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
class FlatRow:
    """One row of a flattened table: its cells in order (empty cells kept where the layout
    marks them, so that a row's cells line up with the header's) and the text span it covers."""

    cells: list[Cell]
    start: int
    end: int


@dataclass
class FlatTable:
    """A table that a web page flattened into plain lines (see :func:`find_flat_tables`)."""

    layout: str  # "pipe" | "glued" | "stacked" | "spaced" | "cells"
    caption: list[Span]  # lines just before the table (title, "单位:万元")
    rows: list[FlatRow]
    headings: list[Heading]
    start: int
    end: int


@dataclass
class Document:
    text: str
    title: Span | None = None
    headings: list[Heading] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[ChartSeries] = field(default_factory=list)
    captions: list[Span] = field(default_factory=list)  # figure captions "图1 …"
    flat_tables: list[FlatTable] = field(default_factory=list)


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


def trim_span(text: str, start: int, end: int, leading: str = "") -> tuple[int, int]:
    """[start, end) without surrounding white space, nor the ``leading`` characters at its start."""
    while start < end and (text[start].isspace() or text[start] in leading):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


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


def _continues(text: str, previous: Paragraph, line: Span) -> bool:
    """The line goes on with the sentence the paragraph before it left open: that paragraph ends
    without a sentence's end and inside a clause ("…年中调整预算为 1781.86 万" / "元,比年初预算…")."""
    last = text[previous.end - 1:previous.end]
    return bool(last) and last not in "。！？!?;；:：)）|" and line.end - line.start > 0 and \
        text[line.start] not in "|" and previous.end - previous.start >= 20


def _is_chart_line(line: str) -> bool:
    return not line.startswith("\t") and line.count("\t") >= 1 and bool(line.strip())


def segment(text: str) -> Document:
    """Segment normalised report text."""
    doc = Document(text)
    lines = _lines(text)
    flat = {first: (last, layout, rows) for first, last, layout, rows in find_flat_tables(text, lines)}
    stack: list[Heading] = []
    i = 0
    title_parts: list[Span] = []
    in_title = True
    wrapped = -2  # the index of the last line read as a plain paragraph line
    while i < len(lines):
        raw = text[lines[i].start:lines[i].end]
        span = _strip(text, lines[i])
        stripped = text[span.start:span.end]
        if i in flat:
            in_title = False
            last, layout, rows = flat[i]
            doc.flat_tables.append(FlatTable(layout, _caption(doc, lines, i), rows, list(stack),
                                             lines[i].start, lines[last].end))
            i = last + 1
            continue
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
        previous = doc.paragraphs[-1] if doc.paragraphs and wrapped == i - 1 else None
        if previous is not None and _continues(text, previous, span):
            previous.end = span.end  # a line wrapped inside a sentence (a PDF page's lines) goes on
        else:
            doc.paragraphs.append(Paragraph(span.start, span.end, list(stack)))
        wrapped = i
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


# -- flattened tables ----------------------------------------------------------------------
# The units a flattened table writes in a cell of its own or glued before a number.
CELL_UNITS = ("万亿元", "亿元", "万元", "千元", "元", "万人次", "人次", "万人", "人", "万户", "户", "个月", "个", "%")
_CELL_UNIT_RE = "|".join(re.escape(u) for u in CELL_UNITS)
# A cell that is a figure: a number with an optional comparison and unit ("≥95%", "3359.62万", "589元/人").
VALUE_CELL_RE = re.compile(
    r"^(?P<cmp>[≥≤><]=?|大于等于|小于等于|大于|小于|不低于|不少于|不高于|不超过)?\s*"
    r"(?:(?P<before>万亿元|亿元|万元|千元|万人次|万人|人次)\s*(?=[-−]?\d))?"  # "亿元12.5": the unit written first
    r"(?P<num>[-−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-−]?\d+(?:\.\d+)?)\s*"
    rf"(?P<unit>(?:{_CELL_UNIT_RE})(?:/人(?:[./·]?[年月])?)?|万)?$"
)
# label + unit + number glued on one line: "职工基本医疗保险万人93.57", "基本医疗保险(含生育保险)亿元-4.16".
GLUED_ROW_RE = re.compile(
    rf"^(?P<label>.*?[\u4e00-\u9fff)）])(?P<unit>{_CELL_UNIT_RE})(?P<num>[-−]?\d[\d,]*(?:\.\d+)?)$"
)
CELL_GAP_RE = re.compile(r"\t+| {2,}")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


def is_value_cell(text: str) -> bool:
    return VALUE_CELL_RE.match(text.strip()) is not None


# a label with its figure glued on, the figure carrying a unit or a bound ("补助资金及时到位100%", "参保率≥95%")
GLUED_CELL_RE = re.compile(
    r"^([^:：\d]*[\u4e00-\u9fff])\s*((?:[≥≤><]=?|大于|不低于|不少于)?\s*\d[\d,]*(?:\.\d+)?\s*"
    rf"(?:{_CELL_UNIT_RE})(?:/人(?:[./·]?[年月])?)?)\s*$"
)

# a label with its unit and figure glued on, the unit first ("当期结余亿元-4.16")
UNIT_FIRST_CELL_RE = re.compile(r"^([^:：\d]*[\u4e00-\u9fff)）])((?:万亿元|亿元|万元|千元|万人次|万人)[-−]?\d[\d,]*(?:\.\d+)?)\s*$")


def label_value(text: str) -> tuple[int, int] | None:
    """Where the figure of a "label:figure" cell starts and ends ("年度资金总额:203"), or of a label
    with its figure glued on ("补助资金及时到位100%")."""
    m = re.match(r"^([^:：]*[\u4e00-\u9fff][)）]?)\s*[:：]\s*(.+?)\s*$", text)
    if m and is_value_cell(m.group(2)):
        return m.start(2), m.end(2)
    m = GLUED_CELL_RE.match(text) or UNIT_FIRST_CELL_RE.match(text)
    if m and is_value_cell(m.group(2)) and not re.search(r"(?:第|共|截至|截止)$", m.group(1)):
        return m.start(2), m.end(2)
    return None


def _is_label_cell(text: str) -> bool:
    return bool(_CJK_RE.search(text)) and not is_value_cell(text) and text.strip() not in CELL_UNITS


def _has_data_row(rows: list[FlatRow]) -> bool:
    """Some row has a label cell and, after it, a figure."""
    for row in rows:
        seen_label = False
        for cell in row.cells:
            if label_value(cell.text) is not None and (re.search(r"[:：]", cell.text) or
                                                       UNIT_FIRST_CELL_RE.match(cell.text.strip())):
                return True  # "年度资金总额:203", "当期结余亿元-4.16" (a glued "参保率98%" may be prose)
            if _is_label_cell(cell.text) and not seen_label:
                seen_label = True
            elif seen_label and is_value_cell(cell.text):
                return True
    return False


def _split_cells(text: str, start: int, end: int, separator: re.Pattern[str]) -> list[Cell]:
    """The cells of text[start:end] between separators; empty cells kept (they keep columns aligned)."""
    cells: list[Cell] = []
    pos = start
    for m in separator.finditer(text, start, end):
        cells.append(_cell(text, Span(pos, m.start())))
        pos = m.end()
    cells.append(_cell(text, Span(pos, end)))
    return cells


_PIPE_RE = re.compile(r"\|")


def _pipe_line(text: str, span: Span) -> list[Cell]:
    """A ``|``-line's cells; the empty cell before a leading ``|`` and after a trailing one dropped."""
    cells = _split_cells(text, span.start, span.end, _PIPE_RE)
    stripped = text[span.start:span.end].strip()
    if stripped.startswith("|") and cells and not cells[0].text:
        cells = cells[1:]
    if stripped.endswith("|") and cells and not cells[-1].text:
        cells = cells[:-1]
    return cells


def _pipe_block(text: str, lines: list[Span], first: int, last: int) -> list[FlatRow]:
    """Rows of consecutive ``|``-lines: one row per line, or one cell per line where a row
    starts at a line opening with ``|`` and ends at an empty cell."""
    per_line = [(k, _pipe_line(text, _strip(text, lines[k]))) for k in range(first, last + 1)
                if text[lines[k].start:lines[k].end].strip()]
    wide = sum(1 for _, cells in per_line if sum(1 for c in cells if c.text) >= 2)
    if wide * 2 >= len(per_line):
        return [FlatRow(cells, lines[k].start, lines[k].end) for k, cells in per_line if any(c.text for c in cells)]
    rows: list[FlatRow] = []
    current: list[Cell] = []

    def close() -> None:
        if any(c.text for c in current):
            body = [c for c in current if c.text]
            rows.append(FlatRow(body, body[0].start, body[-1].end))
        current.clear()

    for k, cells in per_line:
        raw = text[lines[k].start:lines[k].end].strip()
        content = [c for c in cells if c.text]
        if not content:
            close()
            continue
        if raw.startswith("|"):
            close()
        current.extend(content)
    close()
    return rows


def _glued_row(text: str, span: Span) -> FlatRow | None:
    line = text[span.start:span.end]
    m = GLUED_ROW_RE.match(line)
    if not m or not _CJK_RE.search(m.group("label")) or re.search(r"\d", m.group("label")[-1:]):
        return None
    s = span.start
    cells = [_cell(text, Span(s + m.start("label"), s + m.end("label"))),
             Cell(s + m.start("unit"), s + m.end("unit"), m.group("unit")),
             Cell(s + m.start("num"), s + m.end("num"), m.group("num"))]
    return FlatRow(cells, span.start, span.end)


def _is_group_line(line: str) -> bool:
    """A short line without figures that heads a group of rows ("一、参保人数", "指标名称 单位 本期")."""
    line = line.strip()
    return 0 < len(line) <= 24 and not re.search(r"\d", line.lstrip("0123456789.、")) and \
        not line.endswith(("。", ":", "：")) and bool(_CJK_RE.search(line))


def find_flat_tables(text: str, lines: list[Span]) -> list[tuple[int, int, str, list[FlatRow]]]:
    """(first line, last line, layout, rows) of every flattened table in ``text``.

    A block counts as a table only when some row has a label and a figure after it, so that
    navigation bars (``首页 | 网站地图``) and titles ending in ``|`` stay ordinary lines.
    """
    n = len(lines)
    raw = [text[s.start:s.end] for s in lines]
    stripped = [r.strip() for r in raw]
    out: list[tuple[int, int, str, list[FlatRow]]] = []
    i = 0
    while i < n:
        if raw[i].startswith("\t") or not stripped[i]:
            i += 1
            continue
        # ``|``-separated cells
        if "|" in stripped[i]:
            j = i
            while j + 1 < n and not raw[j + 1].startswith("\t") and (
                    "|" in stripped[j + 1] or (not stripped[j + 1] and j + 2 < n and "|" in stripped[j + 2])):
                j += 1
            rows = _pipe_block(text, lines, i, j)
            if _has_data_row(rows):
                out.append((i, j, "pipe", rows))
                i = j + 1
                continue
            i += 1
            continue
        # label + unit + number glued, or label / unit / value on three lines
        for layout, reader in (("glued", _read_glued), ("stacked", _read_stacked), ("spaced", _read_spaced),
                               ("cells", _read_cells)):
            found = reader(text, lines, stripped, i)
            if found:
                last, rows = found
                first = i
                # the group heading and header lines just above the first row belong to the table
                while first > 0 and out_end(out) < first - 1 and _is_group_line(stripped[first - 1]) and \
                        (heading_level(stripped[first - 1]) or re.search(r"指标|项目|单位|名称", stripped[first - 1])):
                    first -= 1
                    rows.insert(0, FlatRow([_cell(text, lines[first])], lines[first].start, lines[first].end))
                out.append((first, last, layout, rows))
                i = last + 1
                break
        else:
            i += 1
    return out


def out_end(found: list[tuple[int, int, str, list[FlatRow]]]) -> int:
    return found[-1][1] if found else -1


def _read_glued(text: str, lines: list[Span], stripped: list[str], i: int) -> tuple[int, list[FlatRow]] | None:
    """Two or more glued rows, with group lines and blank lines between them."""
    if _glued_row(text, _strip(text, lines[i])) is None:
        return None
    rows: list[FlatRow] = []
    pending: list[FlatRow] = []
    last = i
    k = i
    while k < len(lines):
        span = _strip(text, lines[k])
        row = _glued_row(text, span) if stripped[k] else None
        if row is not None:
            rows.extend(pending)
            pending = []
            rows.append(row)
            last = k
        elif not stripped[k]:
            pass
        elif _is_group_line(stripped[k]):
            pending.append(FlatRow([_cell(text, span)], span.start, span.end))
        else:
            break
        k += 1
    glued = sum(1 for r in rows if len(r.cells) == 3)
    return (last, rows) if glued >= 2 else None


def _read_stacked(text: str, lines: list[Span], stripped: list[str], i: int) -> tuple[int, list[FlatRow]] | None:
    """Two or more label / unit / value line triplets (group lines between them allowed)."""
    rows: list[FlatRow] = []
    pending: list[FlatRow] = []
    k, last = i, -1
    while k < len(lines):
        if not stripped[k]:
            k += 1
            continue
        if k + 2 < len(lines) and _is_label_cell(stripped[k]) and stripped[k + 1] in CELL_UNITS and \
                is_value_cell(stripped[k + 2]):
            rows.extend(pending)
            pending = []
            cells = [_cell(text, lines[k + m]) for m in range(3)]
            rows.append(FlatRow(cells, cells[0].start, cells[-1].end))
            last = k + 2
            k += 3
        elif rows and _is_group_line(stripped[k]) and not (k + 1 < len(lines) and stripped[k + 1] in CELL_UNITS):
            pending.append(FlatRow([_cell(text, lines[k])], lines[k].start, lines[k].end))
            k += 1
        else:
            break
    return (last, rows) if len([r for r in rows if len(r.cells) == 3]) >= 2 else None


CELLS_HEADER_RE = re.compile(r"指标|项目|名称")
PLACEHOLDER_CELLS = ("-", "—", "--", "——", "/", "无")
SCORE_COLUMN_RE = re.compile(r"分值|得分|权重|分数")


def _is_column_header(line: str) -> bool:
    """A short line naming a column ("目标值", "实际完成值", "2023年"): no figure, no sentence."""
    return 0 < len(line) <= 16 and _is_label_cell(line) and not VALUE_CELL_RE.match(line) and \
        not re.search(r"[。;；,，:：]", line)


def _read_cells(text: str, lines: list[Span], stripped: list[str], i: int) -> tuple[int, list[FlatRow]] | None:
    """A table flattened one cell per line (no separators): a header line naming what the rows are
    (指标名称, 项目, 一级指标), the other column names, then rows of label lines and one figure line per
    value column: "指标名称 / 目标值 / 实际完成值 / 参保率 / ≥95% / 96.2%", or with several label columns whose
    cells a row repeats only when they change ("一级指标 / 二级指标 / 三级指标 / 指标值 / 实际完成值 / 产出指标 /
    数量指标 / 参保人数 / ≥43000人 / 43230人 / 参保率 / ≥95% / 96.2%"). The value columns are the first row's
    figures; the label columns what the header holds besides them. Score columns (分值, 得分) are left out."""
    if not _is_group_line(stripped[i]) or not CELLS_HEADER_RE.search(stripped[i]):
        return None

    def non_blank(start: int, count: int) -> list[int]:
        found: list[int] = []
        k = start
        while k < len(lines) and len(found) < count:
            if stripped[k]:
                found.append(k)
            k += 1
        return found

    def figure(k: int) -> bool:  # a figure, an empty mark or a unit column's cell
        return is_value_cell(stripped[k]) or stripped[k] in PLACEHOLDER_CELLS or stripped[k] in CELL_UNITS

    head = non_blank(i, 24)  # the header and the first row: a look at a few lines only
    first = next((n for n, k in enumerate(head) if figure(k)), None)
    if first is None:
        return None
    run = next((n for n in range(first, len(head)) if not figure(head[n])), len(head)) - first
    # the first row names all its label cells (k of them), or only its own label
    shapes = [(first - run) // 2] if (first - run) % 2 == 0 else []
    shapes += [first - run - 1]
    labels = next((k for k in shapes if 1 <= k <= 4 and k + run <= 10 and
                   all(_is_column_header(stripped[j]) for j in head[1:k + run])), None)
    if labels is None:
        return None
    width = labels + run  # header cells
    header = head[:width]
    kept = [n for n in range(width) if n < labels or not SCORE_COLUMN_RE.search(stripped[header[n]])]
    filled = non_blank(i, 4000)  # blank lines between cells skipped
    rows = [FlatRow([_cell(text, lines[header[n]]) for n in kept], lines[i].start, lines[header[-1]].end)]
    n, last = width, -1
    while n < len(filled):
        names: list[int] = []
        while n < len(filled) and len(names) < labels and not figure(filled[n]):
            names.append(filled[n])
            n += 1
        values = filled[n:n + run]
        if not names or len(values) < run or not all(figure(k) for k in values) or \
                not any(is_value_cell(stripped[k]) for k in values) or \
                (n + run < len(filled) and figure(filled[n + run])) or \
                not all(_is_label_cell(stripped[k]) and len(stripped[k]) <= 40 for k in names):
            break
        for k in names[:-1]:  # the group cells a row repeats when they change ("产出指标", "数量指标")
            rows.append(FlatRow([_cell(text, lines[k])], lines[k].start, lines[k].end))
        cells = [_cell(text, lines[names[-1]])] + [_cell(text, lines[values[m]]) for m in range(run)
                                                  if labels + m in kept]
        rows.append(FlatRow(cells, cells[0].start, cells[-1].end))
        last = values[-1]
        n += run
    return (last, rows) if last >= 0 else None


def _read_spaced(text: str, lines: list[Span], stripped: list[str], i: int) -> tuple[int, list[FlatRow]] | None:
    """Two or more lines of cells separated by runs of spaces or tabs, each a label and figures."""
    rows: list[FlatRow] = []
    k = i
    while k < len(lines) and stripped[k] and "|" not in stripped[k]:
        span = _strip(text, lines[k])
        cells = [c for c in _split_cells(text, span.start, span.end, CELL_GAP_RE) if c.text]
        if len(cells) < 2 or len(stripped[k]) > 200:
            break
        if not rows and not (_is_label_cell(cells[0].text) and all(is_value_cell(c.text) for c in cells[1:])):
            if k == i and all(not is_value_cell(c.text) for c in cells):  # a header row
                rows.append(FlatRow(cells, span.start, span.end))
                k += 1
                continue
            break
        rows.append(FlatRow(cells, span.start, span.end))
        k += 1
    data = [r for r in rows if any(is_value_cell(c.text) for c in r.cells)]
    return (k - 1, rows) if len(data) >= 2 else None
