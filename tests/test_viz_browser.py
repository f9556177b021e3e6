"""The `yibao viz` page in a real browser: headless Chromium (Debian's `chromium`, driven by Playwright,
never a browser Playwright downloads) with every network request blocked, a CJK font installed.

Skipped, with how to install them, where Chromium, Playwright or a Chinese font is missing;
`.ci/run` installs them, so in CI it always runs. The overview's screenshot is saved to
``out/viz/overview.png`` (or ``$YIBAO_VIZ_SCREENSHOTS/overview.png``) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yibao
from yibao import resources

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
INSTALL = ("install them with: apt-get install -y chromium fonts-wqy-microhei "
           "(and pip install -e '.[dev]' for playwright)")


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM}"
    fc_list = shutil.which("fc-list")
    fonts = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True).stdout if fc_list else ""
    if not fonts.strip():
        return "no CJK font (Chinese would be drawn as boxes)"
    return None


MISSING = _missing()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"browser test skipped: {MISSING}; {INSTALL}")

# What the page holds, read through its JavaScript: the vis-network object and its data sets.
STATE = """() => ({
  network: typeof network === "object" && network !== null && typeof network.getPositions === "function",
  physics: network.physics.physicsEnabled,
  nodes: network.body.data.nodes.get().map(n => ({id: n.id, label: n.label, kind: n.kind, title: n.title})),
  edges: network.body.data.edges.get().map(e => ({from: e.from, to: e.to, label: e.label, relation: e.relation})),
  drawn: Object.keys(network.body.nodes).length,
  canvas: document.querySelector("#mynetwork canvas") !== null,
  legend: document.getElementById("legend").innerText,
})"""


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("viz-browser") / "store"
    with yibao.open(store) as kg:
        kg.build(resources.sample_reports_dir(), validate=False)
    return store


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield browser
        browser.close()


def _open_offline(browser, page_file: Path):
    """A page with every request that is not file: or data: aborted and recorded."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, offline=True)
    blocked: list[str] = []
    requested: list[str] = []

    def route(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", lambda request: requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_file.resolve().as_uri())
    page.wait_for_function("window.yibaoViz && window.yibaoViz.stabilized === true", timeout=60_000)
    return context, page, blocked, requested, errors


def _screenshot_dir() -> Path:
    directory = Path(os.environ.get("YIBAO_VIZ_SCREENSHOTS", ROOT / "out" / "viz"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def test_overview_renders_offline_with_the_alliance_and_qingdao(browser, sample_store, tmp_path):
    page_file = tmp_path / "overview.html"
    with yibao.open(sample_store, read_only=True) as kg:
        kg.viz(page_file)
    context, page, blocked, requested, errors = _open_offline(browser, page_file)
    try:
        state = page.evaluate(STATE)
        shot = _screenshot_dir() / "overview.png"
        page.screenshot(path=str(shot))
        print(f"\nscreenshot of the overview: {shot}")
    finally:
        context.close()
    assert not errors, errors
    assert blocked == [] and all(url.startswith(("file:", "data:")) for url in requested), (blocked, requested)
    assert state["network"] and state["canvas"] and state["physics"] is False  # laid out, then physics off
    nodes = {n["id"]: n for n in state["nodes"]}
    assert state["drawn"] == len(nodes) > 50
    labels = {n["label"] for n in nodes.values()}
    assert {"五市联盟", "青岛市", "株洲市", "山东省", "湖南省"} <= labels
    members = {nodes[e["from"]]["label"] for e in state["edges"]
               if e["to"] == "alliance:五市联盟" and e["relation"] == "member_of"}
    assert members == {"株洲市", "湘潭市", "邵阳市", "岳阳市", "常德市"}
    assert all(e["label"] == "成员" for e in state["edges"] if e["relation"] == "member_of")
    districts = {nodes[e["from"]]["label"] for e in state["edges"]
                 if e["to"] == "region:370200" and e["relation"] == "part_of"}
    assert {"市南区", "市北区", "黄岛区", "崂山区", "李沧区", "城阳区", "即墨区"} <= districts
    # tooltips: English name, key figures with units and their source report
    qingdao = nodes["region:370200"]["title"]
    assert "Qingdao" in qingdao and "可支付月数" in qingdao and "个月" in qingdao
    assert "qingdao-2019-bureau-expenditure-evaluation" in qingdao
    assert {"region", "fund", "policy", "alliance", "report", "measure"} == {n["kind"] for n in nodes.values()}
    assert "地区" in state["legend"] and "member of" in state["legend"]


def test_question_page_renders_the_answer_subgraph(browser, sample_store, tmp_path):
    page_file = tmp_path / "question.html"
    with yibao.open(sample_store, read_only=True) as kg:
        kg.viz(page_file, question="哪些地区基金可支付月数低于6个月？")
    context, page, blocked, _, errors = _open_offline(browser, page_file)
    try:
        state = page.evaluate(STATE)
        page.click("#mynetwork", position={"x": 5, "y": 5})  # a click on empty canvas does not break it
        # a click on 青岛市 shows its figures and their source in the details panel
        where = page.evaluate("""() => { const p = network.getPositions(["region:370200"])["region:370200"];
                                         return network.canvasToDOM(p); }""")
        page.click("#mynetwork", position={"x": where["x"], "y": where["y"]})
        details = page.inner_text("#details")
        page.screenshot(path=str(_screenshot_dir() / "question.png"))
    finally:
        context.close()
    assert not errors and not blocked
    assert "青岛市" in details and "5个月" in details and "qingdao-2019-bureau-expenditure-evaluation" in details
    assert "隶属 → 山东省" in details  # its connections, each a link to that node
    labels = {n["label"] for n in state["nodes"]}
    assert {"青岛市", "渌口区", "攸县"} <= labels
    assert "五市联盟" not in labels
    assert "5个月" in next(n["title"] for n in state["nodes"] if n["label"] == "青岛市")
