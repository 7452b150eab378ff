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
