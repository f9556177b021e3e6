"""`yibao viz` and `KnowledgeGraph.viz`: what the page draws (networkx graph), that the page needs no
network, and one-line errors that write nothing. The page in a real browser: test_viz_browser.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yibao
from typer.testing import CliRunner
from yibao import resources
from yibao.cli.main import app
from yibao.viz import VizError

CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus" / "reports"
ALLIANCE = "alliance:五市联盟"
FIVE_CITIES = {"430200", "430300", "430500", "430600", "430700"}  # 株洲 湘潭 邵阳 岳阳 常德
QINGDAO_DISTRICTS = {"370202", "370203", "370211", "370212", "370213", "370214", "370215"}

runner = CliRunner()


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("viz") / "store"
    with yibao.open(store) as kg:
        kg.build(resources.sample_reports_dir(), validate=False)
    return store


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("viz-corpus") / "store"
    with yibao.open(store) as kg:
        kg.build(CORPUS, validate=False)
    return store


def _graph(store: Path, **filters):
    with yibao.open(store, read_only=True) as kg:
        return kg.viz_graph(**filters)


def _related(g, node: str, relation: str, incoming: bool = False) -> set[str]:
    edges = g.in_edges(node, keys=True) if incoming else g.out_edges(node, keys=True)
    return {(a if incoming else b) for a, b, key in edges if key == relation}


def _codes(nodes) -> set[str]:
    return {n.split(":", 1)[1] for n in nodes if n.startswith("region:")}


# --- what is drawn ---------------------------------------------------------------------------------

def test_overview_has_every_class_the_alliance_and_the_hierarchy(sample_store):
    g = _graph(sample_store)
    kinds = {d["kind"] for _, d in g.nodes(data=True)}
    assert kinds == {"region", "fund", "policy", "alliance", "report", "measure"}
    assert _codes(_related(g, ALLIANCE, "member_of", incoming=True)) == FIVE_CITIES
    assert _related(g, ALLIANCE, "led_by") == {"region:430200"}
    assert _codes(_related(g, "region:370200", "part_of", incoming=True)) >= QINGDAO_DISTRICTS
    assert _related(g, "region:370200", "part_of") == {"region:370000"}
    assert ("alliance:八市联盟", "alliance:株洲市际联盟", "renamed_to") in set(g.edges(keys=True))
    # figures are summarised on nodes, never drawn as nodes
    assert g.number_of_nodes() < 150
    months = [f for f in g.nodes["region:370200"]["shown"] if f.indicator == "months_of_cover"]
    assert months and all(f.report == "qingdao-2019-bureau-expenditure-evaluation" for f in months)


def test_region_filter_draws_its_neighbourhood(sample_store):
    g = _graph(sample_store, region="青岛")
    regions = _codes(g)
    assert QINGDAO_DISTRICTS | {"370200", "370000"} <= regions
    assert not regions & FIVE_CITIES
    assert {d["kind"] for _, d in g.nodes(data=True)} >= {"region", "policy", "report"}
    assert {n for n, d in g.nodes(data=True) if d["kind"] == "report"} == {
        "report:qingdao-2019-bureau-expenditure-evaluation"}


def test_region_filter_keeps_the_other_alliance_members(sample_store):
    g = _graph(sample_store, region="株洲")
    assert _codes(_related(g, ALLIANCE, "member_of", incoming=True)) == FIVE_CITIES


def test_policy_year_and_fund_filters(sample_store):
    g = _graph(sample_store, policy="drg")
    policies = {d["label"] for _, d in g.nodes(data=True) if d["kind"] in ("policy", "alliance")}
    assert policies == {"DRG付费"}
    assert {"370200", "430200", "340600"} <= _codes(g)
    g = _graph(sample_store, policy="五市联盟")
    assert {n for n, d in g.nodes(data=True) if d["kind"] == "alliance"} == {ALLIANCE}
    g = _graph(sample_store, year=2019)
    assert "report:qingdao-2019-bureau-expenditure-evaluation" in g
    assert "report:huaibei-2023-resident-subsidy-self-evaluation" not in g
    g = _graph(sample_store, fund="职工医保")
    assert {n for n, d in g.nodes(data=True) if d["kind"] == "fund"} == {"fund:employee"}


def test_question_draws_the_answer_subgraph(sample_store):
    g = _graph(sample_store, question="哪些地区加入了株洲牵头的带量采购联盟，各节约多少？")
    assert ALLIANCE in g and g.nodes[ALLIANCE].get("answer")
    assert _codes(g) >= FIVE_CITIES
    assert not {n for n, d in g.nodes(data=True) if d["kind"] in ("fund", "policy", "measure")}
    g = _graph(sample_store, question="哪些地区基金可支付月数低于6个月？")
    answered = {n for n, d in g.nodes(data=True) if d.get("answer")}
    assert "region:370200" in answered
    rows = g.nodes["region:370200"]["answer_rows"]
    assert rows and all(r["indicator"] == "months_of_cover" for r in rows)


def test_corpus_county_hangs_under_its_prefecture_and_province(corpus_store):
    g = _graph(corpus_store)
    county = "region:331127"  # 景宁畲族自治县: no report about 丽水市 or 浙江省 in the corpus
    assert g.nodes[county]["shown"]
    assert not g.nodes["region:331100"]["reports"]
    assert _related(g, county, "part_of") == {"region:331100"}
    assert _related(g, "region:331100", "part_of") == {"region:330000"}
    assert g.nodes["region:330000"]["label"] == "浙江省"
    # and the whole corpus draws within the cap
    assert sum(d["kind"] == "report" for _, d in g.nodes(data=True)) >= 20


def test_the_node_cap_names_the_filters_to_add(sample_store):
    with pytest.raises(VizError, match=r"limit 10\); narrow it with --region or --year"):
        _graph(sample_store, max_nodes=10)


# --- the page --------------------------------------------------------------------------------------

def test_cli_writes_a_self_contained_utf8_page(sample_store, tmp_path):
    out = tmp_path / "graph.html"
    result = runner.invoke(app, ["viz", "--store", str(sample_store), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stdout and "alliance" in result.stdout
    html = out.read_bytes().decode("utf-8")
    assert "new vis.Network" in html and "五市联盟" in html and "青岛市" in html
    # nothing is loaded from the network: no remote script, stylesheet, image, font or import
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.I)
    assert not re.search(r"""(?:@import|url\()\s*["']?(?:https?:)?//""", html, re.I)
    assert not re.search(r"<link\b|<script[^>]+\bsrc=|<img\b|<iframe\b", html, re.I)


def test_api_viz_writes_the_page(sample_store, tmp_path):
    with yibao.open(sample_store, read_only=True) as kg:
        outcome = kg.viz(tmp_path / "qd.html", region=["青岛"])
    assert outcome.path.is_file() and outcome.counts["region"] >= 9 and outcome.edges > 0


def _assert_one_red_line(result, code: int) -> str:
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


@pytest.mark.parametrize(("args", "code", "words"), [
    (["--region", "株州"], 2, "unknown region '株州'; closest known: 株洲"),
    (["--region", "北京"], 1, "nothing in the store matches --region 北京"),
    (["--year", "2030"], 1, "nothing in the store matches --year 2030"),
    (["--region", "青岛", "--policy", "五市联盟"], 1, "nothing in the store matches"),
    (["--policy", "没有这种政策"], 2, "unknown policy"),
    (["--question", "天气怎么样"], 2, "没有匹配的问题模板"),
    (["--max-nodes", "5"], 1, "narrow it with --region"),
])
def test_no_match_is_one_red_line_and_no_file(sample_store, tmp_path, args, code, words):
    out = tmp_path / "graph.html"
    line = _assert_one_red_line(runner.invoke(app, ["viz", "--store", str(sample_store), "--out", str(out), *args]),
                                code)
    assert words in line
    assert not list(tmp_path.iterdir())


def test_empty_store_is_one_red_line_and_no_file(tmp_path):
    store = tmp_path / "store"
    with yibao.open(store) as kg:
        kg.store  # noqa: B018 — creates the store, with no report in it
    out = tmp_path / "graph.html"
    line = _assert_one_red_line(runner.invoke(app, ["viz", "--store", str(store), "--out", str(out)]), 1)
    assert "no reports" in line and "yibao build" in line
    assert not out.exists()


def test_missing_store_and_bad_output(tmp_path, sample_store):
    out = tmp_path / "graph.html"
    _assert_one_red_line(runner.invoke(app, ["viz", "--store", str(tmp_path / "none"), "--out", str(out)]), 1)
    _assert_one_red_line(runner.invoke(app, ["viz", "--store", str(sample_store), "--out", str(tmp_path / "g.png")]), 2)
    _assert_one_red_line(runner.invoke(app, ["viz", "--store", str(sample_store),
                                             "--out", str(tmp_path / "no" / "g.html")]), 1)
    assert not out.exists()
