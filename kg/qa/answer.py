"""The answer to a question: its rows, labelled and shaped in the question's language, and the errors
that say why a question cannot be answered."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from yibao.graph import namespaces as ns
from yibao.qa.context import local
from yibao.qa.lexicon import FUND_SHORT_EN, FUND_SHORT_ZH, ROLE_LABELS, STATUS_LABELS, UNIT_SUFFIX_ZH

KIND_LABELS = {"Problem": ("问题", "problem"), "Recommendation": ("建议", "recommendation"),
               "Measure": ("措施", "measure")}

if TYPE_CHECKING:
    from yibao.graph.vocab import Vocabulary

EXAMPLES = {
    "zh": (
        "哪些地区基金可支付月数低于6个月？",
        "累计结余超过20亿元的地区有哪些？",
        "株洲2022年职工医保统筹基金累计结余是多少？",
        "株洲各区县居民医保累计结余排名",
        "株洲历年职工医保参保人数",
        "哪些地区当期结余为负？",
        "哪些基金预算执行率不在95%到105%之间？",
        "青岛哪些区财政补助资金未足额到位？",
        "哪些地区实施了DRG付费？",
        "株洲牵头的集采联盟有哪些成员，节约了多少？",
        "各地门诊共济的起付线和报销比例",
        "株洲统筹基金累计结余28.03亿元出自哪份报告？",
    ),
    "en": (
        "Which regions have less than 6 months of cover?",
        "Which regions have a cumulative balance above 2 billion yuan?",
        "What was Zhuzhou's employee pooled fund cumulative balance in 2022?",
        "Rank Zhuzhou's counties by resident fund cumulative balance",
        "Zhuzhou employee enrollment over the years",
        "Which funds ran a deficit?",
        "Which budget execution rates are outside 95%-105%?",
        "Where have fiscal subsidies not fully arrived?",
        "Which regions have adopted DRG payment?",
        "Who are the members of the procurement alliance led by Zhuzhou and what did they save?",
        "What are the outpatient mutual aid deductibles and payment rates?",
        "Where does the Zhuzhou pooled fund cumulative balance of 2.803 billion come from?",
    ),
}


class QAError(Exception):
    """A question that cannot be answered, with a message in the question's language.

    kind: no_template | unknown_region | unknown_indicator | ambiguous | unit | missing | empty
    """

    def __init__(self, kind: str, message: str, lang: str = "en", examples: bool = False) -> None:
        super().__init__(message)
        self.kind, self.message, self.lang, self.examples = kind, message, lang, examples

    @property
    def exit_code(self) -> int:
        return 1 if self.kind == "empty" else 2


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


HEADINGS = {
    "kind": ("类型", "Kind"), "category": ("类别", "Category"), "label": ("内容", "Finding"),
    "rank": ("排名", "Rank"), "region": ("地区", "Region"), "year": ("年份", "Year"), "fund": ("基金", "Fund"),
    "indicator": ("指标", "Indicator"), "basis": ("口径", "Basis"), "qualifier": ("适用对象", "Applies to"),
    "display": ("数值", "Value"), "due": ("应到位", "Due"), "received": ("实际到位", "Received"),
    "report": ("报告", "Report"), "quote": ("原文", "Quote"), "policy_label": ("政策", "Policy"),
    "policy_type": ("类型", "Type"), "role": ("角色", "Role"), "status": ("状态", "Status"),
    "start_year": ("起始年份", "Since"), "alliance": ("联盟", "Alliance"), "lead": ("牵头地区", "Lead"),
    "scope": ("范围", "Scope"), "title": ("报告标题", "Report title"), "offsets": ("位置", "Offsets"),
}


TABLE_COLUMNS = {
    "threshold": ("region", "year", "fund", "indicator", "basis", "display", "report", "quote"),
    "value": ("region", "year", "fund", "indicator", "basis", "display", "report", "quote"),
    "ranking": ("rank", "region", "year", "fund", "indicator", "basis", "display", "report", "quote"),
    "series": ("region", "year", "fund", "indicator", "basis", "display", "report", "quote"),
    "deficits": ("region", "year", "fund", "indicator", "basis", "display", "report", "quote"),
    "budget_execution": ("region", "year", "fund", "indicator", "basis", "display", "report", "quote"),
    "subsidy_arrival": ("region", "year", "fund", "basis", "display", "due", "received", "report", "quote"),
    "findings": ("region", "year", "kind", "category", "label", "report", "quote"),
    "policy_adopters": ("region", "policy_label", "policy_type", "role", "status", "start_year", "year", "report",
                        "quote"),
    "alliance": ("alliance", "region", "role", "indicator", "qualifier", "display", "report", "quote"),
    "mutual_aid": ("region", "year", "policy_label", "fund", "indicator", "qualifier", "display", "report", "quote"),
    "provenance": ("region", "year", "fund", "indicator", "basis", "display", "report", "title", "offsets", "quote"),
}


ROW_KEYS = ("region_code", "region", "year", "fund", "indicator", "basis", "statistic", "value", "unit", "display",
            "report", "quote", "start", "end", "derived", "policy", "qualifier")


EXTRA_KEYS = {
    "findings": ("kind", "category", "label"),
    "ranking": ("rank",),
    "budget_execution": ("derived_from",),
    "subsidy_arrival": ("due", "received", "derived_from"),
    "policy_adopters": ("policy_label", "policy_type", "role", "status", "start_year", "start_date", "scope",
                        "renamed_to"),
    "alliance": ("policy_label", "role", "lead", "status", "start_year", "scope", "renamed_to", "policy_quote"),
    "mutual_aid": ("policy_label", "status", "start_year"),
    "provenance": ("title", "source_file", "sha256", "publisher", "issued", "graph", "observation"),
}


@dataclass
class Answer:
    question: str
    lang: str
    template: str
    parameters: dict[str, Any]
    sparql: str
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    description: str = ""
    vocab: Any = None

    def to_json(self) -> dict[str, Any]:
        return {"question": self.question, "template": self.template, "parameters": self.parameters,
                "sparql": self.sparql, "rows": self.rows, "notes": list(self.notes)}

    @property
    def columns(self) -> tuple[str, ...]:
        """The template's columns; "applies to" after the basis when a row holds a qualifier (一档/二档)."""
        columns = TABLE_COLUMNS[self.template]
        if "qualifier" not in columns and "basis" in columns and any(r.get("qualifier") for r in self.rows):
            at = columns.index("basis") + 1
            columns = (*columns[:at], "qualifier", *columns[at:])
        return columns

    def heading(self, column: str) -> str:
        zh, en = HEADINGS[column]
        return zh if self.lang == "zh" else en

    @property
    def keys(self) -> tuple[str, ...]:
        return ROW_KEYS + EXTRA_KEYS.get(self.template, ()) + ("other_quotes",)


def concept_label(vocab: Vocabulary, scheme: str, ident: str | None, lang: str) -> str:
    if ident is None:
        return ""
    if scheme == "fund":
        short = (FUND_SHORT_ZH if lang == "zh" else FUND_SHORT_EN).get(ident)
        if short:
            return short
    concept = vocab[scheme].get(ident)
    if concept is None:
        return ident
    if lang == "en":
        return concept.label_en or concept.label_zh or ident
    return concept.label_zh or concept.label_en or ident


def _number(value: Any) -> Any:
    """A Decimal as a JSON number (int when whole)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    return value


def _plain(value: Any) -> str | None:
    if value is None:
        return None
    from yibao.ingest.quantities import plain

    return plain(Decimal(value))


class Shaper:
    """Raw solutions → answer rows in the question's language."""

    def __init__(self, vocab: Vocabulary, lang: str) -> None:
        self.vocab, self.lang = vocab, lang

    def display(self, value: Any, unit: str | None) -> str:
        from yibao.display import display

        if value is None:
            return ""
        if unit is None:
            return _plain(value) or ""
        text = display(value, unit, self.lang)
        if self.lang == "zh" and unit in UNIT_SUFFIX_ZH and text.endswith(unit):
            text = text[: -len(unit)] + UNIT_SUFFIX_ZH[unit]
        return text

    def fact(self, s: dict[str, Any], template: str) -> dict[str, Any]:
        region = local(s.get("region"))
        unit = local(s.get("unit"))
        derived = bool(s.get("derived"))
        row: dict[str, Any] = {
            "region_code": region,
            "region": concept_label(self.vocab, "region", region, self.lang),
            "year": s.get("year") if s.get("year") is not None else s.get("reportYear"),
            "fund": local(s.get("fund")),
            "indicator": local(s.get("indicator")),
            "basis": local(s.get("basis")),
            "statistic": local(s.get("statistic")),
            "value": _number(s.get("value")),
            "unit": unit,
            "display": self.display(s.get("value"), unit),
            "report": local(s.get("report")),
            "quote": s.get("quote"),
            "start": s.get("start"),
            "end": s.get("end"),
            "derived": derived,
            "policy": local_policy(s.get("policy")),
            "qualifier": local(s.get("qualifier") or s.get("obsQualifier")),
            "_period": local(s.get("period")),
        }
        if derived:
            parts = [(s.get("numIndicator"), "actual", s.get("numValue"), s.get("numQuote"), s.get("numStart"),
                      s.get("numEnd")),
                     (s.get("denIndicator") or s.get("numIndicator"), local(s.get("denBasis")) or "actual",
                      s.get("denValue"), s.get("denQuote"), s.get("denStart"), s.get("denEnd"))]
            row["derived_from"] = [
                {"indicator": local(ind), "basis": basis, "value": _number(value), "quote": quote, "start": start,
                 "end": end} for ind, basis, value, quote, start, end in parts]
            sep = " ÷ "
            row["quote"] = sep.join(" ".join(str(p[3]).split()) for p in parts)
        elif template in ("budget_execution", "subsidy_arrival"):
            row["derived_from"] = []
        if template == "subsidy_arrival":
            row["due"] = _number(s.get("denValue"))
            row["received"] = _number(s.get("numValue"))
        if template == "mutual_aid":
            row.update(policy=local_policy(s.get("policy")), policy_label=s.get("policyLabel"),
                       status=local(s.get("status")), start_year=s.get("startYear"))
            if s.get("value") is None:  # a scheme the report names without figures
                row["display"] = self.status_label(row["status"], row["start_year"])
        if template == "provenance":
            row.update(title=s.get("title"), source_file=s.get("sourceFile"), sha256=s.get("sha256"),
                       publisher=s.get("publisher"), issued=s.get("issued"), graph=s.get("graph"),
                       observation=s.get("obs"))
        return row

    def policy(self, s: dict[str, Any], template: str) -> dict[str, Any]:
        region = local(s.get("region"))
        status = local(s.get("status"))
        has_figure = s.get("obs") is not None and template == "alliance"
        row: dict[str, Any] = {
            "region_code": region,
            "region": concept_label(self.vocab, "region", region, self.lang),
            "year": s.get("year") if has_figure or template != "alliance" else s.get("reportYear"),
            "fund": local(s.get("fund")) if has_figure else None,
            "indicator": local(s.get("indicator")) if has_figure else None,
            "basis": local(s.get("basis")) if has_figure else None,
            "statistic": local(s.get("statistic")) if has_figure else None,
            "value": _number(s.get("value")) if has_figure else None,
            "unit": local(s.get("unit")) if has_figure else None,
            "display": self.display(s.get("value"), local(s.get("unit"))) if has_figure else
            self.status_label(status, s.get("startYear")),
            "report": local(s.get("report")),
            "quote": s.get("quote") if (has_figure or template == "policy_adopters") else s.get("policyQuote"),
            "start": s.get("start") if (has_figure or template == "policy_adopters") else s.get("policyStart"),
            "end": s.get("end") if (has_figure or template == "policy_adopters") else s.get("policyEnd"),
            "derived": False,
            "policy": local_policy(s.get("policy")),
            "qualifier": local(s.get("qualifier")) if has_figure else None,
            "policy_label": s.get("policyLabel"),
            "role": s.get("role"),
            "status": status,
            "start_year": s.get("startYear"),
            "scope": s.get("scope"),
            "renamed_to": local_policy(s.get("renamedTo")),
            "_period": local(s.get("period")),
        }
        if template == "policy_adopters":
            row.update(policy_type=local(s.get("policyType")), start_date=s.get("startDate"))
        if template == "alliance":
            row.update(lead=local(s.get("leadRegion")), policy_quote=s.get("policyQuote"))
        return row

    def finding(self, s: dict[str, Any], template: str) -> dict[str, Any]:
        """A problem, recommendation or measure a report states."""
        region = local(s.get("region"))
        return {
            "region_code": region, "region": concept_label(self.vocab, "region", region, self.lang),
            "year": s.get("year"), "fund": None, "indicator": None, "basis": None, "statistic": None,
            "value": None, "unit": None, "display": "", "report": local(s.get("report")),
            "quote": s.get("quote"), "start": s.get("start"), "end": s.get("end"), "derived": False,
            "policy": None, "qualifier": None, "kind": s.get("kindName"),
            "category": local(s.get("findingCategory")), "label": s.get("label"), "_period": None,
        }

    def status_label(self, status: str | None, start_year: Any) -> str:
        label = STATUS_LABELS.get(status or "", ("", ""))[0 if self.lang == "zh" else 1]
        if start_year:
            since = f"{start_year}年起" if self.lang == "zh" else f"since {start_year}"
            return f"{label}（{since}）" if label and self.lang == "zh" else f"{label} ({since})" if label else since
        return label


def local_policy(iri: str | None) -> str | None:
    """A policy IRI as "<report-id>/policy/<id>"."""
    if iri is None:
        return None
    return iri[len(ns.REPORT):] if iri.startswith(ns.REPORT) else iri


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def examples(lang: str) -> tuple[str, ...]:
    return EXAMPLES["zh" if lang == "zh" else "en"]


def cell(answer: Answer, row: dict[str, Any], column: str) -> str:
    """The text of one table cell, in the answer's language."""
    vocab = answer.vocab
    lang = answer.lang
    if column == "region":
        return row["region"] or ""
    if column in ("fund", "indicator", "basis", "qualifier"):
        return concept_label(vocab, column, row.get(column), lang)
    if column == "policy_type":
        return concept_label(vocab, "policy", row.get("policy_type"), lang)
    if column == "quote":
        return " ".join(str(row.get("quote") or "").split())
    if column == "role":
        return ROLE_LABELS.get(row.get("role") or "", ("", ""))[0 if lang == "zh" else 1]
    if column == "status":
        return STATUS_LABELS.get(row.get("status") or "", ("", ""))[0 if lang == "zh" else 1]
    if column == "kind":
        return KIND_LABELS.get(row.get("kind") or "", ("", ""))[0 if lang == "zh" else 1]
    if column == "category":
        return concept_label(vocab, "finding-category", row.get("category"), lang)
    if column == "alliance":
        return row.get("policy_label") or ""
    if column == "lead":
        return concept_label(vocab, "region", row.get("lead"), lang)
    if column in ("due", "received"):
        return Shaper(vocab, lang).display(row.get(column), "yuan") if row.get(column) is not None else ""
    if column == "offsets":
        return f"{row['start']}–{row['end']}" if row.get("start") is not None else ""
    value = row.get(column)
    return "" if value is None else str(value)

