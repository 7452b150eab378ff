"""The command line through click's runner, on real files."""

from __future__ import annotations

import json

from click.testing import CliRunner

from searchsvc.cli import main

from .conftest import FIXTURE_CORPUS


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_index_search_status_cycle(tmp_path):
    index_dir = str(tmp_path / "index")
    first = run("index", "--corpus", str(FIXTURE_CORPUS), "--index", index_dir)
    assert first.exit_code == 0
    assert "added 27, updated 0, deleted 0, unchanged 0, skipped 0" in first.output
    assert "docs/s" in first.output

    again = run("index", "--corpus", str(FIXTURE_CORPUS), "--index", index_dir, "--json")
    summary = json.loads(again.output)
    assert (summary["added"], summary["unchanged"], summary["documents"]) == (0, 27, 27)

    found = run("search", "bien doi khi hau", "--index", index_dir)
    assert found.exit_code == 0
    assert "did you mean: biến đổi khí hậu" in found.output
    assert "[biến đổi khí hậu]" in found.output.lower()

    as_json = json.loads(run("search", "nq 57", "--index", index_dir, "--json").output)
    assert {"query", "total", "hits"} <= set(as_json)
    assert as_json["hits"][0]["id"].endswith((".txt", ".html"))

    status = json.loads(run("status", "--index", index_dir, "--json").output)
    assert status["documents"] == 27 and status["last_success"]["summary"]["unchanged"] == 27
    assert "documents:    27" in run("status", "--index", index_dir).output


def test_env_vars_configure_paths(tmp_path):
    env = {"SEARCHSVC_CORPUS_DIR": str(FIXTURE_CORPUS), "SEARCHSVC_INDEX_DIR": str(tmp_path / "ix")}
    assert run("index", env=env).exit_code == 0
    assert "27 documents" in run("status", env=env).output.replace("documents:    27", "27 documents")


def test_search_errors_are_clear(tmp_path):
    result = CliRunner().invoke(main, ["search", "bien", "--index", str(tmp_path / "none")])
    assert result.exit_code == 2 and "no index" in result.output.lower()
    run("index", "--corpus", str(FIXTURE_CORPUS), "--index", str(tmp_path / "ix"))
    nothing = CliRunner().invoke(main, ["search", "!!!", "--index", str(tmp_path / "ix")])
    assert nothing.exit_code == 2 and "no searchable words" in nothing.output
    browse = CliRunner().invoke(main, ["search", "  ", "--index", str(tmp_path / "ix")])
    assert browse.exit_code == 0 and browse.output.startswith("27 documents, newest first")


def test_missing_corpus_exit_code(tmp_path):
    result = CliRunner().invoke(main, ["index", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_analyze_prints_every_field():
    out = run("analyze", "Nghị quyết 57-NQ/TW về hoà bình").output.splitlines()
    fields = dict(line.split(": ", 1) for line in out)
    assert set(fields) == {"exact", "folded", "pairs"}
    assert "hòa" in fields["exact"].split() and "nq57" in fields["exact"].split()
    assert "hoa" in fields["folded"].split() and "nghi" in fields["folded"].split()
    assert "nghi_quyet" in fields["pairs"].split()


def test_schedule_rejects_bad_interval(tmp_path):
    result = CliRunner().invoke(main, ["schedule", "--every", "soon", "--index", str(tmp_path)])
    assert result.exit_code == 2 and "interval" in result.output


def test_schedule_runs_and_records(tmp_path):
    index_dir = tmp_path / "ix"
    result = run("schedule", "--every", "1s", "--max-runs", "2", "--corpus", str(FIXTURE_CORPUS),
                 "--index", str(index_dir))
    assert result.exit_code == 0
    status = json.loads(run("status", "--index", str(index_dir), "--json").output)
    assert status["documents"] == 27
    assert status["schedule"]["every"] == "1s"
    assert status["last_success"]["summary"]["unchanged"] == 27  # second run found nothing new


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.output.startswith("searchsvc ")


def test_serve_validates_the_port(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--port", "99999", "--index", str(tmp_path)])
    assert result.exit_code == 2 and "1<=x<=65535" in result.output


def test_serve_missing_corpus_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--corpus", str(tmp_path / "nope"),
                                       "--index", str(tmp_path / "ix")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        f"searchsvc serve: corpus folder {tmp_path / 'nope'} does not exist (nothing to index)"]


def test_serve_port_taken_is_one_line(tmp_path):
    import socket

    run("index", "--corpus", str(FIXTURE_CORPUS), "--index", str(tmp_path / "ix"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for workers in ("1", "2"):
            result = CliRunner().invoke(main, [
                "serve", "--corpus", str(FIXTURE_CORPUS), "--index", str(tmp_path / "ix"),
                "--port", str(port), "--workers", workers])
            assert result.exit_code == 4, result.output
            assert f"cannot listen on 127.0.0.1:{port}: address already in use" in result.output


def test_search_filters(tmp_path):
    index_dir = str(tmp_path / "ix")
    run("index", "--corpus", str(FIXTURE_CORPUS), "--index", index_dir)
    everything = json.loads(run("search", "tỉnh", "--index", index_dir, "--json",
                                "--per-page", "50").output)
    sources = {f["value"] for f in everything["facets"]["source"]}
    source = sorted(sources)[0]
    only = json.loads(run("search", "tỉnh", "--index", index_dir, "--json", "--per-page", "50",
                          "--source", source).output)
    assert only["total"] and {h["source"] for h in only["hits"]} == {source}
    dated = json.loads(run("search", "tỉnh", "--index", index_dir, "--json", "--from", "2024",
                           "--to", "2024-12-31", "--sort", "date").output)
    assert all(h["date"] and h["date"].startswith("2024") for h in dated["hits"])
    paged = json.loads(run("search", "tỉnh", "--index", index_dir, "--json", "--page", "2",
                           "--per-page", "1").output)
    assert (paged["page"], paged["per_page"]) == (2, 1)
    bad = CliRunner().invoke(main, ["search", "tỉnh", "--index", index_dir, "--from", "2024-13"])
    assert bad.exit_code == 2 and "--from" in bad.output and "Traceback" not in bad.output


def test_progress_bar_labels_the_commit():
    import io

    from searchsvc.cli import IndexProgress

    out = io.StringIO()
    bar = IndexProgress(file=out)
    for done in range(1, 4):
        bar.progress(done, 3)
    bar.stage("committing")
    assert bar.bar.label.strip() == "committing" and bar.bar.pos == 3 and bar.bar.length == 4
    bar.stage("done")
    assert bar.bar.pos == 4
    bar.close()
