"""Quoted phrases on a real index: what counts as "next to each other"."""

from __future__ import annotations

import pytest

from searchsvc.search import SearchRequest

DOCS = {
    "lien-tiep.txt": "Ứng phó biến đổi khí hậu\n\nHội nghị Bộ Chính trị bàn về biến đổi khí hậu ở Cao Bằng.",
    "dau-cham.txt": "Thời tiết\n\nTrời se lạnh vì không khí. Hậu quả là mưa đá ở vùng cao.",
    "tach-roi.txt": "Ủy ban\n\nĐồng chí ủy viên Bộ Chính phủ nói về chính trị địa phương.",
    "gach-noi.txt": "Du lịch\n\nDu khách đến Bà Rịa-Vũng Tàu dịp nghỉ lễ.",
    "khong-gach.txt": "Du lịch biển\n\nBãi biển Bà Rịa Vũng Tàu đón khách.",
}


@pytest.fixture(scope="module")
def engine(search_of):
    return search_of(DOCS)


def ids(engine, q: str) -> set[str]:
    return {h.id for h in engine.search(SearchRequest(q=q, per_page=50)).hits}


def test_a_phrase_does_not_match_across_a_full_stop(engine):
    assert ids(engine, '"khí hậu"') == {"lien-tiep.txt"}
    assert ids(engine, "khí hậu") == {"lien-tiep.txt", "dau-cham.txt"}  # unquoted: both words anywhere


def test_a_three_syllable_phrase_needs_them_in_a_row(engine):
    # tach-roi.txt has `Bộ Chính` and `chính trị`, both pairs, but never `Bộ Chính trị`.
    assert ids(engine, '"Bộ Chính trị"') == {"lien-tiep.txt"}
    assert ids(engine, '"bo chinh tri"') == {"lien-tiep.txt"}


def test_a_hyphen_typed_in_the_phrase_matches_with_or_without_it(engine):
    assert ids(engine, '"Bà Rịa-Vũng Tàu"') == {"gach-noi.txt", "khong-gach.txt"}
    assert ids(engine, '"Bà Rịa Vũng Tàu"') == {"khong-gach.txt"}


def test_phrase_hits_are_highlighted_as_one_run(engine):
    hit = engine.search(SearchRequest(q='"bien doi khi hau"')).hits[0]
    assert "<mark>biến đổi khí hậu</mark>" in hit.snippet
