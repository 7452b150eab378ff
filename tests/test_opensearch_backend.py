"""The OpenSearch backend against a real cluster: analysis, sync, rebuild, refusals, status.

The search behaviour itself (accents, codes, phrases, facets, did-you-mean) is checked
on both backends by the parametrised tests (test_search.py, test_accents.py,
test_phrases.py); this module covers what only the cluster backend does.
"""

from __future__ import annotations

import dataclasses
import re
import shutil

import pytest

from searchsvc.analysis import analyze_fields
from searchsvc.errors import NotFound
from searchsvc.indexing.indexer import run_index
from searchsvc.indexing.status import collect_status
from searchsvc.ingest import iter_corpus_files, read_document
from searchsvc.open import open_backend, open_service, open_target
from searchsvc.opensearch.connection import connect
from searchsvc.opensearch.mapping import TERMS_ANALYZER
from searchsvc.opensearch.target import index_meta, live_index
from searchsvc.search import SearchRequest
from tests.conftest import FIXTURE_CORPUS, SAMPLE_CORPUS, cluster_settings, drop_cluster_indexes, write_corpus

pytestmark = pytest.mark.opensearch


@pytest.fixture
def settings(tmp_path):
    settings = cluster_settings(tmp_path / "state")
    yield settings
    drop_cluster_indexes(settings)


@pytest.fixture
def client(settings):
    c = connect(settings)
    yield c
    c.close()


def index(settings, corpus, **options):
    return run_index(corpus, settings.index_dir, open_target(settings), **options)


def ids(service, q: str) -> set[str]:
    return {h.id for h in service.search(SearchRequest(q=q, per_page=100)).hits if not h.approximate}


def sentences(limit: int) -> list[str]:
    """Real sentences of the bundled corpus (VNTC news, saved pages, a press release)."""
    found: list[str] = []
    for path in iter_corpus_files(SAMPLE_CORPUS):
        doc = read_document(SAMPLE_CORPUS, path)
        for text in [doc.title] + re.split(r"(?<=[.!?])\s+|\n+", doc.body):
            if len(text.split()) >= 3:
                found.append(text.strip())
        if len(found) >= limit:
            break
    return found[:limit]


def test_the_cluster_indexes_exactly_searchsvcs_terms(settings, client):
    """`_analyze` on the cluster, field by field, equals `searchsvc analyze` on 1,200 real sentences."""
    index(settings, FIXTURE_CORPUS)
    concrete = live_index(client, settings.opensearch_index)
    texts = sentences(1200)
    assert len(texts) == 1200
    expected = [analyze_fields(t) for t in texts]
    for field in ("exact", "folded", "pairs"):
        for at in range(0, len(texts), 200):
            values = [" ".join(e[field]) for e in expected[at:at + 200]]
            tokens = client.indices.analyze(index=concrete, body={"field": field, "text": values})["tokens"]
            assert [t["token"] for t in tokens] == [term for v in values for term in v.split()]
            assert client.indices.get_field_mapping(index=concrete, fields=field)[concrete]["mappings"][field][
                "mapping"][field]["analyzer"] == TERMS_ANALYZER


def test_the_cluster_ranks_as_the_whoosh_backend_does(sample_index, cluster_engines):
    """Same documents, same queries: the same first result and about the same scores.

    Lucene's BM25 takes a title term's IDF from the titles; searchsvc's from the
    bodies (search/ranking.idf_field), which the compiler's boosts restore.  Without
    them a fifth of these short queries put another document first and scores fell
    to 0.4 of the Whoosh backend's.  What is left is rounding: both engines keep
    field lengths in one byte, each its own way."""
    from tests.conftest import open_search

    whoosh, cluster = open_search(sample_index, result_cache=0), cluster_engines(SAMPLE_CORPUS)
    queries = []
    for sentence in sentences(400)[::7]:
        words = sentence.split()
        queries += [" ".join(words[:9]) + "?", " ".join(words[:2])]  # a question; two words
    ratios, different_first = [], []
    try:
        for q in queries:
            ours = whoosh.search(SearchRequest(q=q, per_page=10)).hits
            theirs = cluster.search(SearchRequest(q=q, per_page=10)).hits
            assert [h.id for h in ours] and len(theirs) == len(ours), q
            if ours[0].id != theirs[0].id and ours[0].score > 1.01 * ours[1].score:
                different_first.append(q)
            scores = {h.id: h.score for h in theirs}
            ratios += [scores[h.id] / h.score for h in ours if h.id in scores]
    finally:
        whoosh.close()
    assert len(queries) > 100 and not different_first
    ratios.sort()
    assert 0.9 < ratios[len(ratios) // 20] and ratios[-len(ratios) // 20] < 1.1, (ratios[0], ratios[-1])


def test_an_incremental_run_adds_updates_and_deletes_by_content(settings, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    first = index(settings, corpus)
    assert first.rebuilt and first.added == first.documents > 0
    service = open_service(settings)
    try:
        assert ids(service, "Mèo Vạc") == set()
        changed = sorted(p for p in corpus.rglob("*.txt"))[0]
        changed.write_text("Tin mới về Mèo Vạc\n\nHuyện Mèo Vạc đón khách du lịch.\n", encoding="utf-8")
        gone = sorted(p for p in corpus.rglob("*.txt"))[1]
        gone.unlink()
        write_corpus(corpus, {"moi/them.txt": "Lúa ở Cao Bằng\n\nNgười dân Cao Bằng gặt lúa sớm.\n"})
        second = index(settings, corpus)
        assert (second.added, second.updated, second.deleted) == (1, 1, 1)
        assert not second.rebuilt and second.documents == first.documents
        rel = changed.relative_to(corpus).as_posix()
        assert ids(service, "Mèo Vạc") == {rel}
        with pytest.raises(NotFound):
            service.document(gone.relative_to(corpus).as_posix())
        assert "moi/them.txt" in ids(service, "gặt lúa")
        third = index(settings, corpus)
        assert (third.changed, third.unchanged) == (0, second.documents)
    finally:
        service.close()


def test_a_rebuild_switches_the_alias_and_retires_the_old_index(settings, client, tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": "Bão số 3\n\nBão số 3 đổ bộ vào Quảng Ninh.\n"})
    index(settings, corpus)
    alias = settings.opensearch_index
    old = live_index(client, alias)
    service = open_service(settings)
    try:
        assert ids(service, "bão") == {"a.txt"}
        write_corpus(corpus, {"b.txt": "Bão số 4\n\nBão số 4 vào Hải Phòng.\n"})
        rebuilt = index(settings, corpus, rebuild=True)
        new = live_index(client, alias)
        assert rebuilt.rebuilt and new != old and rebuilt.generation == new
        assert list(client.indices.get_alias(name=alias)) == [new]
        assert index_meta(client, old)["searchsvc_state"] == "retired"
        assert ids(service, "bão") == {"a.txt", "b.txt"}  # the running service follows the alias
        # The next run deletes it once its grace period (0 s in tests) has passed.
        index(settings, corpus)
        assert not client.indices.exists(index=old)
    finally:
        service.close()


def test_an_index_built_under_another_schema_is_rebuilt_by_any_machine(settings, client, tmp_path):
    """The schema an index was built under is read from the index, not from the folder of
    the machine that built it: a run from elsewhere neither rebuilds a current index nor
    misses an outdated one."""
    corpus = write_corpus(tmp_path / "corpus", {f"{n}.txt": f"Tin số {n}\n\nHà Nội.\n" for n in range(2)})
    index(settings, corpus)
    elsewhere = dataclasses.replace(settings, index_dir=tmp_path / "elsewhere")
    assert not run_index(corpus, elsewhere.index_dir, open_target(elsewhere)).rebuilt
    live = live_index(client, settings.opensearch_index)
    meta = index_meta(client, live)
    client.indices.put_mapping(index=live, body={"_meta": {**meta, "searchsvc_schema": -1}})
    summary = run_index(corpus, elsewhere.index_dir, open_target(elsewhere))
    assert summary.rebuilt and summary.added == 2 and live_index(client, settings.opensearch_index) != live


def test_documents_the_cluster_refuses_are_reported_and_retried_next_run(settings, client, tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": "Cầu Long Biên\n\nCầu Long Biên được sửa.\n",
                                               "b.txt": "Hồ Gươm\n\nHồ Gươm mùa thu.\n"})
    index(settings, corpus)
    concrete = live_index(client, settings.opensearch_index)
    write_corpus(corpus, {"a.txt": "Cầu Long Biên\n\nCầu Long Biên thông xe trở lại.\n"})
    # As when a disk fills up: the cluster blocks writes to the index.
    client.indices.put_settings(index=concrete, body={"index.blocks.write": True})
    try:
        blocked = index(settings, corpus)
    finally:
        client.indices.put_settings(index=concrete, body={"index.blocks.write": False})
    assert blocked.updated == 0 and blocked.skipped == 1
    [(doc, reason)] = blocked.skipped_files
    assert doc == "a.txt" and "cluster_block_exception" in reason
    service = open_service(settings)
    try:
        assert ids(service, "được sửa") == {"a.txt"}  # the version indexed before is still served
        retried = index(settings, corpus)
        assert (retried.updated, retried.skipped) == (1, 0)
        assert ids(service, "thông xe") == {"a.txt"}
    finally:
        service.close()


def test_one_run_at_a_time_writes_to_an_alias_even_from_two_machines(settings, client, tmp_path):
    """Each "machine" has its own index folder (and file lock); the cluster's lock keeps
    the second run out while the first writes, and lets it in afterwards."""
    from searchsvc.errors import IndexBusy
    from searchsvc.opensearch.lock import LOCK_ID, lock_index

    corpus = write_corpus(tmp_path / "corpus", {f"{n}.txt": f"Tin số {n}\n\nHà Nội mùa thu.\n" for n in range(3)})
    other_machine = dataclasses.replace(settings, index_dir=tmp_path / "other")
    refused = []

    def second_run_meanwhile(done: int, total: int) -> None:
        if not refused:
            with pytest.raises(IndexBusy, match=r"another indexing run .* pid \d+") as busy:
                run_index(corpus, other_machine.index_dir, open_target(other_machine))
            refused.append(str(busy.value))

    assert index(settings, corpus, progress=second_run_meanwhile).added == 3
    assert refused and "nothing was changed" in refused[0]
    assert not client.exists(index=lock_index(settings.opensearch_index), id=LOCK_ID)  # released
    write_corpus(corpus, {"3.txt": "Tin số 3\n\nHải Phòng.\n"})
    assert run_index(corpus, other_machine.index_dir, open_target(other_machine)).added == 1


def test_a_lock_left_by_a_killed_run_is_taken_over_once_stale(settings, client, tmp_path):
    import time

    from searchsvc.errors import IndexBusy
    from searchsvc.opensearch.lock import LOCK_ID, STALE_AFTER, lock_index

    corpus = write_corpus(tmp_path / "corpus", {"a.txt": "Tin\n\nHà Nội mùa thu.\n"})
    left = {"holder": "other-host pid 4242", "since": "2026-12-01T08:00:00+07:00", "heartbeat": time.time()}
    index_name = lock_index(settings.opensearch_index)
    client.index(index=index_name, id=LOCK_ID, body=left, refresh=True)
    with pytest.raises(IndexBusy, match="other-host pid 4242 since 2026-12-01"):
        index(settings, corpus)
    client.index(index=index_name, id=LOCK_ID, body={**left, "heartbeat": time.time() - STALE_AFTER - 5},
                 refresh=True)
    assert index(settings, corpus).added == 1
    assert not client.exists(index=index_name, id=LOCK_ID)


def test_status_reports_the_clusters_view(settings, tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": "Hà Nội\n\nHà Nội mùa thu.\n"})
    index(settings, corpus)
    backend = open_backend(settings)
    try:
        info = collect_status(settings, backend)
    finally:
        backend.close()
    assert info["ready"] and info["documents"] == 1
    cluster = info["cluster"]
    assert cluster["health"] in ("green", "yellow") and cluster["nodes"] >= 1
    assert cluster["alias"] == settings.opensearch_index and cluster["index"] == info["generation"]
    assert info["index_bytes"] > 0


def test_completions_come_from_the_cluster_and_follow_its_commits(settings, tmp_path):
    import time

    from searchsvc.search.complete import CompleterCache

    corpus = write_corpus(tmp_path / "corpus", {f"a/{n}.txt": f"Hội nghị xúc tiến đầu tư số {n}\n\nNội dung.\n"
                                               for n in range(2)})
    index(settings, corpus)
    backend = open_backend(settings)
    cache = CompleterCache()
    try:
        assert [c.text for c in cache.get(backend).complete("xuc t")] == ["xúc tiến đầu tư"]
        assert cache.get(backend).complete("lễ hội") == []
        write_corpus(corpus, {f"a/l{n}.txt": f"Lễ hội hoa ban lần {n}\n\nNội dung.\n" for n in range(2)})
        index(settings, corpus)
        deadline = time.monotonic() + 10
        while not cache.get(backend).complete("lễ hội"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert cache.get(backend).complete("lễ hội")[0].text == "Lễ hội hoa ban"
    finally:
        backend.close()


def test_an_unreachable_cluster_is_a_clear_503(tmp_path):
    import socket

    from searchsvc.web import create_app

    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = cluster_settings(tmp_path / "state", opensearch_url=f"http://127.0.0.1:{port}",
                                opensearch_retries=0, opensearch_timeout=2.0)
    app = create_app(settings)
    response = app.test_client().get("/api/search", query_string={"q": "bão"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "index_unavailable"
