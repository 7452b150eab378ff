"""Accents mean what the user typed: the examples of the accents issue, on real text.

Every count is checked against a brute-force scan of the stored documents: a
syllable typed with marks must be in the document with those marks (tone-mark
placement aside), or the document must be typed without diacritics; one typed
without marks may have any marks.
"""

from __future__ import annotations

import pytest

from searchsvc.analysis import normalize_text, tokenize, written_without_marks
from searchsvc.search import SearchRequest
from tests.conftest import SAMPLE_CORPUS, open_search


@pytest.fixture(scope="module")
def sample(sample_index, backend_name, cluster_engines):
    """The bundled sample corpus (VNTC news, saved web pages, a press release), indexed on
    each backend, and every stored document (read from the Whoosh index) to check it against."""
    whoosh = open_search(sample_index, result_cache=0)
    docs = {}
    reader = whoosh.backend.view().searcher.reader()
    for fields in reader.all_stored_fields():
        docs[fields["id"]] = fields
    eng = cluster_engines(SAMPLE_CORPUS) if backend_name == "opensearch" else whoosh
    yield eng, docs
    whoosh.close()


def _syllables(text: str) -> list:
    return [t for t in tokenize(normalize_text(text)) if t.kind in ("word", "number")]


def matches_as_typed(fields: dict, q: str, phrase: bool = False) -> bool:
    """Brute force: does the document hold the query's syllables as typed?"""
    doc = _syllables(f"{fields.get('title', '')}\n{fields.get('body', '')}")
    bare = written_without_marks(doc)
    want = _syllables(q)

    def same(d, w) -> bool:
        if w.term != w.folded and not bare:
            return d.term == w.term
        return d.folded == w.folded

    if phrase:  # in a row, with only spaces between (no punctuation, no line break)
        return any(all(same(doc[i + k], w) and (k == 0 or doc[i + k].joined) for k, w in enumerate(want))
                   for i in range(len(doc) - len(want) + 1))
    return all(any(same(d, w) for d in doc) for w in want)


def search(eng, q, **kw):
    return eng.search(SearchRequest(q=q, per_page=100, **kw))


@pytest.mark.parametrize("q", ["Cao Bằng", "bão", "hòa bình", "hoà bình", "Hà Nội", "Ha Nội", "thủy điện",
                               "giáo dục", "biến đổi khí hậu"])
def test_total_is_exactly_the_documents_holding_what_was_typed(sample, q):
    eng, docs = sample
    expected = {doc_id for doc_id, fields in docs.items() if matches_as_typed(fields, q)}
    result = search(eng, q)
    strict = [h.id for h in result.hits if not h.approximate]
    assert result.total == len(expected) == len(strict)
    assert set(strict) == expected


@pytest.mark.parametrize("q", ['"Cao Bằng"', '"thủy điện"', '"hòa bình"', '"Hà Nội"', '"thành phố Hồ Chí Minh"'])
def test_quoted_phrases_follow_the_typed_marks(sample, q):
    eng, docs = sample
    expected = {doc_id for doc_id, fields in docs.items() if matches_as_typed(fields, q.strip('"'), phrase=True)}
    result = search(eng, q)
    assert {h.id for h in result.hits if not h.approximate} == expected and result.total == len(expected)


def test_hydropower_is_not_sweden(sample):
    eng, docs = sample
    result = search(eng, '"thủy điện"')
    assert result.total > 0
    for hit in result.hits:
        text = normalize_text(docs[hit.id]["title"] + " " + docs[hit.id]["body"]).lower()
        if not hit.approximate:
            assert "thủy điện" in text or "thuỷ điện" in text
    approximate = [h for h in result.hits if h.approximate]
    assert any("thụy điển" in normalize_text(docs[h.id]["body"]).lower() for h in approximate)


def test_approximate_hits_follow_every_strict_hit_and_are_counted_apart(sample):
    eng, docs = sample
    result = search(eng, "bão")
    flags = [h.approximate for h in result.hits]
    assert flags == sorted(flags)  # all strict ones (False) first
    approximate = [h for h in result.hits if h.approximate]
    expected = [i for i, f in docs.items() if matches_as_typed(f, "bao") and not matches_as_typed(f, "bão")]
    assert result.total_approximate == len(expected) > 100
    assert len(approximate) == 100 - result.total  # the page is filled up with them
    assert {h.id for h in approximate} <= set(expected)
    # The JSON says the same.
    body = result.to_json()
    assert body["total"] == result.total and body["total_approximate"] == len(expected)
    assert [h["approximate"] for h in body["hits"]] == flags


def test_many_strict_hits_bring_no_approximate_ones(sample):
    eng, _docs = sample
    result = search(eng, "Việt Nam")
    assert result.total >= 10 and result.total_approximate == 0
    assert not any(h.approximate for h in result.hits)


def test_unaccented_queries_match_every_accented_form(sample):
    eng, docs = sample
    result = search(eng, "bao")
    assert result.total == sum(matches_as_typed(f, "bao") for f in docs.values()) > 150
    assert result.total_approximate == 0


def test_sort_filters_and_facets_use_the_strict_set(sample):
    eng, docs = sample
    by_date = search(eng, "Hà Nội", sort="date")
    assert all(matches_as_typed(docs[h.id], "Hà Nội") for h in by_date.hits if not h.approximate)
    assert all(matches_as_typed(docs[h.id], "Hà Nội") for h in by_date.hits[:4])
    assert sum(v.count for v in by_date.facets["source"]) == by_date.total
    filtered = search(eng, "Hà Nội", source="web")
    expected = [i for i, f in docs.items() if f.get("source") == "web" and matches_as_typed(f, "Hà Nội")]
    assert filtered.total == len(expected)
    assert all(h.approximate for h in filtered.hits[filtered.total:])


def test_did_you_mean_reads_the_whole_phrase(sample):
    eng, _docs = sample
    suggestion = search(eng, "thanh pho ho chi minh").suggestion
    assert suggestion is not None and suggestion.lower() == "thành phố hồ chí minh"
    assert "Hồ Chí Minh" in suggestion  # capitals as the corpus writes the name
    assert search(eng, "uy ban nhan dan").suggestion.lower() in ("ủy ban nhân dân", "uỷ ban nhân dân")


def test_a_query_with_no_results_shows_its_suggestions_results(sample):
    eng, docs = sample
    result = search(eng, "giáo dụcc")
    assert result.corrected_query == "giáo dục" and result.searched == "giáo dục"
    assert result.total == sum(matches_as_typed(f, "giáo dục") for f in docs.values()) > 0
    as_typed = search(eng, "giáo dụcc", autocorrect=False)
    assert as_typed.total == 0 and as_typed.suggestion == "giáo dục" and as_typed.corrected_query is None


def test_never_suggests_a_query_without_results(sample):
    eng, _docs = sample
    for q in ["thanh pho ho chi minh", "bien doi khi hau", "giáo dụcc", "xyzzy qwv", "cao bang"]:
        suggestion = search(eng, q).suggestion
        if suggestion is not None:
            assert search(eng, suggestion, autocorrect=False).total > 0, (q, suggestion)


def test_unbalanced_quote_falls_back_to_words(sample):
    eng, _docs = sample
    phrase = search(eng, '"biến đổi khí hậu Cao Bằng')
    words = search(eng, "biến đổi khí hậu Cao Bằng")
    assert phrase.total == words.total > 0


def test_a_space_after_the_title_colon_is_forgiven(sample):
    eng, docs = sample
    spaced = search(eng, "title: Cao Bằng")
    assert spaced.total > 0
    assert [h.id for h in spaced.hits] == [h.id for h in search(eng, "title:Cao Bằng").hits]
    assert all(any(t.folded == "cao" for t in _syllables(docs[h.id]["title"]))
               for h in spaced.hits if not h.approximate)


# -- documents typed without diacritics ---------------------------------------------

UNMARKED = {
    "bare/bao-so-3.txt": "Bao so 3 gay mua lon tai Quang Ninh\n\nChieu nay bao so 3 do bo vao Quang Ninh, "
                         "gay mua lon va gio manh. Nguoi dan duoc so tan den noi an toan.\n",
    "news/bao-so-3.txt": "Bão số 3 đổ bộ vào Quảng Ninh\n\nChiều nay bão số 3 đổ bộ vào Quảng Ninh, gây mưa "
                         "lớn và gió mạnh. Người dân được sơ tán đến nơi an toàn.\n",
    "news/bao-chi.txt": "Hội báo Xuân tại Quảng Ninh\n\nHội báo Xuân giới thiệu các ấn phẩm báo chí; số "
                        "báo đặc biệt được in ba màu. Người dân đến xem rất đông.\n",
    "news/bao-chi-dua-tin.txt": "Báo chí đưa tin\n\nCác báo đưa tin về cơn bão số 3 ở Quảng Ninh.\n",
    "news/ban-hang.txt": "Bạn hàng của hợp tác xã\n\nBạn hàng lâu năm, bạn hàng mới và bạn hàng nước ngoài "
                         "đến ký hợp đồng; bạn hàng được hỗ trợ vận chuyển.\n",
    "news/ban-hang-truc-tuyen.txt": "Hướng dẫn bán hàng trực tuyến\n\nHộ kinh doanh được hướng dẫn bán hàng "
                                    "trên mạng.\n",
}


@pytest.fixture(scope="module")
def small(search_of):
    return search_of(UNMARKED)


def test_a_document_typed_without_diacritics_answers_accented_queries(small):
    result = small.search(SearchRequest(q="bão"))
    strict = {h.id for h in result.hits if not h.approximate}
    assert strict == {"bare/bao-so-3.txt", "news/bao-so-3.txt", "news/bao-chi-dua-tin.txt"}
    assert [h.id for h in result.hits if h.approximate] == ["news/bao-chi.txt"]
    phrase = small.search(SearchRequest(q='"bão số 3" Quảng Ninh'))
    assert {h.id for h in phrase.hits if not h.approximate} == strict
    # The bare document is highlighted by folded form.
    bare = next(h for h in result.hits if h.id == "bare/bao-so-3.txt")
    assert "<mark>Bao</mark>" in bare.title_html
    # A document written with marks is highlighted where it has `bão`, not `báo`.
    news = next(h for h in result.hits if h.id == "news/bao-chi-dua-tin.txt")
    assert "<mark>" not in news.title_html and "<mark>bão</mark>" in news.snippet and "<mark>báo" not in news.snippet


def test_an_exact_accent_document_never_ranks_below_a_look_alike(small):
    # `bạn hàng` four times against `bán hàng` once: the look-alike is no strict match.
    result = small.search(SearchRequest(q="bán hàng"))
    assert result.hits[0].id == "news/ban-hang-truc-tuyen.txt" and not result.hits[0].approximate
    look_alike = next(h for h in result.hits if h.id == "news/ban-hang.txt")
    assert look_alike.approximate
