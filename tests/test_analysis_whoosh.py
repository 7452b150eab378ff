"""Whoosh analyzers over the Vietnamese tokenizer: tokens, pickling, a RAM-index round trip."""

from __future__ import annotations

import pickle
import re
import unicodedata

import pytest
from whoosh import highlight
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.query import And, Phrase, Term

from searchsvc.analysis import analyze_fields, normalize_text
from searchsvc.whoosh import analyzers as whoosh_analyzers
from searchsvc.whoosh.analyzers import ExactAnalyzer, FoldedAnalyzer, PairsAnalyzer

DOCS = {
    "climate": (
        "Công tác ứng phó với biến đổi khí hậu, quản lý tài nguyên và bảo vệ môi trường "
        "được các cấp uỷ quan tâm. Tỉnh triển khai Nghị quyết số 57-NQ/TW, ngày 22/12/2024 "
        "của Bộ Chính trị."
    ),
    "meetings": (
        "Toàn tỉnh tổ chức được 2.209 hội nghị tuyên truyền cho 154.497 lượt người về "
        "sức khoẻ, môi trường sống của người dân."
    ),
    "health": (
        "Bộ Y tế hướng dẫn thực hiện Thông tư 01/2025/TT-BTC; biến động giá thuốc, "
        "đổi mới khi cần."
    ),
}


def whoosh_tokens(analyzer, text: str, **kwargs) -> list[tuple[str, int, int, int]]:
    return [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in analyzer(text, positions=True, chars=True, **kwargs)
    ]


def test_exact_and_folded_share_positions_and_offsets() -> None:
    text = "Hoà bình, NQ57"
    assert whoosh_tokens(ExactAnalyzer(), text) == [
        ("hòa", 0, 0, 3), ("bình", 1, 4, 8),
        ("nq57", 2, 10, 14), ("nq", 2, 10, 12), ("57", 3, 12, 14),
    ]
    assert whoosh_tokens(FoldedAnalyzer(), text) == [
        ("hoa", 0, 0, 3), ("binh", 1, 4, 8),
        ("nq57", 2, 10, 14), ("nq", 2, 10, 12), ("57", 3, 12, 14),
    ]


def test_tokens_are_well_formed_for_whoosh() -> None:
    for analyzer in (ExactAnalyzer(), FoldedAnalyzer(), PairsAnalyzer()):
        for t in analyzer("Bộ Y tế, biến đổi", positions=True, chars=True, keeporiginal=True):
            assert t.boost == 1.0 and t.stopped is False
            assert t.original == "Bộ Y tế, biến đổi"[t.startchar : t.endchar]


def test_start_pos_and_start_char_shift_everything() -> None:
    assert whoosh_tokens(FoldedAnalyzer(), "Cao Bằng", start_pos=10, start_char=100) == [
        ("cao", 10, 100, 103), ("bang", 11, 104, 108)
    ]


def test_pairs_never_cross_punctuation() -> None:
    text = "biến đổi khí hậu, quản lý tài nguyên.\nCao Bằng (tỉnh) 2.209 hội nghị"
    assert [t.text for t in PairsAnalyzer()(text)] == [
        "bien_doi", "doi_khi", "khi_hau",
        "quan_ly", "ly_tai", "tai_nguyen",
        "cao_bang",
        "2209_hoi", "hoi_nghi",
    ]


def test_pairs_position_and_span() -> None:
    assert whoosh_tokens(PairsAnalyzer(), "Bộ Y tế") == [("bo_y", 0, 0, 4), ("y_te", 1, 3, 7)]


def test_pairs_skip_code_and_date_extras() -> None:
    text = "về Nghị quyết 57 ngày 22/12/2024"
    assert [t.text for t in PairsAnalyzer()(text)] == [
        "ve_nghi", "nghi_quyet", "quyet_57", "57_ngay", "ngay_22"
    ]


def test_extras_can_be_turned_off_for_phrase_building() -> None:
    text = "Nghị quyết 57 ngày 22/12/2024"
    assert [t.text for t in ExactAnalyzer(extras=False)(text)] == [
        "nghị", "quyết", "57", "ngày", "22", "12", "2024"
    ]
    assert [t.text for t in FoldedAnalyzer()(text, extras=False)] == [
        "nghi", "quyet", "57", "ngay", "22", "12", "2024"
    ]


def test_untokenized_values() -> None:
    assert [t.text for t in ExactAnalyzer()("Hoà", tokenize=False)] == ["hòa"]
    assert [t.text for t in FoldedAnalyzer()("Hoà", tokenize=False)] == ["hoa"]
    assert [t.text for t in PairsAnalyzer()("Biến đổi", tokenize=False)] == ["bien_doi"]
    assert [t.text for t in FoldedAnalyzer()("Biến  đổi", tokenize=False)] == ["bien doi"]


def test_analyze_fields() -> None:
    assert analyze_fields("Bộ Y tế: 2.209 ca, NQ57") == {
        "exact": ["bộ", "y", "tế", "2209", "ca", "nq57", "nq", "57"],
        "folded": ["bo", "y", "te", "2209", "ca", "nq57", "nq", "57"],
        "pairs": ["bo_y", "y_te", "2209_ca", "nq_57"],
    }


def test_nfd_values_analyse_like_nfc() -> None:
    for text in DOCS.values():
        nfd = unicodedata.normalize("NFD", text)
        assert analyze_fields(nfd) == analyze_fields(text)


def test_one_tokenize_per_value_across_the_three_fields(monkeypatch) -> None:
    calls: list[str] = []
    real = whoosh_analyzers.tokenize

    def counting(text: str):
        calls.append(text)
        return real(text)

    monkeypatch.setattr(whoosh_analyzers, "tokenize", counting)
    monkeypatch.setattr(whoosh_analyzers, "_memo", {})
    text = "Một văn bản chưa phân tích lần nào."
    for analyzer in (ExactAnalyzer(), FoldedAnalyzer(), PairsAnalyzer()):
        list(analyzer(text, positions=True, chars=True))
    assert calls == [text]
    for i in range(10):  # the memo stays small
        list(ExactAnalyzer()(f"văn bản {i}"))
    assert len(whoosh_analyzers._memo) <= whoosh_analyzers._MEMO_SIZE


@pytest.mark.parametrize("cls", [ExactAnalyzer, FoldedAnalyzer, PairsAnalyzer])
def test_analyzers_pickle_and_compare(cls) -> None:
    analyzer = cls()
    copy = pickle.loads(pickle.dumps(analyzer))
    assert copy == analyzer and type(copy) is cls
    assert cls(extras=False) != analyzer
    assert [t.text for t in copy("hoà bình")] == [t.text for t in analyzer("hoà bình")]
    assert ExactAnalyzer() != FoldedAnalyzer()


# --- a real (RAM) Whoosh index ----------------------------------------------

def make_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        body=TEXT(stored=True),
        exact=TEXT(analyzer=ExactAnalyzer(), phrase=True, chars=True),
        folded=TEXT(analyzer=FoldedAnalyzer(), phrase=True, chars=True),
        pairs=TEXT(analyzer=PairsAnalyzer(), phrase=False),
    )


@pytest.fixture
def index():
    storage = RamStorage()
    ix = storage.create_index(make_schema())
    with ix.writer() as writer:
        for doc_id, text in DOCS.items():
            body = normalize_text(text)
            writer.add_document(id=doc_id, body=body, exact=body, folded=body, pairs=body)
    return storage, ix


def ids(ix, query) -> list[str]:
    with ix.searcher() as searcher:
        return sorted(hit["id"] for hit in searcher.search(query))


def query_terms(analyzer, text: str) -> list[str]:
    return [t.text for t in analyzer(text, mode="query", extras=False)]


def test_schema_survives_the_index_toc(index) -> None:
    storage, ix = index
    reopened = storage.open_index()
    assert reopened.schema == make_schema()
    assert reopened.schema["folded"].analyzer == FoldedAnalyzer()


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("exact", "khoẻ", ["meetings"]),  # new-style spelling finds `khoẻ` stored
        ("exact", "khỏe", ["meetings"]),  # and the old style finds it too
        ("exact", "uỷ", ["climate"]),
        ("exact", "2209", ["meetings"]),
        ("exact", "2.209", ["meetings"]),
        ("exact", "y", ["health"]),
        ("folded", "hau", ["climate"]),
        ("folded", "hdnd", []),
    ],
)
def test_term_queries(index, field: str, text: str, expected: list[str]) -> None:
    _, ix = index
    analyzer = ExactAnalyzer() if field == "exact" else FoldedAnalyzer()
    (term,) = query_terms(analyzer, text)
    assert ids(ix, Term(field, term)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nghị quyết 57", ["climate"]),
        ("NQ57", ["climate"]),
        ("57/NQ-TW", ["climate"]),
        ("thông tư 1", ["health"]),
        ("22-12-2024", ["climate"]),
    ],
)
def test_code_and_date_extras_meet_across_forms(index, text: str, expected) -> None:
    _, ix = index
    extras = [t.text for t in ExactAnalyzer()(text) if t.text not in query_terms(ExactAnalyzer(), text)]
    assert len(extras) == 1
    assert ids(ix, Term("exact", extras[0])) == expected


def test_phrase_queries_unaccented_and_accented(index) -> None:
    _, ix = index
    folded = query_terms(FoldedAnalyzer(), "bien doi khi hau")
    assert ids(ix, Phrase("folded", folded)) == ["climate"]
    exact = query_terms(ExactAnalyzer(), "Nghị quyết số 57-NQ/TW")
    assert ids(ix, Phrase("exact", exact)) == ["climate"]
    # `biến đổi` occurs in two docs, `đổi khí`? only where the syllables are adjacent
    assert ids(ix, And([Term("folded", "bien"), Term("folded", "doi")])) == ["climate", "health"]
    assert ids(ix, Phrase("folded", ["bien", "doi"])) == ["climate"]


def test_pairs_field(index) -> None:
    _, ix = index
    (pair,) = [t.text for t in PairsAnalyzer()("đổi khí")]
    assert ids(ix, Term("pairs", "khi_hau")) == ["climate"]
    assert ids(ix, Term("pairs", pair)) == ["climate"]
    # "giá thuốc, đổi mới": no pair across the comma
    assert ids(ix, Term("pairs", "thuoc_doi")) == []


def plain_marks(snippet: str) -> str:
    """Drop Whoosh's per-term class attributes: `<mark class=" 0">` -> `<mark>`."""
    return re.sub(r"<mark[^>]*>", "<mark>", snippet)


def test_highlight_from_folded_field_marks_the_accented_original(index) -> None:
    _, ix = index
    with ix.searcher() as searcher:
        results = searcher.search(Phrase("folded", ["khi", "hau"]), terms=True)
        results.fragmenter = highlight.WholeFragmenter()
        results.formatter = highlight.HtmlFormatter(tagname="mark", classname="", termclass="")
        hit = results[0]
        snippet = plain_marks(hit.highlights("folded", text=hit["body"]))
    assert "<mark>khí</mark> <mark>hậu</mark>" in snippet
    assert "<mark>" not in snippet.replace("<mark>khí</mark> <mark>hậu</mark>", "")


def test_highlight_a_code_spans_the_whole_citation(index) -> None:
    _, ix = index
    with ix.searcher() as searcher:
        results = searcher.search(Term("exact", "nq57"), terms=True)
        results.fragmenter = highlight.WholeFragmenter()
        results.formatter = highlight.HtmlFormatter(tagname="mark", classname="", termclass="")
        snippet = plain_marks(results[0].highlights("exact", text=results[0]["body"]))
    assert "<mark>Nghị quyết số 57-NQ/TW</mark>" in snippet


def test_folded_offsets_index_into_the_accented_stored_text() -> None:
    body = normalize_text(DOCS["climate"])
    spans = [(t.text, body[t.startchar : t.endchar]) for t in FoldedAnalyzer()(body, chars=True)]
    assert spans[:6] == [
        ("cong", "Công"), ("tac", "tác"), ("ung", "ứng"), ("pho", "phó"), ("voi", "với"),
        ("bien", "biến"),
    ]
    assert ("nq57", "Nghị quyết số 57-NQ/TW") in spans
    assert ("2024-12-22", "22/12/2024") in spans
    assert ("uy", "uỷ") in spans


@pytest.mark.parametrize("text", ["Bộ Y tế: 2.209 ca, NQ57", "Biến đổi khí hậu.\nCao Bằng ngày 22/12/2024",
                                  "Nghị quyết số 57-NQ/TW", "Ha\u0300 No\u0323\u0302i \u00ad– x_y", ""])
def test_analyze_fields_is_what_the_analyzers_index(text: str) -> None:
    """analyze_fields (pure, no whoosh) reports exactly the terms the three analyzers emit."""
    assert analyze_fields(text) == {
        "exact": [t.text for t in ExactAnalyzer()(text)],
        "folded": [t.text for t in FoldedAnalyzer()(text)],
        "pairs": [t.text for t in PairsAnalyzer()(text)],
    }
