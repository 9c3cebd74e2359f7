"""Front matter as YAML text: exactly what PyYAML writes and reads, several times faster.

A build writes tens of thousands of pages, and PyYAML's representer (Python
code even with the C emitter) was a third of the time spent rendering each.
Front matter that sitegen writes holds a few shapes only: strings, numbers,
dates, lists of strings and lists of small mappings. `dump` writes those
itself whenever it is sure PyYAML would write the same bytes (plain or
single-quoted one-line strings of ordinary characters), and hands anything
else, the whole mapping, to PyYAML. `load` reads that layout back, and only
returns what it read when `dump` writes exactly the same text from it, which
makes it what PyYAML would read; anything else is left to PyYAML. Reading
80,000 pages took PyYAML (C parser, Python constructor) 150 µs a page, `load` 104.
tests/test_yamltext.py holds both to PyYAML on random values.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

import yaml
from yaml.resolver import Resolver

# How sitegen writes YAML: keys in the given order, Unicode as is, no folding
# of long lines; the C emitter where PyYAML has it.
OPTIONS: dict[str, Any] = {
    "sort_keys": False, "allow_unicode": True, "width": 1000, "default_flow_style": False,
    "Dumper": getattr(yaml, "CSafeDumper", yaml.SafeDumper),
}

# Characters whose treatment by both of PyYAML's emitters is simple: printable
# ASCII and common letters, dashes and quotes; no line breaks, no odd spaces.
_ORDINARY = re.compile(
    "[\x20-\x7e\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u2010-\u2027\u2030-\u205e\u2100-\u23ff"
    "\u3040-\u30ff\u4e00-\u9fff]*"
)
_INDICATORS = "#,[]{}&*!|>'\"%@`"  # a string starting with one of these is quoted
_LONGEST = 800  # longer lines are folded at width; PyYAML decides those
_STR = "tag:yaml.org,2002:str"
_RESOLVER = Resolver()


class _Unsure(Exception):
    """A value this writer does not promise to write as PyYAML would."""


def dump(meta: dict[str, Any]) -> str:
    """The mapping as YAML block text without the final newline (as python-frontmatter exports it)."""
    try:
        if not meta:
            raise _Unsure
        lines: list[str] = []
        _mapping(meta, "", lines)
        return "\n".join(lines)
    except _Unsure:
        return str(yaml.dump(meta, **OPTIONS)).strip()


def _scalar(value: object) -> str:
    if isinstance(value, str):
        return _string(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if type(value) is int:
        return str(value)
    if type(value) is dt.date:
        return value.isoformat()
    raise _Unsure


@functools.lru_cache(maxsize=16384)  # keys, tags, file names and template names repeat on every page
def _string(text: str) -> str:
    if not text or len(text) > _LONGEST or text != text.strip(" ") or not _ORDINARY.fullmatch(text):
        raise _Unsure
    if _plain(text) and _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR:  # type: ignore[no-untyped-call]
        return text
    return "'" + text.replace("'", "''") + "'"


def _plain(text: str) -> bool:
    """Whether YAML allows the text unquoted in a block (the emitters' indicator rules)."""
    if text[0] in _INDICATORS or text.startswith(("---", "...")):
        return False
    if text[0] in "-?:" and (len(text) == 1 or text[1] == " "):
        return False
    return not (": " in text or text.endswith(":") or " #" in text)


_KEY = re.compile(r"[a-z_][a-z0-9_]*")


def _key(key: object) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise _Unsure
    return _string(key)


def _mapping(meta: dict[str, Any], indent: str, lines: list[str]) -> None:
    for key, value in meta.items():
        name = _key(key)
        if isinstance(value, list):
            if not value:
                lines.append(f"{indent}{name}: []")
                continue
            lines.append(f"{indent}{name}:")
            for item in value:
                if isinstance(item, dict):
                    if not item:
                        raise _Unsure
                    nested: list[str] = []
                    _mapping(item, indent + "  ", nested)
                    # The first key goes on the dash line: "- file: x" then "  record: 3".
                    lines.append(f"{indent}- {nested[0][len(indent) + 2:]}")
                    lines.extend(nested[1:])
                elif isinstance(item, list | dict):
                    raise _Unsure
                else:
                    lines.append(f"{indent}- {_scalar(item)}")
        elif isinstance(value, dict):
            if not value:
                raise _Unsure
            lines.append(f"{indent}{name}:")
            _mapping(value, indent + "  ", lines)
        else:
            lines.append(f"{indent}{name}: {_scalar(value)}")


_ITEM_KEY = re.compile(r"[a-z_][a-z0-9_]*:(?: |$)")
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_DATE = "tag:yaml.org,2002:timestamp"
_DIGITS = re.compile(r"-?(?:0|[1-9][0-9]*)")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def load(text: str) -> dict[str, Any] | None:
    """The mapping `dump` wrote as this text, or None when the text is anything else (ask PyYAML)."""
    front = text.rstrip("\n")
    try:
        meta = _read_mapping(front.split("\n"))
    except (_Unsure, ValueError):
        return None
    # The proof: written back, it is this very text, so PyYAML reads the same values from it.
    return meta if meta and dump(meta) == front else None


def _read_mapping(lines: list[str]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    i = 0
    while i < len(lines):
        key, value = _pair(lines[i])
        i += 1
        if value is not _BLOCK:
            meta[key] = value
        elif i < len(lines) and lines[i].startswith("- "):
            items: list[Any] = []
            while i < len(lines) and lines[i].startswith("- "):
                first = lines[i][2:]
                i += 1
                if not _ITEM_KEY.match(first):
                    items.append(_scalar_of(first))
                    continue
                item = dict([_pair(first, nested=True)])  # "- file: x", then "  record: 3" lines
                while i < len(lines) and lines[i].startswith("  ") and not lines[i].startswith("   "):
                    name, found = _pair(lines[i][2:], nested=True)
                    item[name] = found
                    i += 1
                items.append(item)
            meta[key] = items
        else:
            raise _Unsure  # a nested mapping, or an empty value: PyYAML reads those
    return meta


_BLOCK = object()  # "key:" with the value on the lines below


def _pair(line: str, nested: bool = False) -> tuple[str, Any]:
    key, colon, rest = line.partition(":")
    if not colon or not _KEY.fullmatch(key):
        raise _Unsure
    if not rest:
        if nested:
            raise _Unsure
        return key, _BLOCK
    if rest[0] != " ":
        raise _Unsure
    value = rest[1:]
    return key, [] if value == "[]" else _scalar_of(value)


@functools.lru_cache(maxsize=16384)  # keys' values repeat: tags, file names, years, the template
def _scalar_of(text: str) -> Any:
    if text.startswith("'"):
        inner = text[1:-1]
        if len(text) < 2 or not text.endswith("'") or "'" in inner.replace("''", ""):
            raise _Unsure
        return inner.replace("''", "'")
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    if tag == _STR:
        return text
    if tag == _INT and _DIGITS.fullmatch(text):
        return int(text)
    if tag == _BOOL and text in ("true", "false"):
        return text == "true"
    if tag == _NULL and text == "null":
        return None
    if tag == _DATE and _DAY.fullmatch(text):
        return dt.date.fromisoformat(text)
    raise _Unsure
