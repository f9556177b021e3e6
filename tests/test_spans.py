"""Span look-ups used by the extractors to stay linear in the text's length."""

from yibao.ingest.spans import Spans, between


def test_covers_and_around_agree_with_a_scan():
    spans = [(0, 3), (2, 10), (5, 6), (12, 15), (12, 13), (20, 21)]
    index = Spans(spans)
    for pos in range(-1, 25):
        expected = sorted((s, e) for s, e in spans if s <= pos < e)
        assert index.around(pos) == expected
        assert index.covers(pos) == bool(expected)


def test_empty_spans_cover_nothing():
    assert not Spans([]).covers(0) and Spans([]).around(5) == []


def test_between_is_the_slice_of_starts_in_a_range():
    starts = [1, 4, 4, 9, 15]
    assert starts[between(starts, 4, 10)] == [4, 4, 9]
    assert starts[between(starts, 16, 20)] == []
