"""Reading stage: encoding detection, rejection of non-text files, length-keeping normalisation."""

from __future__ import annotations

import difflib
import pickle
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from yibao.ingest.reading import ReadError, decode_file, normalise, read_text
from yibao.resources import sample_reports_dir

from tests.variants import (
    to_fullwidth_digits,
    to_gbk,
    to_halfwidth_punctuation,
    to_traditional,
    to_utf8_bom,
    to_utf16,
    with_thousands_separators,
)

REPORTS = sorted(sample_reports_dir().glob("*.txt"))
REPORT_IDS = [p.stem for p in REPORTS]


@pytest.fixture(scope="module", params=REPORTS, ids=REPORT_IDS)
def report_text(request: pytest.FixtureRequest) -> str:
    return request.param.read_text(encoding="utf-8")


def _write(tmp_path: Path, data: bytes, name: str = "report.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_sample_reports_present() -> None:
    assert len(REPORTS) >= 5


# ------------------------------------------------------------------------- decoding

ENCODINGS: dict[str, tuple[Callable[[str], bytes], str]] = {
    "utf-8": (lambda t: t.encode("utf-8"), "utf-8"),
    "utf-8-bom": (to_utf8_bom, "utf-8-sig"),
    "utf-16-le-bom": (to_utf16, "utf-16"),
    "utf-16-be-bom": (lambda t: to_utf16(t, big_endian=True), "utf-16"),
    "utf-16-le": (lambda t: to_utf16(t, bom=False), "utf-16-le"),
    "utf-16-be": (lambda t: to_utf16(t, bom=False, big_endian=True), "utf-16-be"),
    "gbk": (to_gbk, "gb18030"),
    "gb18030": (lambda t: t.encode("gb18030"), "gb18030"),
}


@pytest.mark.parametrize("variant", list(ENCODINGS))
def test_encoded_copies_decode_to_the_original(tmp_path: Path, report_text: str, variant: str) -> None:
    encode, expected = ENCODINGS[variant]
    decoded = decode_file(_write(tmp_path, encode(report_text)))
    assert decoded.encoding == expected
    assert decoded.original == report_text  # BOM stripped, nothing else touched


@pytest.mark.parametrize("variant", ["utf-8", "utf-16-le", "gbk"])
def test_crlf_is_kept(tmp_path: Path, report_text: str, variant: str) -> None:
    text = report_text.replace("\n", "\r\n")
    decoded = decode_file(_write(tmp_path, ENCODINGS[variant][0](text)))
    assert decoded.original == text


def test_gbk_traditional_copy_is_accepted(tmp_path: Path, report_text: str) -> None:
    traditional = to_traditional(report_text)
    decoded = decode_file(_write(tmp_path, to_gbk(traditional)))
    assert (decoded.encoding, decoded.original) == ("gb18030", traditional)


def test_gb18030_bom_is_stripped(tmp_path: Path) -> None:
    decoded = decode_file(_write(tmp_path, "\ufeff基金收入24.47亿元。\n".encode("gb18030")))
    assert decoded.original == "基金收入24.47亿元。\n"


def test_decode_file_leaves_normalised_equal_to_original(tmp_path: Path) -> None:
    decoded = decode_file(_write(tmp_path, "（一）收入１２３万元".encode()))
    assert decoded.normalised == decoded.original


def test_read_text_adds_the_normalised_twin(report_text: str, tmp_path: Path) -> None:
    decoded = read_text(_write(tmp_path, to_gbk(report_text)))
    assert decoded.original == report_text
    assert decoded.normalised == normalise(report_text)
    assert len(decoded.normalised) == len(decoded.original)


# ------------------------------------------------------------------------ rejection


def _reject(path: Path) -> ReadError:
    with pytest.raises(ReadError) as info:
        decode_file(path)
    error = info.value
    assert error.path == path
    assert str(error) == f"{path.name}: {error.reason}"
    return error


def test_empty_file(tmp_path: Path) -> None:
    assert _reject(_write(tmp_path, b"", "empty.txt")).reason == "empty file"


def test_bom_only_file_is_empty(tmp_path: Path) -> None:
    assert _reject(_write(tmp_path, b"\xef\xbb\xbf", "bom.txt")).reason.startswith("empty file")


def test_png_is_binary(tmp_path: Path) -> None:
    rng = random.Random(20240601)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(4000)
    assert _reject(_write(tmp_path, png, "chart.png")).reason == "binary file, not text"


def test_text_with_nul_bytes_is_binary(tmp_path: Path) -> None:
    data = "基金收入24.47亿元\x00\x00\x00\x00".encode() * 50
    assert _reject(_write(tmp_path, data, "nul.txt")).reason == "binary file, not text"


def test_control_characters_without_nul_are_binary(tmp_path: Path) -> None:
    rng = random.Random(7)
    data = bytes(rng.choice(b"\x01\x02\x03\x1b\x7fabcdef") for _ in range(3000))
    assert _reject(_write(tmp_path, data, "ctrl.bin")).reason == "binary file, not text"


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_are_rejected(tmp_path: Path, seed: int) -> None:
    data = random.Random(seed).randbytes(4096)
    assert _reject(_write(tmp_path, data, f"random{seed}.dat")).reason == "binary file, not text"


@pytest.mark.parametrize("seed", range(5))
def test_random_high_bytes_cannot_be_decoded(tmp_path: Path, seed: int) -> None:
    # No NUL or control bytes, so not "binary"; but neither valid UTF-8 nor valid GB18030.
    rng = random.Random(seed)
    data = bytes(rng.randrange(0x80, 0x100) for _ in range(4096))
    reason = _reject(_write(tmp_path, data, f"high{seed}.txt")).reason
    assert reason == "cannot decode as UTF-8, UTF-16 or GB18030"


@pytest.mark.parametrize("seed", range(5))
def test_gb18030_decodable_noise_is_rejected(tmp_path: Path, seed: int) -> None:
    # Every pair of bytes in 0x81-0xFE is valid GB18030, so only the "looks like text" check stops it.
    rng = random.Random(seed)
    data = bytes(rng.randrange(0x81, 0xFF) for _ in range(4096))
    data.decode("gb18030")  # precondition: strictly decodable
    reason = _reject(_write(tmp_path, data, f"noise{seed}.txt")).reason
    assert reason == "cannot decode as UTF-8, UTF-16 or GB18030"


def test_utf16_shaped_binary_is_rejected(tmp_path: Path) -> None:
    rng = random.Random(3)
    data = b"".join(rng.randbytes(1) + b"\x00" for _ in range(2000))  # NULs at every odd offset
    assert _reject(_write(tmp_path, data, "u16.bin")).reason == "binary file, not text"


def test_missing_file(tmp_path: Path) -> None:
    assert _reject(tmp_path / "missing.txt").reason.startswith("cannot read file")


def test_read_error_pickles() -> None:
    error = ReadError(Path("/data/x.txt"), "empty file")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.path, copy.reason, str(copy)) == (error.path, error.reason, "x.txt: empty file")


# -------------------------------------------------------------------- normalisation

ODD = "👍🏽é e\u0301 ﬁ ㎡ ① ² ℃ ½ \u200b\ufeff Ⅻ ｶﾞ ＡＢ \U0002f800 ⽀ 𠀀 \r\n\t ̈"


def test_normalise_keeps_length_on_reports(report_text: str) -> None:
    assert len(normalise(report_text)) == len(report_text)


def test_normalise_keeps_length_on_odd_characters() -> None:
    folded = normalise(ODD)
    assert len(folded) == len(ODD)
    for ch in "ﬁ㎡①²℃½\u200b\ufeffⅫ👍🏽\u0301":  # NFKC would expand or invent digits: kept
        assert folded[ODD.index(ch)] == ch


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１２３４．５６％", "1234.56%"),
        ("（一）收入：１亿元；支出，２亿元", "(一)收入:1亿元;支出,2亿元"),
        ("全年\u3000收入", "全年 收入"),
        ("－﹣−‐", "----"),
        ("1～3月 1〜3月", "1~3月 1~3月"),
        ("5∶5", "5:5"),
        ("·・", "·・"),
        ("、。“”《》〔〕——", "、。“”《》〔〕——"),
        ("醫療保險基金收支餘額", "医疗保险基金收支余额"),
        ("⽀出⾦额", "支出金额"),  # Kangxi radicals from PDF extraction
        ("ＡＢＣｘｙｚ", "ABCxyz"),
    ],
)
def test_normalise_folds(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_fullwidth_digits_fold_to_ascii(report_text: str) -> None:
    assert normalise(to_fullwidth_digits(report_text)) == normalise(report_text)


def test_halfwidth_punctuation_variant_normalises_identically(report_text: str) -> None:
    variant = to_halfwidth_punctuation(report_text)
    assert variant != report_text
    assert normalise(variant) == normalise(report_text)


def test_traditional_variant_normalises_back(report_text: str, record_property: Callable) -> None:
    traditional = to_traditional(report_text)
    ours, theirs = normalise(report_text), normalise(traditional)
    if len(traditional) != len(report_text):  # s2t phrase rules may change length: compare loosely
        share = difflib.SequenceMatcher(None, ours, theirs, autojunk=False).ratio()
        record_property("same_after_normalise", round(share, 5))
        assert share >= 0.99
        return
    changed = sum(a != b for a, b in zip(report_text, traditional, strict=True))
    assert changed > 0.1 * len(report_text)  # the variant really is traditional
    mismatches = [(a, b) for a, b in zip(ours, theirs, strict=True) if a != b]
    share = 1 - len(mismatches) / len(ours)
    record_property("same_after_normalise", round(share, 5))
    assert share >= 0.99, mismatches[:20]
    assert len(mismatches) <= 0.01 * changed, mismatches[:20]  # e.g. 批复 → 批覆 stays 覆


def test_normalise_is_idempotent(report_text: str) -> None:
    once = normalise(to_traditional(report_text))
    assert normalise(once) == once


# --------------------------------------------------------------------------- variants


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("151548.11万元", "151,548.11万元"),
        ("2918115人", "2,918,115人"),
        ("\t135174.77\n", "\t135,174.77\n"),
        ("2022年收入12345万元", "2022年收入12,345万元"),
        ("20220131", "20220131"),
        ("〔2022〕13388号", "〔2022〕13388号"),
        ("增长12.34567%", "增长12.34567%"),
        ("0731-28680000", "0731-28680000"),
        ("“12345”热线", "“12345”热线"),
    ],
)
def test_with_thousands_separators(text: str, expected: str) -> None:
    assert with_thousands_separators(text) == expected
