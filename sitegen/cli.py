"""Command line: ``sitegen new``, ``build``, ``serve``, ``dedupe``, ``retag``, ``check``, ``search``
and ``enrich``."""

from __future__ import annotations

import json
import re
import shlex
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from .build import build, review
from .check import check_content
from .config import DEFAULTS, Config, ConfigError, find_project, load_config
from .matching.review import render_report, summary
from .mkdocs_plugin.layouts import check_layouts
from .models import Diagnostic, SitegenError, display_path
from .pages import read_pages
from .parallel import Standby
from .progress import Stages, live_stages
from .readers.formats import FORMATS
from .retag import plan_retag, retagged, write_changes
from .scaffold import is_empty, plan_project, text_problem, write_project
from .search import search
from .tagging.learn import learn, learn_keeping_words
from .tagging.learn import prepare as prepare_learning
from .tagging.tag import load_topics

F = TypeVar("F", bound=Callable[..., Any])


@click.group()
@click.version_option(package_name="sitegen")
def main() -> None:
    """Build a reading-list website from paper listings (MkDocs Material)."""


def _project_options(func: F) -> F:
    """The options every command shares: where the project, its content and its sources are."""
    for option in reversed([
        click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Project folder holding pyproject.toml (default: found from here upwards)."),
        click.option("--content", metavar="DIR", help="Content folder (MkDocs docs_dir)."),
        click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of unexpected errors."),
    ]):
        func = option(func)
    return func


def _source_options(func: F) -> F:
    for option in reversed([
        click.option("--sources", "sources", multiple=True, metavar="PATH",
                     help="Source file or folder to read; repeat for several. "
                          "Default: [tool.sitegen] sources."),
        click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                     help="Read every source in this format instead of detecting it from the file."),
    ]):
        func = option(func)
    return func


def _config(project: Path | None, content: str | None, sources: tuple[str, ...] = (),
            fmt: str | None = None) -> Config:
    root = project or find_project(Path.cwd())
    cwd = Path.cwd()
    # Paths given on the command line are relative to where the user is.
    return load_config(
        root,
        sources=tuple(str((cwd / s).resolve()) for s in sources),
        content=str((cwd / content).resolve()) if content else None,
        fmt=fmt,
    )


@contextmanager
def _errors(verbose: bool) -> Iterator[None]:
    """Report configuration and fatal errors compiler-style; tracebacks only with -v."""
    try:
        yield
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(2)
    except SitegenError as exc:
        click.echo(f"sitegen: error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:
        if verbose:
            traceback.print_exc()
        else:
            click.echo(f"sitegen: internal error: {exc!r} (run with -v for the traceback)", err=True)
        sys.exit(3)


def _print(problems: list[Diagnostic]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


@main.command("build")
@_source_options
@_project_options
@click.option("--strict", is_flag=True, help="Exit with status 1 if any input problem is found.")
@click.option("--force", is_flag=True,
              help="Rebuild everything from the sources, even when nothing changed; reuse no cached result.")
@click.option("--timings", is_flag=True, help="Print how long each stage of the build took.")
def build_command(sources: tuple[str, ...], fmt: str | None, project: Path | None, content: str | None,
                  verbose: bool, strict: bool, force: bool, timings: bool) -> None:
    """Parse sources, deduplicate, tag and write paper, topic and index pages.

    Pages a curator has edited are never overwritten: an existing paper page
    only gains new `sources` entries and bibliographic fields it lacks.
    Unchanged pages are not touched, and when no source, page or setting
    changed since the last build, nothing is read or written at all.
    """
    # A live status line on terminals only: CI logs get the plain summary line.
    with _errors(verbose), live_stages(sys.stderr.isatty()) as stages:
        result = build(_config(project, content, sources, fmt), force=force, stages=stages)
    _print(result.report.diagnostics)
    click.echo(result.summary())
    if timings:
        click.echo(stages.summary(), err=True)
    if strict and result.report.diagnostics:
        sys.exit(1)


@main.command("serve")
@_project_options
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True, metavar="IP:PORT",
              help="Address to serve the site on.")
@click.option("-f", "--config-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="MkDocs configuration (default: mkdocs.yml of the project).")
def serve_command(project: Path | None, content: str | None, verbose: bool, dev_addr: str,
                  config_file: Path | None) -> None:
    """Build the list and the site, serve it on localhost, and rebuild on every change.

    A saved page is rendered alone and shows within seconds; sitegen's build
    then updates what depends on it (topic pages, feeds, exports). A changed
    topics.yml or a new dump under sources/ runs sitegen's build, then MkDocs
    renders only the pages it wrote. Browsers reload by themselves.
    """
    from .serving.serve import serve, theme_paths  # MkDocs' server is imported only for this command

    host, _, port = dev_addr.rpartition(":")
    if not host or not port.isdigit():
        raise click.BadParameter(f"{dev_addr!r} is not IP:PORT", param_hint="--dev-addr")
    with _errors(verbose):
        config = _config(project, content)
        result = build(config)
    _print(result.report.diagnostics)
    click.echo(result.summary())
    mkdocs_file = (config_file or config.root / "mkdocs.yml").resolve()
    with _errors(verbose):
        serve(config, mkdocs_file, host, int(port), theme_paths(mkdocs_file))


@main.command("dedupe")
@_source_options
@_project_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to this file instead of printing it.")
@click.option("--summary", "only_summary", is_flag=True, help="Print only the one-line summary.")
def dedupe_command(sources: tuple[str, ...], fmt: str | None, project: Path | None, content: str | None,
                   verbose: bool, output: Path | None, only_summary: bool) -> None:
    """Report how the sources deduplicate: every merge with its reason, and the near misses.

    Nothing is written except the report file asked for with --output. Use it
    to review merges before a build, then split or force them in the paper
    pages' front matter (`distinct_from`, `duplicate_of`).
    """
    with _errors(verbose):
        result = review(_config(project, content, sources, fmt))
    _print(result.report.diagnostics)
    line = summary(result.dedupe, result.records)
    if only_summary:
        click.echo(line)
    elif output:
        output.write_text(render_report(result.dedupe, result.records), encoding="utf-8")
        click.echo(f"{line}; report written to {output}")
    else:
        click.echo(render_report(result.dedupe, result.records), nl=False)


@main.command("retag")
@_project_options
@click.option("--dry-run", is_flag=True, help="Show the tag changes without writing anything.")
@click.option("--timings", is_flag=True, help="Print how long each stage of the retag and the build took.")
def retag_command(project: Path | None, content: str | None, verbose: bool, dry_run: bool,
                  timings: bool) -> None:
    """Re-apply topics.yml and the topics learned from your tags, then rebuild.

    Tags you added by hand stay, tags you removed stay removed (each page
    remembers what sitegen gave it in `auto_tags`); only sitegen's own tags
    follow the taxonomy and the classifier. Pages you tagged teach it and
    only gain topics new to them whose terms match. Each change is shown
    with its confidence.
    """
    stages = Stages()
    with _errors(verbose):
        config = _config(project, content)
        topics, problems = load_topics(config.topics, display_path(config.topics, config.root))
        if problems:
            _print(problems)
            sys.exit(2)
        # The helper imports scikit-learn while the pages are read, then learns while terms are matched,
        # then finds the related papers of the rebuild.
        with Standby(prepare_learning, learn if dry_run else learn_keeping_words) as helper:
            with stages.stage("retag: read"):
                pages, broken, problems = read_pages(config.content / "papers", config.root)
            with stages.stage("retag: plan"):
                changes, skipped = plan_retag(pages, topics, config.root, config.tagging, helper)
            _print((problems if dry_run else []) + skipped)  # the build reports the pages' problems
            if changes:  # one write: echoing 8,000 lines one by one took half a second
                click.echo("\n".join(change.describe(config.root) for change in changes))
            if dry_run:
                click.echo(f"sitegen retag: {len(changes)} pages would change (dry run, nothing written)")
            else:
                # The helper, idle now, writes the pages while the rebuild starts from them in memory.
                files = {display_path(change.page.path, config.content): change.text for change in changes}
                pending = helper.submit((config.content, files), write_changes) if files else None
                try:
                    # The build starts from the pages as written, not reading them again; it waits for
                    # the writing before its own, and is not skipped (the content is changing).
                    result = build(config, stages=stages, helper=helper, pending=pending,
                                   pages=(retagged(pages, changes), broken, problems))
                finally:
                    with stages.stage("retag: write"):  # what is left of it (the rebuild failed early)
                        if pending is not None:
                            pending()  # a second wait gives the first one's outcome again
                    click.echo(f"sitegen retag: {len(changes)} pages retagged")
    if not dry_run:
        _print(result.report.diagnostics)
        click.echo(result.summary())
    if timings:
        click.echo(stages.summary(), err=True)


@main.command("check")
@_project_options
@click.option("--strict", is_flag=True, help="Exit with status 1 on warnings too.")
def check_command(project: Path | None, content: str | None, verbose: bool, strict: bool) -> None:
    """Validate the content folder: front matter, tags, duplicates, links, abstracts.

    Also warns about layouts the project overrides (the theme's custom_dir in
    mkdocs.yml) that are older than the ones this sitegen ships.

    Exits with status 1 when an error is found (with --strict, any problem).
    Writes nothing.
    """
    with _errors(verbose):
        config = _config(project, content)
        topics, problems = load_topics(config.topics, display_path(config.topics, config.root))
        problems += check_content(config.content, topics, config.root, config.tagging)
        problems += check_layouts(config.root)
    _print(problems)
    errors = sum(1 for p in problems if p.level == "error")
    warnings = len(problems) - errors
    click.echo(f"sitegen check: {errors} errors, {warnings} warnings")
    if errors or (strict and warnings):
        sys.exit(1)


@main.command("search")
@click.argument("query", nargs=-1, required=True)
@_project_options
@click.option("-n", "--limit", type=click.IntRange(1), default=10, show_default=True,
              help="Most results to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON, for scripts.")
def search_command(query: tuple[str, ...], project: Path | None, content: str | None, verbose: bool,
                   limit: int, as_json: bool) -> None:
    """Search the reading list: title matches first, then topics, then abstracts.

    QUERY uses lunr's syntax, as the site's search box does: words (all
    optional, more matches rank higher), +required, -excluded, prefix*,
    title:word.
    """
    with _errors(verbose):
        config = _config(project, content)
        hits = search(config.content, " ".join(query), config.root, limit)
    if as_json:
        click.echo(json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=1))
        return
    if not hits:
        click.echo("no paper matches", err=True)
        sys.exit(1)
    for hit in hits:
        click.echo(hit.title)
        click.echo(f"  {', '.join(hit.topics) or 'no topic'} · {hit.path}")


@main.command("enrich")
@_project_options
@click.option("--dry-run", is_flag=True, help="Look papers up and report, but write nothing.")
@click.option("--limit", type=click.IntRange(1), default=None, metavar="N", help="Look up at most N papers.")
@click.option("--delay", type=click.FloatRange(0), default=None, metavar="SECONDS",
              help="Pause between requests [default: 1 for the Papers API, 3 for arXiv, as it asks].")
@click.option("--timeout", type=click.FloatRange(0.1), default=30.0, show_default=True, metavar="SECONDS",
              help="Give up on a request after this long (it is then retried).")
@click.option("--endpoint", metavar="URL", default=None,
              help="Papers API server [default: $HF_ENDPOINT, else https://huggingface.co].")
@click.option("--arxiv/--no-arxiv", "use_arxiv", default=True, show_default=True,
              help="Ask arXiv's API about papers the Papers API does not hold.")
@click.option("--arxiv-endpoint", metavar="URL", envvar="SITEGEN_ARXIV_ENDPOINT", default=None,
              help="arXiv API query URL [default: $SITEGEN_ARXIV_ENDPOINT, else "
                   "https://export.arxiv.org/api/query].")
@click.option("--recheck", is_flag=True, help="Ask again about papers an earlier run did not find.")
def enrich_command(project: Path | None, content: str | None, verbose: bool, dry_run: bool,
                   limit: int | None, delay: float | None, timeout: float, endpoint: str | None,
                   use_arxiv: bool, arxiv_endpoint: str | None, recheck: bool) -> None:
    """Find arXiv ids, authors and dates of papers that have no arXiv id or DOI.

    Each such paper is looked up by its title in the Hugging Face Papers API
    (with huggingface_hub, which honours HF_ENDPOINT and HF_TOKEN), then in
    arXiv's API. A candidate is taken only when both its title and its
    abstract agree with the page's, as the dedupe stage decides.

    What is found is written as a source file, sources/enriched/papers-api.jsonl,
    which the next `sitegen build` merges into the pages (filling only keys a
    page lacks). Papers found once are never asked about again; a run that is
    interrupted keeps what it found, and the next run goes on from there.
    """
    from .enrich.clients import ArxivApi, PapersApi, Policy
    from .enrich.run import enrich, report

    with _errors(verbose):
        config = _config(project, content)
        hf_policy = Policy(delay=1.0 if delay is None else delay, timeout=timeout)
        services: list[Any] = [PapersApi(endpoint, hf_policy)]
        policies = [hf_policy]
        if use_arxiv:
            arxiv_policy = Policy(delay=3.0 if delay is None else delay, timeout=timeout)
            services.append(ArxivApi(arxiv_endpoint, arxiv_policy))
            policies.append(arxiv_policy)
        with _progress(sys.stderr.isatty()) as progress:
            result = enrich(config, services, dry_run=dry_run, limit=limit, recheck=recheck,
                            requests=lambda: sum(p.requests for p in policies), progress=progress)
    for problem in result.problems:
        click.echo(problem, err=True)
    if result.unreachable and not any(o.verdict or o.error for o in result.outcomes):
        click.echo(f"sitegen enrich: error: {result.unreachable}; nothing changed", err=True)
        sys.exit(1)
    for line in report(result, dry_run=dry_run):
        click.echo(line)
    if result.unreachable:
        click.echo(f"sitegen enrich: error: {result.unreachable}; stopped, results so far kept", err=True)
        sys.exit(1)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int, str], None] | None]:
    """A rich progress bar on a terminal; nothing in logs."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("looking up"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  TextColumn("{task.description}"), transient=True) as bar:
        task = bar.add_task("", total=None)

        def update(number: int, total: int, title: str) -> None:
            bar.update(task, completed=number - 1, total=total, description=title[:40])

        yield update


def _interactive() -> bool:
    """Whether to prompt: only when a person is at a terminal."""
    return sys.stdin.isatty()


def _default_title(folder: Path) -> str:
    words = re.sub(r"[-_\s]+", " ", folder.resolve().name).strip()
    return words[:1].upper() + words[1:] if words else "Reading list"


@main.command("new")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", help="The list's title (default: asked on a terminal, else from FOLDER's name).")
@click.option("--description", help="One or two sentences for the home page (asked on a terminal).")
@click.option("--with-seeds", is_flag=True, help="Add sitegen's five seed dumps to sources/, for a demo.")
@click.option("--force", is_flag=True,
              help="Write into a folder that is not empty; files that exist are still left as they are.")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of unexpected errors.")
def new_command(folder: Path, title: str | None, description: str | None, with_seeds: bool, force: bool,
                verbose: bool) -> None:
    """Start a reading list in FOLDER: configuration, sources/, content/ and a publishing workflow.

    Writes pyproject.toml ([tool.sitegen] with the title and description),
    mkdocs.yml, topics.yml (a taxonomy to start from), sources/ with a README
    on what to put there, content/, requirements.txt, a README with the list's
    two commands, .gitignore and the GitHub Pages workflow. The page layouts
    come with sitegen itself, so upgrading sitegen updates them.

    FOLDER must be empty or new; with --force the missing files are written
    and every existing file is kept.
    """
    with _errors(verbose):
        if not force and not is_empty(folder):
            click.echo(f"sitegen: error: {folder} is not empty\n"
                       "  hint: choose a new folder, or add --force to write only the files that are missing",
                       err=True)
            sys.exit(2)
        default = _default_title(folder)
        if title is None:
            title = click.prompt("Title", default=default) if _interactive() else default
        if description is None:
            fallback = str(DEFAULTS["description"])
            description = click.prompt("Description", default=fallback) if _interactive() else fallback
        title, description = title.strip(), description.strip()
        problem = text_problem("title", title) or text_problem("description", description, multiline=True)
        if problem:
            raise SitegenError(problem)
        done = write_project(folder, plan_project(title, description, with_seeds))
    for name in done.kept:
        click.echo(f"kept {name} (exists)", err=True)
    click.echo(f"sitegen new: {len(done.written)} files written in {folder}, {len(done.kept)} kept")
    click.echo(f"next: cd {shlex.quote(str(folder))} && sitegen build && mkdocs serve")
