"""Report metadata from anywhere in the document: title, region, year, period, type, issuer, date, default fund.

Where each is read (all on the normalised text):

- **Title**: the segmenter's title when it looks like one (a report word such as 情况/公告/报告/快报/
  指标/公开, or a year), else the first short line among the first ones that has a report word —
  web pages open with navigation (``首页 > …``), banners and metadata rows, which are skipped.
- **Region** — the *subject* of the report, in this order:
  1. the title;
  2. issuer and source fields (``来源:``, ``发布机构``, ``发文机关``, ``信息来源``, ``供稿`` …; a media
     outlet such as ``…日报``/``…网`` is not an issuer) and issuer-shaped names (``…医疗保障局``)
     in the opening lines, the signature at the end, and table titles;
  3. a national report: national wordings (``全国``, ``国家医保局``, ``全口径`` …) and no local
     deictic (``我县``, ``全市`` …) outnumbering them → the country (100000);
  4. the place the body names most often (ties: the more specific, then the earlier).
  News datelines (``本报北京3月8日电``, ``新华社…电``, ``(记者 …)``, ``…网讯``) and titles cited in
  ``《…》`` are blanked first: they name where a story was filed or another document, not the subject.
  A document that names no place keeps ``region=None``.
- **Year**: the title's year, else a year in the lines just after it (``(2024年度)``), else the
  year the body names most often, full dates (publication and signature dates) excluded unless
  they are a ``截至…`` data date — so the data year wins over the publication year.
- **Period** (``yibao.model`` conventions): from the title, else the opening: 一季度/第一季度 →
  ``YYYY-Q1``; 上半年/1-6月 → ``YYYY-H1``; 下半年 → ``YYYY-H2``; 1-3月 → ``YYYY-Q1``; 1-N月 →
  ``YYYY-MM``; 1-12月 → the year; 截至YYYY年M月D日/底/末 → ``YYYY-MM`` (12月 → the year; a title's
  ``N月份`` too). A title
  quarter over figures that run from January to the quarter's end (``截至12月31日`` under a 第四季度
  title, ``1-6月`` under 第二季度) is that year-to-date period: Q2 → H1, Q3 → ``YYYY-09``, Q4 → the year.
  ``None`` means the calendar year.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from yibao.ingest.lexicon import Lexicon
from yibao.ingest.segment import Document

TITLE_YEAR_RE = re.compile(r"((?:19|20)\d\d)\s*年")
DATE_RE = re.compile(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
ISSUER_RE = re.compile(r"[\u4e00-\u9fff]{2,30}(?:医疗保障局|医疗保障事务中心|医疗保障事业中心|医疗保障服务中心|医保局|"
                       r"医保中心|医疗保险事业管理局|医疗保险管理中心|社会保险事业管理局|社会保险事业管理中心|"
                       r"财政局|财政厅|人民政府|卫生健康委员会|卫生健康局|人力资源和社会保障局)")

# --- where a title is ----------------------------------------------------------------------------
REPORT_WORDS_RE = re.compile(r"情况|报告|公告|公示|快报|公报|指标|公开|自评|通报|决算|预算|统计|简报|分析|说明|"
                             r"收支|绩效|汇总表|明细表|一览表|情况表")
NOT_TITLE_RE = re.compile(r">|»|当前位置|现在的位置|首页|索\s*引\s*号|发布日期|发布时间|发文日期|来\s*源\s*:|"
                          r"浏览|字体|分享|打印|登录|注册|无障碍|收藏|网站地图|扫一扫")
ENUMERATED_RE = re.compile(r"(?:[一二三四五六七八九十]+[、.]|\(?[一二三四五六七八九十\d]{1,2}[)、.])")  # headings
MAX_TITLE_LINES = 40
MAX_TITLE_LENGTH = 60

# --- what is not the subject: datelines, reporter credits, cited titles ---------------------------
DATELINE_RE = re.compile(
    r"[^\s。;,!?]{0,16}?\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:电|讯)"  # 本报北京3月8日电, 新华社北京…电, 中新网西宁2月8日电
    r"|[^\s。;,!?:]{0,16}?(?:网|台|社|报|频道|客户端)(?:讯|消息)"  # 中国食品药品网讯, 国际在线广西频道消息
    r"|\(\s*(?:记者|通讯员|实习生|特约记者)[^()]{0,40}\)"  # (记者 李红梅)
)
DATELINE_MARKERS = ("电", "讯", "消息", "记者", "通讯员", "实习生")  # one of them is in every DATELINE_RE match
REPORTER_AFTER_DATELINE_RE = re.compile(r"\s*\([^()]{1,12}\)")  # 电 (孙睿)
CITED_TITLE_RE = re.compile(r"《[^《》\n]{1,80}》|<[^<>\n]{1,80}>")

# --- the subject fields ---------------------------------------------------------------------------
SOURCE_FIELD_RE = re.compile(
    r"(?:信息来源|来源|发布机构|发布单位|发文机构|发文机关|发文单位|发布部门|供稿单位|供稿|主办单位|主管单位|栏目|"
    r"公开主体|责任部门)\s*[:|]?\s*\|?\s*([^\s|:]{2,40})")
MEDIA_RE = re.compile(r"(?:报|网|台|社|频道|客户端|新闻|杂志|APP|app|原创)$")

# --- national reports -----------------------------------------------------------------------------
# the country as the subject: 全口径 totals, figures a national agency published or provided
NATIONAL_RE = re.compile(r"全口径|(?:国家医保局|国家医疗保障局|国家统计局)[^。,;]{0,8}?(?:发布|公布|提供|数据|统计|获悉|显示)|"
                         r"(?:从|据)(?:国家医保局|国家医疗保障局)")
NATIONAL_OPENING_CHARS = 1500
LOCAL_DEICTIC_RE = re.compile(r"(?:我|全|本)(?:县|市|区|州|盟|旗|省)")
COUNTRY = "100000"
REGION_RANKS = {"country": 0, "province": 1, "prefecture": 2, "county": 3, "pooling_area": 4}

# --- periods --------------------------------------------------------------------------------------
QUARTER_RE = re.compile(r"(?:第)?([一二三四1-4])\s*季度")
HALF_RE = re.compile(r"([上下])半年")
YTD_RE = re.compile(r"(?<!\d)1\s*[-—~至到]\s*(\d{1,2})\s*月")
MONTH_RE = re.compile(r"年\s*(\d{1,2})\s*月(?:份)?")
AS_OF_RE = re.compile(r"截[至止]\s*(?:((?:19|20)\d\d)\s*年)?\s*(\d{1,2})\s*月\s*(?:(\d{1,2})\s*日|底|末)")
YEAR_END_RE = re.compile(r"截[至止]\s*(?:(?:19|20)\d\d\s*年)?\s*(?:年底|年末|12\s*月\s*(?:31\s*日|底|末))")
OPENING_CHARS = 400


@dataclass
class Metadata:
    title: str
    region: str | None
    year: int | None
    report_type: str
    issuer: str | None
    date: str | None
    default_fund: str | None
    period: str | None = None  # "2023-Q1", "2023-H1" or "2023-06" for a sub-annual report, else None


def _report_type(lexicon: Lexicon, title: str) -> str:
    """The report-type concept whose label occurs in the title (longest label wins)."""
    best: tuple[int, str] = (0, "other")
    for concept in lexicon.vocab["report-type"].values():
        for label in concept.labels_zh:
            if label and label in title and len(label) > best[0]:
                best = (len(label), concept.id)
    return best[1]


# ---------------------------------------------------------------------------------------------- title

def _lines(norm: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line of ``norm[start:end]``, stripped."""
    out = []
    for m in re.finditer(r"[^\n]+", norm[start:end] if end is not None else norm[start:]):
        text = m.group()
        s, e = start + m.start() + len(text) - len(text.lstrip()), start + m.end() - (len(text) - len(text.rstrip()))
        if e > s:
            out.append((s, e))
    return out


def _title_like(text: str) -> bool:
    return bool(REPORT_WORDS_RE.search(text)) and not NOT_TITLE_RE.search(text)


def _title_span(doc: Document, norm: str) -> tuple[int, int] | None:
    """The title: the segmenter's if it looks like one (up to its first line with a report word),
    else the best short line among the first ones (a report word and a year beat a report word)."""
    if doc.title is not None:
        lines = _lines(norm, doc.title.start, doc.title.end)
        if lines and not any(NOT_TITLE_RE.search(norm[s:e]) for s, e in lines):
            for i, (_, e) in enumerate(lines):
                if REPORT_WORDS_RE.search(norm[lines[i][0]:e]):
                    return lines[0][0], e
    best: tuple[int, int, int] | None = None  # (score, -start, end)
    for s, e in _lines(norm)[:MAX_TITLE_LINES]:
        text = norm[s:e]
        compact = re.sub(r"[\s|]+", "", text)
        if not 6 <= len(compact) <= MAX_TITLE_LENGTH or compact.endswith(("。", ":", ";", ",")) \
                or ENUMERATED_RE.match(compact) or re.search(r"[,;。]", compact):  # a sentence, not a title
            continue
        if not _title_like(text):
            continue
        score = 2 if TITLE_YEAR_RE.search(text) else 1
        if best is None or (score, -s) > best[:2]:
            best = (score, -s, e)
    return (-best[1], best[2]) if best else None


# --------------------------------------------------------------------------------------------- region

def datelines(text: str) -> Iterator[re.Match[str]]:
    """``DATELINE_RE``'s matches in ``text``; none searched for in a text without one of its marker words
    (the pattern tries up to 16 characters ahead at every position: most of the time of a report's
    dateline search is spent on texts that hold none)."""
    if any(marker in text for marker in DATELINE_MARKERS):
        yield from DATELINE_RE.finditer(text)


def blank_non_subject(norm: str) -> str:
    """``norm`` with datelines, reporter credits and cited titles blanked (same length)."""
    spans: list[tuple[int, int]] = []
    for m in datelines(norm):
        spans.append(m.span())
        after = REPORTER_AFTER_DATELINE_RE.match(norm, m.end())
        if after and m.group().rstrip().endswith(("电", "讯")):
            spans.append(after.span())
    spans += (m.span() for m in CITED_TITLE_RE.finditer(norm))
    if not spans:
        return norm
    parts, at = [], 0  # the text between the blanked spans (overlapping spans blank their union)
    for s, e in sorted(spans):
        if e <= at:
            continue
        s = max(s, at)
        parts += [norm[at:s], " " * (e - s)]
        at = e
    parts.append(norm[at:])
    return "".join(parts)


def _region_mentions(lexicon: Lexicon, text: str, offset: int = 0, country: bool = True) -> list[tuple[str, int]]:
    """(region id, start) of each unambiguous region named in ``text``."""
    out = []
    for m in lexicon.find(text, "region", offset):
        if len(m.ids) != 1:
            continue
        concept = lexicon.vocab.regions[m.ids[0]]
        level = concept.level or "county"
        if not m.preferred and level == "county" and len(m.surface) < 3:
            continue
        if not country and level == "country":
            continue
        out.append((m.ids[0], m.start))
    return out


def _most_specific(lexicon: Lexicon, mentions: list[tuple[str, int]]) -> str | None:
    """The most specific region of ``mentions`` (ties: the earliest)."""
    best: tuple[int, int, str] | None = None
    for rid, start in mentions:
        rank = REGION_RANKS.get(lexicon.vocab.regions[rid].level or "county", 3)
        key = (rank, -start, rid)
        if best is None or key > best:
            best = key
    return best[2] if best else None


def _region(lexicon: Lexicon, text: str) -> str | None:
    """The most specific region named in the text (official names or unique short names)."""
    return _most_specific(lexicon, _region_mentions(lexicon, text))


def _subject_fields(doc: Document, clean: str) -> list[tuple[int, int]]:
    """Spans naming who issued the report: source/issuer fields, issuer names in the opening
    lines and the signature, table titles."""
    spans = []
    for m in SOURCE_FIELD_RE.finditer(clean):
        value = m.group(1)
        if not MEDIA_RE.search(value):
            spans.append((m.start(1), m.end(1)))
    lines = _lines(clean)
    for s, e in lines[:15] + lines[-8:]:
        for m in ISSUER_RE.finditer(clean, s, e):
            spans.append((m.start(), m.end()))
    for table in doc.tables:
        for span in table.caption:
            if REPORT_WORDS_RE.search(clean[span.start:span.end]) or clean[span.start:span.end].rstrip().endswith("表"):
                spans.append((span.start, span.end))
    return spans


def _body_region(lexicon: Lexicon, clean: str) -> tuple[str | None, int]:
    """The place the text names most often (ties: more specific, then earlier) and how often."""
    counts: dict[str, list[int]] = {}
    for rid, start in _region_mentions(lexicon, clean, country=False):
        counts.setdefault(rid, []).append(start)
    if not counts:
        return None, 0
    ranks = REGION_RANKS

    def key(rid: str) -> tuple[int, int, int]:
        return (len(counts[rid]), ranks.get(lexicon.vocab.regions[rid].level or "county", 3), -counts[rid][0])

    best = max(sorted(counts), key=key)
    return best, len(counts[best])


def _national_score(lexicon: Lexicon, clean: str) -> int:
    """How often the text speaks of the whole country (全国, 全口径, figures 国家医保局 published …)
    minus how often of "our county / the whole city" (我县, 全市 …); 0 unless the opening does."""
    marks = [start for rid, start in _region_mentions(lexicon, clean) if lexicon.vocab.regions[rid].level == "country"]
    marks += [m.start() for m in NATIONAL_RE.finditer(clean)]
    if not any(start < NATIONAL_OPENING_CHARS for start in marks):
        return 0
    return len(marks) - len(LOCAL_DEICTIC_RE.findall(clean))


def read_region(lexicon: Lexicon, doc: Document, norm: str, title: tuple[int, int] | None) -> str | None:
    """The region the report is about (see the module docstring), or None."""
    clean = blank_non_subject(norm)
    if title is not None:
        found = _region(lexicon, clean[title[0]:title[1]])
        if found:
            return found
    mentions = []
    for s, e in _subject_fields(doc, clean):
        mentions += _region_mentions(lexicon, clean[s:e], s, country=False)
    found = _most_specific(lexicon, mentions)
    if found:
        return found
    body, count = _body_region(lexicon, clean)
    national = _national_score(lexicon, clean)
    if national > 0 and national >= count:
        return COUNTRY
    return body


def _refine_pool(lexicon: Lexicon, region: str | None, title: str) -> str | None:
    """A pooling area named in the title under its prefecture (株洲市本级 → 430200_municipal)."""
    for concept in lexicon.vocab.regions.values():
        if region and concept.level == "pooling_area" and concept.broader == region and \
                any(label in title for label in concept.labels_zh):
            return concept.id
    return region


# ----------------------------------------------------------------------------------------------- year

def _signature(norm: str) -> tuple[str | None, str | None]:
    """Date and issuer of the signature: the last line that is (issuer and) a full date."""
    lines = norm.splitlines()
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i].strip()
        m = DATE_RE.search(line)
        if not m or len(re.sub(r"\s", "", line)) - len(m.group()) > 40 or line.endswith("。"):
            continue
        y, mo, d = m.groups()
        date = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
        candidates = ISSUER_RE.findall(line) or (ISSUER_RE.findall(lines[i - 1].strip()) if i else [])
        return date, (candidates[-1] if candidates else None)
    return None, None


def _body_year(norm: str) -> int | None:
    """The year the text names most often; full dates count only as 截至 data dates."""
    years: list[int] = []
    dates = {m.start(): m for m in DATE_RE.finditer(norm)}
    for m in TITLE_YEAR_RE.finditer(norm):
        date = dates.get(m.start())
        if date is not None and not re.search(r"截[至止]\s*$", norm[max(0, m.start() - 4):m.start()]):
            continue
        years.append(int(m.group(1)))
    if not years:
        return None
    return max(sorted(set(years), reverse=True), key=years.count)


def read_year(norm: str, title: tuple[int, int] | None) -> int | None:
    if title is not None:
        years = TITLE_YEAR_RE.findall(norm[title[0]:title[1]])
        if years:
            return int(years[0])
        after = _lines(norm, title[1])[:3]
        for s, e in after:
            m = TITLE_YEAR_RE.search(norm[s:e])
            if m and len(norm[s:e].strip(" |")) <= 20:  # "(2024年度)" under the title
                return int(m.group(1))
    return _body_year(norm[:6000])


# --------------------------------------------------------------------------------------------- period

def _month_period(year: int, month: int) -> str | None:
    """The period of figures from January through ``month``."""
    if not 1 <= month <= 12:
        return None
    return {3: f"{year}-Q1", 6: f"{year}-H1", 12: str(year)}.get(month, f"{year}-{month:02d}")


def _ytd_month(text: str) -> tuple[int, bool] | None:
    """The month through which figures run from January (1-6月, 截至6月30日), if written, and
    whether it was written as a range (1-6月, which names the half year) or a date (截至…)."""
    m = YTD_RE.search(text)
    if m:
        return int(m.group(1)), True
    m = AS_OF_RE.search(text)
    if m:
        return int(m.group(2)), False
    if YEAR_END_RE.search(text):
        return 12, False
    return None


def period_of(text: str, year: int | None, body: str = "", bare_month: bool = True) -> str | None:
    """The period ``text`` (a title or an opening) names; ``body`` can turn a quarter into year-to-date.

    Returns ``None`` for the calendar year (or when nothing is said).
    """
    if year is None:
        return None
    m = QUARTER_RE.search(text)
    if m:
        q = m.group(1)
        quarter = "一二三四".index(q) + 1 if q in "一二三四" else int(q)
        through = 3 * quarter
        if quarter > 1 and body and (re.search(rf"(?<!\d)1\s*[-—~至到]\s*{through}\s*月", body)
                                     or re.search(rf"截[至止]\s*(?:\d{{4}}\s*年)?\s*{through}\s*月", body)
                                     or (quarter == 2 and "上半年" in body)
                                     or (quarter == 4 and YEAR_END_RE.search(body))):
            period = _month_period(year, through)
            return None if period == str(year) else period
        return f"{year}-Q{quarter}"
    m = HALF_RE.search(text)
    if m:
        return f"{year}-H{1 if m.group(1) == '上' else 2}"
    if re.search(r"年度|全年", text) and not YTD_RE.search(text):
        return None
    ytd = _ytd_month(text)
    if ytd is None and bare_month:  # "2023年6月份" in a title: the month's report
        m = MONTH_RE.search(text)
        ytd = (int(m.group(1)), False) if m else None
    if ytd is None:
        return None
    month, as_range = ytd
    if not 1 <= month <= 12 or month == 12:
        return None
    return _month_period(year, month) if as_range else f"{year}-{month:02d}"


def read_period(norm: str, title: tuple[int, int] | None, year: int | None) -> str | None:
    body = norm[title[1]:] if title else norm
    if title is not None:
        text = norm[title[0]:title[1]]
        if QUARTER_RE.search(text) or HALF_RE.search(text) or YTD_RE.search(text) or MONTH_RE.search(text) \
                or AS_OF_RE.search(text) or re.search(r"年度|全年|(?:19|20)\d\d\s*年", text):
            return period_of(text, year, body)
    opening = body[:OPENING_CHARS]
    return period_of(opening, year, body, bare_month=False)


# ----------------------------------------------------------------------------------------------- all

def read_metadata(lexicon: Lexicon, doc: Document, norm: str, original: str) -> Metadata:
    span = _title_span(doc, norm)
    title_norm = norm[span[0]:span[1]] if span else ""
    title = re.sub(r"\s*\n\s*", "", original[span[0]:span[1]]).strip() if span else ""
    region = read_region(lexicon, doc, norm, span)
    region = _refine_pool(lexicon, region, title_norm)
    year = read_year(norm, span)
    date, issuer = _signature(norm)
    if issuer is None:
        for m in SOURCE_FIELD_RE.finditer(norm[:2000]):
            if ISSUER_RE.fullmatch(m.group(1)):
                issuer = m.group(1)
                break
    funds = lexicon.find(title_norm, "fund")
    default_fund = funds[-1].id if funds else None
    return Metadata(title, region, year, _report_type(lexicon, title_norm), issuer, date, default_fund,
                    read_period(norm, span, year))


# ------------------------------------------------------------------------------------------ overrides

PERIOD_RE = re.compile(r"((?:19|20)\d\d)(?:-(Q[1-4]|H[12]|0[1-9]|1[0-2]))?")


@dataclass(frozen=True)
class Overrides:
    """What the user states about a report (``yibao build --region/--year/--period`` or a manifest row):
    it replaces what was read from the text. ``region`` is a region code id (names are resolved
    before the build), ``period`` a period in the ``yibao.model`` form (``2023``, ``2023-Q1``,
    ``2023-H1``, ``2023-04``)."""

    region: str | None = None
    year: int | None = None
    period: str | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.region, self.year, self.period))

    def over(self, base: Overrides | None) -> Overrides:
        """These values, falling back to ``base``'s where unset (a manifest row over the command line)."""
        if base is None:
            return self
        return Overrides(self.region if self.region is not None else base.region,
                         self.year if self.year is not None else base.year,
                         self.period if self.period is not None else base.period)


def parse_period(period: str | None, year: int | None) -> tuple[int | None, str | None]:
    """Check a stated period (and year); returns (year, period-or-None-for-the-year). Raises ValueError."""
    if period is None or not str(period).strip():
        return year, None
    m = PERIOD_RE.fullmatch(str(period).strip())
    if not m:
        raise ValueError(f"period {period!r} is not YYYY, YYYY-Q1…Q4, YYYY-H1/H2 or YYYY-MM")
    p_year = int(m.group(1))
    if year is not None and year != p_year:
        raise ValueError(f"period {period!r} is not in year {year}")
    return p_year, (None if m.group(2) is None else f"{p_year}-{m.group(2)}")


def apply_overrides(meta: Metadata, overrides: Overrides | None, report_id: str) -> list[str]:
    """Replace ``meta``'s region, year and period by the stated ones; a warning for each the text contradicts."""
    warnings: list[str] = []
    if not overrides:
        return warnings
    if overrides.region is not None:
        if meta.region is not None and meta.region != overrides.region:
            warnings.append(f"{report_id}: the text names region {meta.region}, stated {overrides.region} is used")
        meta.region = overrides.region
    if overrides.year is not None:
        if meta.year is not None and meta.year != overrides.year:
            warnings.append(f"{report_id}: the text names year {meta.year}, stated {overrides.year} is used")
        if meta.period and meta.period[:4] != str(overrides.year):
            meta.period = f"{overrides.year}{meta.period[4:]}"  # "一季度" read, the year stated
        meta.year = overrides.year
    if overrides.period is not None:
        year, period = parse_period(overrides.period, overrides.year)
        text_period = meta.period or (str(meta.year) if meta.year else None)
        stated = period or str(year)
        if text_period is not None and text_period != stated:
            warnings.append(f"{report_id}: the text says period {text_period}, stated {stated} is used")
        meta.year, meta.period = year, period
    return warnings
