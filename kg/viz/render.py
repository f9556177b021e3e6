"""Drawing a selected graph with pyvis: colours and shapes by class, tooltips with key figures and
their sources, a legend, one self-contained UTF-8 HTML file that needs no network."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yibao.viz.graph import KEY_INDICATORS, KINDS, RELATIONS, Figure

if TYPE_CHECKING:
    import networkx as nx
    from yibao.graph.vocab import Vocabulary

# class → (colour, vis-network shape, legend symbol)
STYLE: dict[str, tuple[str, str, str]] = {
    "region": ("#4e79a7", "dot", "●"),
    "fund": ("#f28e2b", "diamond", "◆"),
    "policy": ("#59a14f", "square", "■"),
    "alliance": ("#e15759", "star", "★"),
    "report": ("#bab0ac", "box", "▭"),
    "measure": ("#76b7b2", "triangle", "▲"),
}
EDGE_COLOURS = {"part_of": "#9aa7b8", "member_of": "#e15759", "led_by": "#b8333a", "adopts": "#59a14f",
                "reported_by": "#c9c3bf", "takes_measure": "#76b7b2", "renamed_to": "#e15759"}
REGION_SIZE = {"country": 34, "province": 30, "prefecture": 22, "county": 14, "pooling_area": 12}
LEVEL_LABELS = {"country": "国家 country", "province": "省级 province", "prefecture": "地级 prefecture",
                "county": "县级 county", "pooling_area": "统筹区 pooling area"}
FONT = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
MAX_FIGURE_LINES = 10
KEY_FUNDS = ("resident", "employee", "employee_pooled", "all_basic")  # listed first in a region's figures
TEMPLATE = "page.html"


def options(nodes: int = 0, edges: int = 0) -> dict[str, Any]:
    """vis-network options: physics lays the graph out, then the page switches it off. Big graphs skip
    the Kamada-Kawai seeding (slow beyond ~150 nodes) and draw straight edges."""
    return {
        "layout": {"improvedLayout": nodes <= 150, "randomSeed": 7},
        "nodes": {"font": {"size": 16, "face": FONT, "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "borderWidth": 1},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
                  "font": {"size": 11, "face": FONT, "align": "middle", "color": "#444444", "strokeWidth": 3},
                  "smooth": {"enabled": edges <= 600, "type": "continuous"}, "color": {"inherit": False},
                  "selectionWidth": 2},
        "physics": {"enabled": True, "solver": "forceAtlas2Based",
                    "forceAtlas2Based": {"gravitationalConstant": -110, "centralGravity": 0.01,
                                         "springLength": 130, "springConstant": 0.05, "avoidOverlap": 0.8},
                    "stabilization": {"enabled": True, "iterations": 700, "updateInterval": 25, "fit": True},
                    "minVelocity": 0.75},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": True, "keyboard": False},
    }


def to_display_graph(h: nx.MultiDiGraph, vocab: Vocabulary) -> nx.MultiDiGraph:
    """A graph holding only what vis-network draws: label, title (tooltip text), colour, shape, size."""
    import networkx as nx

    out = nx.MultiDiGraph()
    for node, data in sorted(h.nodes(data=True), key=lambda item: _order(item[1])):
        kind = data["kind"]
        colour, shape, _ = STYLE[kind]
        attrs: dict[str, Any] = {
            "label": data["label"], "title": tooltip(data, h, node, vocab), "shape": shape,
            "color": {"background": colour, "border": "#333333" if data.get("answer") else colour,
                      "highlight": {"background": colour, "border": "#000000"}},
            "kind": kind, "label_en": data.get("label_en", ""),
            "borderWidth": 4 if data.get("answer") else 1,
        }
        if kind == "region":
            attrs["size"] = REGION_SIZE.get(data.get("level", ""), 14)
            attrs["code"] = data.get("code", "")
        elif kind == "report":
            attrs["size"] = 10
            attrs["font"] = {"size": 14}
        else:
            attrs["size"] = 16 if kind in ("policy", "measure") else 20
        out.add_node(node, **attrs)
    for a, b, key in sorted(h.edges(keys=True)):
        zh, en = RELATIONS[key]
        out.add_edge(a, b, key=key, id=f"{a}|{key}|{b}", label=zh, relation=key, title=f"{zh} {en}",
                     color=EDGE_COLOURS.get(key, "#999999"), weight=2 if key in ("member_of", "led_by") else 1,
                     dashes=key == "part_of")
    return out


def _order(data: dict[str, Any]) -> tuple:
    return (list(KINDS).index(data["kind"]), data.get("label", ""))


# --- tooltips ---------------------------------------------------------------------------------------

def tooltip(data: dict[str, Any], h: nx.MultiDiGraph, node: str, vocab: Vocabulary) -> str:
    """Plain text (vis-network shows it as text, never as HTML): names, key figures with units and
    their source report."""
    kind = data["kind"]
    zh, en = KINDS[kind]
    lines = [f"{data['label']} · {data.get('label_en') or ''}".rstrip(" ·"), f"{zh} {en}"]
    if kind == "region":
        lines[-1] += f" · {data.get('code', '')} · {LEVEL_LABELS.get(data.get('level', ''), data.get('level', ''))}"
        if data.get("answer_rows"):
            lines.append("回答 answer:")
            lines += [f"  {_answer_line(row, vocab)}" for row in data["answer_rows"][:MAX_FIGURE_LINES]]
            lines += _more(len(data["answer_rows"]) - MAX_FIGURE_LINES, None)
        else:
            lines += _figure_block(data["shown"], vocab, f"yibao facts --region {data.get('code', '')}")
    elif kind == "fund":
        regions = sorted({f.region for f in data["shown"] if f.region})
        lines.append(f"数据 figures: {len(data['shown'])} · 地区 regions: {len(regions)} · "
                     f"报告 reports: {len({f.report for f in data['shown']})}")
        names = [vocab.region_name(r) for r in regions]
        if names:
            lines.append("  " + "、".join(names[:20]) + (" …" if len(names) > 20 else ""))
    elif kind in ("policy", "alliance"):
        for label, key in (("状态 status", "status"), ("开始 start", "start"), ("范围 scope", "scope")):
            if data.get(key):
                lines.append(f"{label}: {', '.join(sorted(str(v) for v in data[key]))}")
        for relation, title in (("led_by", "牵头 lead"), ("member_of", "成员 members"), ("adopts", "实施 adopters")):
            names = _related_regions(h, node, relation)
            if names:
                lines.append(f"{title}: {'、'.join(names)}")
        lines += _figure_block(data["shown"], vocab, None, key_only=False)
    elif kind == "report":
        if data.get("title"):
            title = data["title"]
            lines.append(f"标题 title: {title if len(title) <= 60 else title[:59] + '…'}")
        for label, key in (("年份 year", "year"), ("文件 file", "file"), ("发布 publisher", "publisher"),
                           ("日期 issued", "issued")):
            if data.get(key):
                lines.append(f"{label}: {data[key]}")
        lines.append(f"数据 figures: {len(data['shown'])}")
    elif kind == "measure":
        lines.append(f"类别 category: {data.get('category', '')}")
        lines.append(_wrap(data.get("text", ""), 40))
        lines += _figure_block(data["shown"], vocab, None, key_only=False)
    if kind != "report" and data.get("reports"):
        reports = sorted(data["reports"])
        lines.append("来源 reports: " + ", ".join(reports[:6]) + (f" (+{len(reports) - 6})" if len(reports) > 6 else ""))
    return "\n".join(line for line in lines if line)


def _related_regions(h: nx.MultiDiGraph, node: str, relation: str) -> list[str]:
    if relation == "led_by":
        nodes = [b for _, b, k in h.out_edges(node, keys=True) if k == relation]
    else:
        nodes = [a for a, _, k in h.in_edges(node, keys=True) if k == relation]
    return sorted(h.nodes[n]["label"] for n in nodes)


def _figure_block(figures: list[Figure], vocab: Vocabulary, more_command: str | None,
                  key_only: bool = True) -> list[str]:
    chosen = _key_figures(figures, key_only)
    if not chosen:
        return []
    lines = ["主要数据 key figures:"]
    lines += [f"  {_figure_line(f, vocab, with_region=not key_only)}" for f in chosen[:MAX_FIGURE_LINES]]
    lines += _more(len(figures) - min(len(chosen), MAX_FIGURE_LINES), more_command)
    return lines


def _more(count: int, command: str | None) -> list[str]:
    if count <= 0:
        return []
    return [f"  … 另有 {count} 条 more" + (f" ({command})" if command else "")]


def _key_figures(figures: Iterable[Figure], key_only: bool) -> list[Figure]:
    """The latest level of each (fund, indicator, basis), key indicators first."""
    rank = {ind: i for i, ind in enumerate(KEY_INDICATORS)}
    funds = {fund: i for i, fund in enumerate(KEY_FUNDS)}
    ordered = sorted(figures, key=lambda f: (f.basis != "actual", rank.get(f.indicator, len(rank)),
                                             funds.get(f.fund, len(funds)), f.fund, -f.year, f.report,
                                             f.qualifier))
    seen: set[tuple] = set()
    out = []
    for f in ordered:
        if f.statistic != "level" and key_only:
            continue
        key = (f.fund, f.indicator, f.basis, f.statistic, f.qualifier, f.region if not key_only else "")
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


def _figure_line(f: Figure, vocab: Vocabulary, with_region: bool = False) -> str:
    from yibao.display import display
    from yibao.viz.graph import _fund_short

    indicator = vocab.indicators.get(f.indicator)
    name = indicator.label_zh if indicator else f.indicator
    fund_concept = vocab.funds.get(f.fund)
    fund = _fund_short(f.fund, "zh") or (fund_concept.label_zh if fund_concept else f.fund)
    extra = []
    if f.basis != "actual":
        concept = vocab["basis"].get(f.basis)
        extra.append(concept.label_zh if concept else f.basis)
    if f.statistic != "level":
        concept = vocab["statistic"].get(f.statistic)
        extra.append(concept.label_zh if concept else f.statistic)
    if f.qualifier:
        concept = vocab["qualifier"].get(f.qualifier)
        extra.append(concept.label_zh if concept else f.qualifier)
    who = f"{vocab.region_name(f.region)} " if with_region and f.region else ""
    try:
        value = display(f.value, f.unit)
    except Exception:  # noqa: BLE001 — a value that is not a number is shown as stored
        value = f"{f.value} {f.unit}"
    qualifiers = f" ({'，'.join(extra)})" if extra else ""
    return f"{who}{fund} {name}{qualifiers}: {value} · {f.year} · {f.report}"


def _answer_line(row: dict[str, Any], vocab: Vocabulary) -> str:
    from yibao.viz.graph import _fund_short

    indicator = vocab.indicators.get(row.get("indicator") or "")
    name = indicator.label_zh if indicator else (row.get("indicator") or "")
    fund = _fund_short(row.get("fund") or "", "zh") or (row.get("fund") or "")
    quote = " ".join(str(row.get("quote") or "").split())
    quote = quote if len(quote) <= 30 else quote[:29] + "…"
    return f"{fund} {name}: {row.get('display') or row.get('value')} · {row.get('year')} · {row.get('report')} 「{quote}」"


def _wrap(text: str, width: int) -> str:
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


# --- the page ---------------------------------------------------------------------------------------

def render_html(h: nx.MultiDiGraph, vocab: Vocabulary, heading: str, subtitle: str) -> str:
    """The HTML page for a selected graph (everything inline)."""
    import jinja2
    from pyvis.network import Network

    display_graph = to_display_graph(h, vocab)
    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line", heading=heading)
    net.from_nx(display_graph, show_edge_weights=False)
    net.options = options(h.number_of_nodes(), h.number_of_edges())
    import pyvis

    loader = jinja2.ChoiceLoader([
        jinja2.PackageLoader("yibao.viz", "templates"),
        jinja2.FileSystemLoader(str(Path(pyvis.__file__).parent / "templates")),  # vis-network's JS and CSS
    ])
    env = jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape(["html"]))
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": True}  # Chinese as is (UTF-8)
    counts: dict[str, int] = {}
    for _, data in h.nodes(data=True):
        counts[data["kind"]] = counts.get(data["kind"], 0) + 1
    used = {key for *_, key in h.edges(keys=True)}
    env.globals.update(
        subtitle=subtitle,
        legend=[(STYLE[k][0], STYLE[k][2], zh, en, counts.get(k, 0)) for k, (zh, en) in KINDS.items()],
        relations=[(EDGE_COLOURS[k], zh, en) for k, (zh, en) in RELATIONS.items() if k in used],
        node_count=h.number_of_nodes(), edge_count=h.number_of_edges(), font=FONT,
    )
    net.templateEnv = env
    net.path = TEMPLATE
    return net.generate_html()


def write_page(html: str, output: Path) -> Path:
    """Write the page as UTF-8 (explicitly: pyvis's own writer uses the platform's encoding),
    atomically, so a failure never leaves a broken page behind."""
    output = Path(output)
    directory = output.parent if str(output.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=".yibao-viz-", suffix=".html", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(html)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return output
