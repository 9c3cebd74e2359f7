"""The parse and dedupe cache: reused while sources and the curator's splits stay the same, never stale."""

from __future__ import annotations

import os
from pathlib import Path

import frontmatter
import pytest

from sitegen import build as build_module
from sitegen.build import build
from sitegen.buildcache import CACHE
from sitegen.config import load_config
from sitegen.state import STATE

from .test_build import snapshot


def rebuilt(project: Path):  # type: ignore[no-untyped-def]
    # Without the last build's state the no-op fast path cannot answer, but the cache can
    # (--force would bypass both).
    (project / "content" / STATE).unlink(missing_ok=True)
    return build(load_config(project))


def without_state(files: dict[str, tuple[bytes, int]]) -> dict[str, tuple[bytes, int]]:
    return {path: file for path, file in files.items() if path != STATE}  # rebuilt() writes it again


def refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("the cache should have answered")


def test_a_build_without_source_changes_neither_parses_nor_deduplicates(
    project: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = rebuilt(project)
    assert (project / "content" / CACHE).is_file()
    before = snapshot(project / "content")
    monkeypatch.setattr(build_module, "parse_sources", refuse)
    monkeypatch.setattr(build_module, "dedupe", refuse)
    again = rebuilt(project)
    assert (again.records, again.merged, again.papers) == (first.records, first.merged, first.papers)
    assert [str(d) for d in again.report.diagnostics] == [str(d) for d in first.report.diagnostics]
    assert without_state(snapshot(project / "content")) == without_state(before)


def test_force_parses_deduplicates_and_relates_again_and_keeps_the_new_cache(
    project: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = rebuilt(project)
    cache = project / "content" / CACHE
    before = cache.stat().st_mtime_ns
    calls: list[str] = []

    def counted(name: str, stage):  # type: ignore[no-untyped-def]
        def run(*args: object, **kwargs: object) -> object:
            calls.append(name)
            return stage(*args, **kwargs)
        return run

    monkeypatch.setattr(build_module, "parse_sources", counted("parse", build_module.parse_sources))
    monkeypatch.setattr(build_module, "dedupe", counted("dedupe", build_module.dedupe))
    monkeypatch.setattr(build_module, "load_parsed", refuse)
    monkeypatch.setattr(build_module, "cached_related", refuse)
    again = build(load_config(project), force=True)
    assert calls == ["parse", "dedupe"]
    assert (again.records, again.merged, again.papers) == (first.records, first.merged, first.papers)
    assert cache.stat().st_mtime_ns > before
    monkeypatch.undo()
    monkeypatch.setattr(build_module, "parse_sources", refuse)
    monkeypatch.setattr(build_module, "dedupe", refuse)
    assert rebuilt(project).papers == first.papers  # the cache --force wrote answers the next build


def test_a_changed_source_is_parsed_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rebuilt(project)
    source = project / "sources/small.txt"
    added = "\n\nA Paper Added To The Dump\n\nWe add a paper to a dump read before, and expect its page.\n"
    source.write_text(source.read_text(encoding="utf-8") + added, encoding="utf-8")
    os.utime(source, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns + 1_000_000))
    result = rebuilt(project)
    assert (project / "content/papers/a-paper-added-to-the-dump.md").is_file(), result.summary()


def test_a_new_split_is_deduplicated_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = rebuilt(project)
    assert first.merged == 1
    merged = next(p for p in (project / "content/papers").glob("*.md")
                  if len(frontmatter.load(p).metadata.get("sources") or []) == 2)
    post = frontmatter.load(merged)
    second = post.metadata["sources"][1]
    post["distinct_from"] = [f"{second['file']}#{second['record']}"]
    merged.write_text(frontmatter.dumps(post, sort_keys=False) + "\n", encoding="utf-8")
    monkeypatch.setattr(build_module, "parse_sources", refuse)  # the records still come from the cache
    assert rebuilt(project).merged == 0


def test_a_damaged_cache_is_a_miss(project: Path) -> None:
    first = rebuilt(project)
    (project / "content" / CACHE).write_bytes(b"not a pickle")
    again = rebuilt(project)
    assert (again.records, again.papers) == (first.records, first.papers)
    assert (project / "content" / CACHE).read_bytes() != b"not a pickle"


def test_a_cache_sitegen_did_not_sign_is_never_unpickled(project: Path, tmp_path: Path) -> None:
    # A repository could ship content/.sitegen/dedupe.pickle: loading it would run its code.
    import pickle

    from sitegen.buildcache import _MAGIC, load_parsed

    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (marker.write_text, ("pwned",))

    rebuilt(project)
    cache = project / "content" / CACHE
    signed = cache.read_bytes()
    key = signed[len(_MAGIC):signed.index(b"\n", len(_MAGIC))].decode()
    body = pickle.dumps(Payload())
    for forged in (body,  # a bare pickle, as the cache once was
                   _MAGIC + key.encode() + b"\n" + body + b"0" * 64,  # the right key, a made-up signature
                   signed[:-64] + body + signed[-64:]):  # a signed file with something added
        cache.write_bytes(forged)
        assert load_parsed(project / "content", key) is None
        assert not marker.exists()
    cache.write_bytes(signed)
    assert load_parsed(project / "content", key) is not None


def test_a_signed_cache_of_classes_since_moved_is_a_miss(project: Path) -> None:
    # A cache an older sitegen wrote names its classes by their module paths then: loading it is a miss.
    import hashlib
    import hmac

    from sitegen.buildcache import _MAC, _MAGIC, load_parsed, signing_key

    first = rebuilt(project)
    cache = project / "content" / CACHE
    signed = cache.read_bytes()
    start = signed.index(b"\n", len(_MAGIC)) + 1
    key = signed[len(_MAGIC):start - 1].decode()
    body = signed[start:-_MAC]
    assert b"sitegen.models" in body
    body = body.replace(b"sitegen.models", b"sitegen.modelz")  # same length: the pickle stays well formed
    secret = signing_key()
    assert secret is not None
    mac = hmac.new(secret, body, hashlib.sha256).hexdigest().encode("ascii")
    cache.write_bytes(signed[:start] + body + mac)
    assert load_parsed(project / "content", key) is None
    again = rebuilt(project)
    assert (again.records, again.papers) == (first.records, first.papers)
    assert load_parsed(project / "content", key) is not None
