"""Snippets and highlights on literal Vietnamese text."""

from __future__ import annotations

from searchsvc.analysis import normalize_text
from searchsvc.search.query import parse_query
from searchsvc.search.snippets import FRAGMENT_CHARS, highlight_all, make_snippet


def marks(html: str) -> list[str]:
    return [piece.split("</mark>")[0] for piece in html.split("<mark>")[1:]]


def terms(q: str):
    return parse_query(q).highlight_terms()


TEXT = normalize_text(
    "Tỉnh Điện Biên đẩy mạnh chuyển đổi số. Các giải pháp thích ứng với biến đổi khí hậu "
    "được triển khai ở Hà Nội và Đà Nẵng."
)


def test_unaccented_query_marks_the_accented_phrase_only():
    html = highlight_all(TEXT, terms("bien doi khi hau"))
    assert marks(html) == ["biến đổi khí hậu"]  # not `Biên` in Điện Biên, not `đổi` in chuyển đổi


def test_single_syllable_marks_every_occurrence():
    assert marks(highlight_all(TEXT, terms("doi"))) == ["đổi", "đổi"]


def test_accented_syllable_prefers_its_own_marks():
    text = normalize_text("Đường sắt chạy qua xã Dương Quang, đi đường vòng.")
    assert marks(highlight_all(text, terms("đường"))) == ["Đường", "đường"]
    assert marks(highlight_all(text, terms("duong"))) == ["Đường", "Dương", "đường"]


def test_nfd_text_and_tone_styles_are_marked():
    text = normalize_text("Xa\u0303 Hoa\u0300 Bi\u0300nh") + " và thuỷ lợi"  # NFD + new-style tone
    assert marks(highlight_all(text, terms("hòa bình thủy lợi"))) == ["Hoà Bình", "thuỷ lợi"]


def test_everything_else_is_escaped():
    text = '<script>alert("x")</script> Hà Nội & <b>in đậm</b>'
    html = highlight_all(text, terms("ha noi"))
    assert html == '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>Hà Nội</mark> &amp; &lt;b&gt;in đậm&lt;/b&gt;'


def test_snippet_is_short_and_centred_on_matches():
    body = normalize_text(("Đoạn mở đầu không liên quan. " * 40) + "Hội nghị bàn về biến đổi khí hậu ở Cao Bằng. "
                          + ("Đoạn kết thúc. " * 40))
    snippet = make_snippet(body, terms("bien doi khi hau"))
    assert "<mark>biến đổi khí hậu</mark>" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) < 3 * FRAGMENT_CHARS + 60


def test_snippet_without_match_starts_at_the_beginning():
    assert make_snippet("Một hai ba.\n\nBốn năm.", terms("xyz")) == "Một hai ba. Bốn năm."


def test_codes_mark_the_whole_citation():
    text = normalize_text("Thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị.")
    assert marks(highlight_all(text, terms("nq 57"))) == ["Nghị quyết số 57-NQ/TW"]


# Tokenizing only near possible matches must find exactly what tokenizing everything finds.
_WINDOW_QUERIES = ["bien doi khi hau", "Hà Nội", "nghị quyết 57", "57-NQ/TW", "2.209", "thuỷ lợi", "UBND tỉnh",
                   "kinh tế", "Việt Nam", "22/12/2024", "cao bang", "của", "World Cup", "đường"]


def _sample_texts() -> list[str]:
    from pathlib import Path

    from searchsvc.ingest import read_document

    root = Path(__file__).resolve().parent.parent / "corpus"
    paths = sorted(p for p in root.rglob("*") if p.suffix in (".txt", ".html"))[::10]
    return [read_document(root, p).body for p in paths]


def test_windowed_tokenizing_finds_the_same_spans_as_full_tokenizing(monkeypatch):
    import searchsvc.search.snippets as snippets

    monkeypatch.setattr(snippets, "MAX_WINDOWS", 10**6)
    monkeypatch.setattr(snippets, "MAX_WINDOW_CHARS", 10**9)
    texts = _sample_texts()
    assert len(texts) >= 25
    for q in _WINDOW_QUERIES:
        terms = parse_query(q).highlight_terms()
        for text in texts:
            windowed = snippets.match_spans(text, terms)
            with monkeypatch.context() as full:
                full.setattr(snippets, "_near_pattern", lambda _terms: None)
                expected = snippets.match_spans(text, terms)
            assert windowed == expected, (q, text[:60])


def test_a_text_full_of_matches_is_tokenized_only_in_its_first_stretches():
    import searchsvc.search.snippets as snippets

    text = " ".join(["Kinh tế tăng trưởng."] + ["Chuyện dài dòng không liên quan gì cả."] * 5) * 200
    windows = snippets.token_windows(text, ["kinh", "te"])
    assert len(windows) == snippets.MAX_WINDOWS
    dense = " ".join(["Kinh tế và kinh tế."] * 2000)
    covered = sum(len(" ".join(t.term for t in tokens)) for _, tokens in snippets.token_windows(dense, ["kinh"]))
    assert covered < snippets.MAX_WINDOW_CHARS + 2 * snippets.NEAR_CHARS
    assert make_snippet(text, parse_query("kinh tế").highlight_terms()).count("<mark>") >= 1
