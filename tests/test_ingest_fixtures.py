"""The committed ingest fixture files are exactly what the generator writes (no silent drift)."""

from __future__ import annotations

from tests.fixtures.ingest.make_fixtures import CORPUS, fixture_files


def test_committed_fixtures_match_the_generator() -> None:
    expected = fixture_files()
    on_disk = {
        path.relative_to(CORPUS).as_posix(): path.read_bytes() for path in CORPUS.rglob("*") if path.is_file()
    }
    assert sorted(on_disk) == sorted(expected)
    assert [rel for rel in expected if on_disk[rel] != expected[rel]] == []
