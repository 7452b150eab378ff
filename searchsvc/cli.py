"""Command line: a thin skin over the indexer, the search service and the server."""

from __future__ import annotations

import json
import logging
import socket
import sys
from pathlib import Path

import click

from .errors import IndexBusy, SearchServiceError
from .settings import HELP, load_settings


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="searchsvc", prog_name="searchsvc", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def main(verbose: bool) -> None:
    """searchsvc: full-text search for Vietnamese press releases."""
    _setup_logging(verbose)


corpus_option = click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path),
                             help=HELP["corpus_dir"] + " [env SEARCHSVC_CORPUS_DIR; default corpus]")
sources_option = click.option("--sources", type=click.Path(dir_okay=False),
                              help=HELP["sources"] + " [env SEARCHSVC_SOURCES]")
index_option = click.option("--index", "index_dir", type=click.Path(path_type=Path),
                            help=HELP["index_dir"] + " [env SEARCHSVC_INDEX_DIR; default index]")


class IndexProgress:
    """A labelled progress bar on stderr: one step per file ("reading files"), then one
    for the commit ("committing"), which can take a while on a big run."""

    LABELS = {"reading": "reading files", "committing": "committing   ", "done": "done         "}

    def __init__(self, file=None, enabled: bool = True):
        self.file = file or sys.stderr
        self.enabled = enabled
        self.bar = None
        self.total = 0

    def _open(self, total: int) -> None:
        self.total = total
        self.bar = click.progressbar(length=total + 1, label=self.LABELS["reading"], file=self.file,
                                     show_pos=True, show_percent=True)
        self.bar.__enter__()

    def progress(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self._open(total)
        self.bar.update(1)

    def stage(self, name: str) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self._open(0)
        self.bar.label = self.LABELS.get(name, name)
        if name == "done":
            self.bar.update(max(0, self.bar.length - self.bar.pos))
        else:
            self.bar.render_progress()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def run_index_command(settings, rebuild: bool, wait: float):
    """Run one indexing pass with a progress bar on a terminal; return the summary."""
    from .indexing.indexer import run_index
    from .open import open_target

    bar = IndexProgress(enabled=sys.stderr.isatty())
    try:
        return run_index(
            settings.corpus_dir, settings.index_dir, rebuild=rebuild, wait=wait,
            progress=bar.progress, stage=bar.stage, target=open_target(settings),
            max_file_bytes=settings.max_file_bytes,
        )
    finally:
        bar.close()


def fail(command: str, message: str, code: int = 2) -> None:
    """One line on stderr and an exit status, never a traceback."""
    click.echo(f"searchsvc {command}: {message}", err=True)
    sys.exit(code)


@main.command()
@corpus_option
@index_option
@click.option("--rebuild", is_flag=True, help="Build a fresh index aside and switch to it atomically.")
@click.option("--wait", type=float, default=0.0, show_default=True,
              help="Seconds to wait for another running indexer before giving up.")
@click.option("--procs", type=int, help=HELP["index_procs"])
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def index(corpus_dir, index_dir, rebuild, wait, procs, as_json):
    """Create or update the index from the corpus folder (incremental by default)."""
    settings = load_settings(corpus_dir=corpus_dir, index_dir=index_dir, index_procs=procs)
    try:
        summary = run_index_command(settings, rebuild, wait)
    except IndexBusy as exc:
        fail("index", exc.message, 3)
    except SearchServiceError as exc:
        fail("index", exc.message)
    if as_json:
        click.echo(_printable(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2)))
    else:
        for ident, reason in summary.skipped_files:
            click.echo(_printable(f"skipped {ident}: {reason}"))
        click.echo(summary.line())


def _printable(text: str) -> str:
    """Lone surrogates (from file names that are not UTF-8) as `\\udcff` escapes, which
    any output encoding can print and which read back as the same JSON string."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@main.command()
@click.argument("query")
@index_option
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--per-page", type=int, help="Results per page [default 10].")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True,
              help="date: newest first.")
@click.option("--from", "date_from", metavar="DATE", help="Published on or after: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--to", "date_to", metavar="DATE", help="Published on or before: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--source", help="Only this source (the facet value, e.g. vntc).")
@click.option("--category", help="Only this category (the facet value).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of text.")
def search(query, index_dir, page, per_page, sort, date_from, date_to, source, category, as_json):
    """Search the index and print ranked results (the filters of GET /api/search)."""
    from .open import open_service
    from .search.params import parse_search_params
    from .search.snippets import ELLIPSIS

    settings = load_settings(index_dir=index_dir)
    # Through the API's own validation (same limits, same messages); an empty query or
    # `*` lists every document, newest first, as the API does.
    args = {"q": query, "page": str(page), "sort": sort, "from": date_from, "to": date_to,
            "source": source, "category": category,
            "per_page": str(per_page) if per_page is not None else None}
    try:
        req = parse_search_params({k: v for k, v in args.items() if v is not None}, settings)
    except SearchServiceError as exc:
        option = {"from": "--from", "to": "--to", "per_page": "--per-page"}.get(exc.param or "",
                                                                            f"--{exc.param}")
        fail("search", f"{option}: {exc.message}")
    service = open_service(settings)
    try:
        result = service.search(req)
    except SearchServiceError as exc:
        fail("search", exc.message)
    finally:
        service.close()
    per_page = req.per_page
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    import html
    import re

    def plain(marked: str) -> str:
        return html.unescape(re.sub(r"</?mark>", lambda m: "[" if m.group() == "<mark>" else "]", marked))

    from .names import load_names

    names = load_names(settings.display_names)
    if result.browse:
        click.echo(f"{result.total} documents, newest first ({result.took_ms:.0f} ms)")
    elif result.corrected_query:
        click.echo(f"no results for {result.query!r}; showing {result.total} results for "
                   f"{result.corrected_query!r} ({result.took_ms:.0f} ms)")
    else:
        click.echo(f"{result.total} results for {result.query!r} ({result.took_ms:.0f} ms)")
        if result.suggestion:
            click.echo(f"did you mean: {result.suggestion}")
    if result.total_approximate:
        click.echo(f"{result.total_approximate} more match only when accents are ignored (listed after these)")
    shown_approximate = False
    for i, hit in enumerate(result.hits, start=(req.page - 1) * per_page + 1):
        if hit.approximate and not shown_approximate:
            click.echo("\n-- approximate: match only when accents are ignored --")
            shown_approximate = True
        date = hit.date.isoformat() if hit.date else "-"
        click.echo(f"\n{i}. {plain(hit.title_html)}  [{hit.score:.2f}]")
        click.echo(f"   {hit.id} · {date} · {names.source(hit.source) or '-'}"
                   + (f" · {names.category(hit.category)}" if hit.category else ""))
        click.echo(f"   {plain(hit.snippet).replace(ELLIPSIS + ' ', ELLIPSIS)}")


@main.command()
@click.argument("text")
def analyze(text):
    """Print the tokens of every indexed field for TEXT."""
    from .analysis import analyze_fields, normalize_text

    for field, terms in analyze_fields(normalize_text(text)).items():
        click.echo(f"{field}: {' '.join(terms)}")


@main.command()
@corpus_option
@index_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, type=click.IntRange(1, 65535), show_default=True)
@click.option("--threads", default=8, type=int, show_default=True, help="Threads per process.")
@click.option("--workers", type=int, help=HELP["serve_workers"])
@click.option("--reindex-every", help=HELP["reindex_every"])
@sources_option
def serve(corpus_dir, index_dir, host, port, threads, workers, reindex_every, sources):
    """Serve the web form and the JSON API with the waitress production server."""
    from .server import serve as run_server

    import errno

    from .open import open_target

    settings = load_settings(corpus_dir=corpus_dir, index_dir=index_dir, reindex_every=reindex_every,
                             serve_workers=workers, sources=sources)
    if not settings.corpus_dir.is_dir() and (settings.reindex_every or not open_target(settings).exists()):
        fail("serve", f"corpus folder {settings.corpus_dir} does not exist (nothing to index)")
    try:
        run_server(settings, host=host, port=port, threads=threads, workers=settings.serve_workers)
    except IndexBusy as exc:
        fail("serve", exc.message, 3)
    except SearchServiceError as exc:
        fail("serve", exc.message)
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL) or isinstance(
                exc, socket.gaierror):
            reason = {errno.EADDRINUSE: "address already in use (another server on this port?)",
                      errno.EACCES: "permission denied (ports below 1024 need privileges)",
                      errno.EADDRNOTAVAIL: "address not available on this machine"}.get(
                          exc.errno, exc.strerror or str(exc))
            fail("serve", f"cannot listen on {host}:{port}: {reason}", 4)
        raise


@main.command()
@corpus_option
@index_option
@click.option("--every", required=True, help="Interval between runs: 30s, 15m, 1h.")
@click.option("--max-runs", type=int, help="Stop after this many runs (for testing).")
@sources_option
def schedule(corpus_dir, index_dir, every, max_runs, sources):
    """Reindex incrementally on a schedule, in the foreground (one log line per run);
    with sources, fetch them before each reindex."""
    import signal

    from .indexing.schedule import Scheduler, parse_interval
    from .open import open_target

    try:
        seconds = parse_interval(every)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--every") from None
    settings = load_settings(corpus_dir=corpus_dir, index_dir=index_dir, reindex_every=every, sources=sources)
    scheduler = Scheduler(settings, open_target(settings), seconds, label=every)

    def stop(signum, frame):
        logging.getLogger("searchsvc.schedule").info("stopping after signal %d", signum)
        scheduler.stop(timeout=0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.run_forever(max_runs=max_runs)


@main.command()
@corpus_option
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(corpus_dir, index_dir, as_json):
    """Report document count, index size, last run, last failure and the schedule."""
    from .indexing.status import collect_status
    from .open import open_backend

    settings = load_settings(corpus_dir=corpus_dir, index_dir=index_dir)
    backend = open_backend(settings)
    try:
        info = collect_status(settings, backend)
    finally:
        backend.close()
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    click.echo(f"index:        {info['index_dir']} ({info['generation'] or 'none'})")
    click.echo(f"documents:    {info['documents'] if info['ready'] else 'no index yet'}")
    click.echo(f"size:         {info['index_bytes'] / 1e6:.1f} MB")
    cluster = info.get("cluster")
    if cluster:
        click.echo(f"cluster:      {cluster['name']}, {cluster['health']}, {cluster['nodes']} nodes;"
                   f" alias {cluster['alias']} -> {cluster['index']}")
    ok = info["last_success"]
    click.echo(f"last success: {ok['time'] + ' - ' + _summary_line(ok['summary']) if ok else 'never'}")
    bad = info["last_failure"]
    click.echo(f"last failure: {bad['time'] + ' - ' + bad['error'] if bad else 'none'}")
    sched = info["schedule"]
    click.echo(f"schedule:     {'every ' + sched['every'] + ', next ' + sched['next_run'] if sched else 'none running'}")
    fetched = info["last_fetch"]
    if fetched or info["sources_configured"]:
        from .fetch import FetchSummary

        line = FetchSummary.from_dict(fetched["summary"]).line() if fetched else "never"
        click.echo(f"last fetch:   {fetched['time'] + ' - ' + line if fetched else line}")


def _summary_line(summary: dict) -> str:
    return ", ".join(f"{k} {summary.get(k, 0)}" for k in ("added", "updated", "deleted", "unchanged", "skipped"))


@main.command()
@sources_option
@corpus_option
@click.option("--wait", type=float, default=0.0, show_default=True,
              help="Seconds to wait for another running fetch before giving up.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def fetch(sources, corpus_dir, wait, as_json):
    """Fetch new and changed pages from the sources' feeds and sitemaps into the corpus
    (then run `index` to make them searchable)."""
    from .fetch import FetchBusy, load_sources, run_fetch

    settings = load_settings(corpus_dir=corpus_dir, sources=sources)
    if not settings.sources:
        raise click.UsageError("no sources file: give --sources FILE or set SEARCHSVC_SOURCES")
    show = sys.stderr.isatty()

    def progress(name: str, done: int, total: int) -> None:
        click.echo(f"\r{name}: {done}/{total} pages", nl=done == total, err=True)

    try:
        summary = run_fetch(load_sources(settings.sources), settings.corpus_dir, wait=wait,
                            progress=progress if show else None)
    except FetchBusy as exc:
        fail("fetch", exc.message, 3)
    except SearchServiceError as exc:
        fail("fetch", exc.message)
    except OSError as exc:  # e.g. a read-only corpus folder
        click.echo(f"searchsvc fetch: {exc}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
        return
    for name, reason in summary.broken:
        click.echo(f"source {name}: {reason}")
    for url, reason in summary.failures:
        click.echo(f"failed {url}: {reason}")
    click.echo(summary.line())


if __name__ == "__main__":
    main()
