"""Command line: ``sitegen build``, ``dedupe``, ``retag``, ``check`` and ``search``."""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from .build import build, review
from .check import check_content
from .config import Config, ConfigError, find_project, load_config
from .formats import FORMATS
from .models import Diagnostic, SitegenError, display_path
from .pages import read_pages
from .progress import live_stages
from .retag import plan_retag
from .review import render_report, summary
from .search import search
from .tag import load_topics
from .write import write_pages

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
@click.option("--force", is_flag=True, help="Rebuild even when nothing changed since the last build.")
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
def retag_command(project: Path | None, content: str | None, verbose: bool, dry_run: bool) -> None:
    """Re-apply topics.yml to existing paper pages, then rebuild.

    Tags you added by hand stay, tags you removed stay removed (each page
    remembers what sitegen gave it in `auto_tags`); only sitegen's own tags
    follow the taxonomy.
    """
    with _errors(verbose):
        config = _config(project, content)
        topics, problems = load_topics(config.topics, display_path(config.topics, config.root))
        if problems:
            _print(problems)
            sys.exit(2)
        pages, _, problems = read_pages(config.content / "papers", config.root)
        changes, skipped = plan_retag(pages, topics, config.root)
        _print(problems + skipped)
        for change in changes:
            click.echo(change.describe(config.root))
        if dry_run:
            click.echo(f"sitegen retag: {len(changes)} pages would change (dry run, nothing written)")
            return
        write_pages(config.content, {
            change.page.path.relative_to(config.content).as_posix(): change.text for change in changes})
        click.echo(f"sitegen retag: {len(changes)} pages retagged")
        result = build(config)
    _print(result.report.diagnostics)
    click.echo(result.summary())


@main.command("check")
@_project_options
@click.option("--strict", is_flag=True, help="Exit with status 1 on warnings too.")
def check_command(project: Path | None, content: str | None, verbose: bool, strict: bool) -> None:
    """Validate the content folder: front matter, tags, duplicates, links, abstracts.

    Exits with status 1 when an error is found (with --strict, any problem).
    Writes nothing.
    """
    with _errors(verbose):
        config = _config(project, content)
        topics, problems = load_topics(config.topics, display_path(config.topics, config.root))
        problems += check_content(config.content, topics, config.root)
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
