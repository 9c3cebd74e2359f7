"""`sitegen serve`'s search: the pages changed since the main index was written, indexed on their own."""

from __future__ import annotations

import gzip
import json
import threading
import time
from pathlib import Path

from sitegen.mkdocs_plugin.pagefind_index import MANIFEST, PACKS, Ledger, index_site, pack_of
from sitegen.serving.liveindex import Coalesced, LiveIndex

PAGE = ('<!doctype html><html lang=en><body><header>Home</header><article class="md-content__inner">'
        "<div data-pagefind-body><h1>{title}</h1><p>{text}</p></div>"
        "<section class=sitegen-related>{related}</section></article></body></html>")


def write_page(site: Path, slug: str, title: str, text: str = "Some words.", related: str = "") -> Path:
    path = site / "papers" / slug / "index.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PAGE.format(title=title, text=text, related=related), encoding="utf-8")
    return path


def indexed_site(tmp_path: Path) -> tuple[Path, Ledger, LiveIndex]:
    """A site of three pages, indexed whole as `sitegen serve` does, and its live index."""
    site = tmp_path / "site"
    for slug in ("alpha", "beta", "gamma"):
        write_page(site, slug, f"Paper {slug}", f"Text of {slug}.")
    ledger = Ledger()
    index_site(site, site / "pagefind", ledger=ledger)
    live = LiveIndex(site)
    live.start(ledger)
    return site, ledger, live


def manifest(site: Path) -> dict[str, object]:
    found: dict[str, object] = json.loads((site / "pagefind" / MANIFEST).read_text(encoding="utf-8"))
    return found


def live_urls(site: Path) -> set[str]:
    """The URLs of the pages the live index named in the manifest holds, from its packs."""
    live = manifest(site)["live"]
    assert isinstance(live, dict)
    if not live.get("folder"):
        return set()
    folder = site / "pagefind" / str(live["folder"])
    urls = set()
    for name in live["pages"]:
        pack = folder / PACKS / f"{pack_of(name, int(live['packs']))}.pf_pack"
        urls.add(json.loads(gzip.decompress(pack.read_bytes()))[name]["url"])
    return urls


def test_the_ledger_names_each_page_s_fragment_and_record(tmp_path: Path) -> None:
    site, ledger, live = indexed_site(tmp_path)
    assert sorted(ledger.pages) == ["/papers/alpha/", "/papers/beta/", "/papers/gamma/"]
    assert sorted(ledger.fragments) == sorted(ledger.pages)
    assert len(set(ledger.fragments.values())) == 3
    assert all(signature is not None for signature, _ in ledger.pages.values())
    # Until a page changes, the live index holds nothing and leaves nothing out.
    assert manifest(site)["live"] == {"main": live.main_id}
    assert live.refresh() is not None and live_urls(site) == set()


def test_changed_added_and_removed_pages_are_indexed_live_and_the_main_entries_left_out(
        tmp_path: Path) -> None:
    site, ledger, live = indexed_site(tmp_path)
    gone = site / "papers/gamma/index.html"
    live.touch([str(write_page(site, "alpha", "Paper alpha", "Quokkas counted from orbit.")),
                str(write_page(site, "delta", "Paper delta", "A new paper of a dump.")), str(gone)])
    gone.unlink()
    changes = live.refresh()
    assert changes is not None
    assert sorted(changes.pages) == ["/papers/alpha/", "/papers/delta/"]
    assert "Quokkas" in changes.pages["/papers/alpha/"]
    assert changes.dropped == {ledger.fragments["/papers/alpha/"], ledger.fragments["/papers/gamma/"]}
    entry = manifest(site)["live"]
    assert isinstance(entry, dict)
    assert entry["main"] == live.main_id and entry["folder"] == "live-1/"
    assert sorted(entry["drop"]) == sorted(changes.dropped)
    assert live_urls(site) == {"/papers/alpha/", "/papers/delta/"}
    # What the main index holds of the other pages stays as it is.
    assert manifest(site)["packs"] == json.loads(
        (site / "pagefind" / MANIFEST).read_text(encoding="utf-8"))["packs"]
    # Edited back as it was indexed: the main index's entry answers again.
    live.touch([str(write_page(site, "alpha", "Paper alpha", "Text of alpha."))])
    changes = live.refresh()
    assert changes is not None
    assert sorted(changes.pages) == ["/papers/delta/"]
    assert changes.dropped == {ledger.fragments["/papers/gamma/"]}
    assert live_urls(site) == {"/papers/delta/"}


def test_a_page_rewritten_with_the_same_record_is_left_to_the_main_index(tmp_path: Path) -> None:
    site, _, live = indexed_site(tmp_path)
    # Its related papers changed (not part of what the search indexes of it).
    live.touch([str(write_page(site, "beta", "Paper beta", "Text of beta.", related="<a href=x>Other</a>"))])
    changes = live.refresh()
    assert changes is not None and changes.pages == {} and changes.dropped == frozenset()
    assert manifest(site)["live"] == {"main": live.main_id}


def test_a_new_main_index_takes_over_with_what_changed_while_it_was_written(tmp_path: Path) -> None:
    site, _, live = indexed_site(tmp_path)
    live.touch([str(write_page(site, "delta", "Paper delta", "A new paper of a dump."))])
    assert live.refresh() is not None and live_urls(site) == {"/papers/delta/"}
    first = live.main_id
    fresh, ledger, since = site / ".pagefind-next", Ledger(), live.mark()
    index_site(site, fresh, ledger=ledger)
    # Saved after the index read it.
    live.touch([str(write_page(site, "beta", "Paper beta", "Saved while the index was written."))])
    live.take_over(fresh, ledger, since)
    assert not fresh.exists() and live.main is ledger and live.main_id != first
    assert "/papers/delta/" in ledger.fragments  # in the main index now
    entry = manifest(site)["live"]
    assert isinstance(entry, dict) and entry["main"] == live.main_id
    assert live_urls(site) == {"/papers/beta/"}
    assert entry["drop"] == [ledger.fragments["/papers/beta/"]]
    assert not (site / ".pagefind-old").exists()


def test_old_live_folders_are_removed_but_the_one_before(tmp_path: Path) -> None:
    site, _, live = indexed_site(tmp_path)
    for n in range(4):
        live.touch([str(write_page(site, "alpha", "Paper alpha", f"Edit number {n}."))])
        live.refresh()
    assert sorted(p.name for p in (site / "pagefind").glob("live-*")) == ["live-3", "live-4"]


def test_only_pages_passes_touched_are_read_unless_a_whole_build_touched_every_one(tmp_path: Path) -> None:
    site, ledger, live = indexed_site(tmp_path)
    write_page(site, "alpha", "Paper alpha", "Written by no pass.")
    (site / "papers/gamma/index.html").unlink()
    changes = live.refresh()
    assert changes is not None and changes.pages == {} and changes.dropped == frozenset()
    live.touch(None)  # MkDocs' whole build
    changes = live.refresh()
    assert changes is not None and list(changes.pages) == ["/papers/alpha/"]
    assert changes.dropped == {ledger.fragments["/papers/alpha/"], ledger.fragments["/papers/gamma/"]}
    # Files outside what the index holds are never pages.
    live.touch([str(site / "404.html"), str(site / "pagefind/x.html"), str(site / "feed.xml")])
    assert live.refresh() == changes


def test_a_first_build_s_ledger_takes_the_signatures_of_the_files_written(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_page(site, "alpha", "Paper alpha")
    ledger = Ledger()
    ledger.pages["/papers/alpha/"] = (None, b"digest")
    ledger.stamp(site)
    signature = ledger.pages["/papers/alpha/"][0]
    assert signature is not None and signature[2] == (site / "papers/alpha/index.html").stat().st_size


def test_asks_during_a_run_make_one_run_more_and_quiet_waits_for_the_last() -> None:
    runs: list[float] = []
    going, release = threading.Event(), threading.Event()

    def job() -> None:
        runs.append(time.monotonic())
        going.set()
        release.wait(timeout=10)

    once = Coalesced(job)
    once.ask()
    assert going.wait(timeout=10)
    for _ in range(5):  # during the run: one more run after it, not five
        once.ask()
    release.set()
    end = time.monotonic() + 10
    while once.busy and time.monotonic() < end:
        time.sleep(0.01)
    assert len(runs) == 2

    runs.clear()
    quiet = Coalesced(lambda: runs.append(time.monotonic()), quiet=0.3)
    asked = time.monotonic()
    for _ in range(3):
        quiet.ask()
        time.sleep(0.1)
    last = time.monotonic()
    while quiet.busy and time.monotonic() < asked + 10:
        time.sleep(0.01)
    assert len(runs) == 1 and runs[0] >= last - 0.1 + 0.3 - 0.05
