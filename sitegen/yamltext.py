"""Front matter as YAML text: exactly what PyYAML writes, several times faster for plain values.

A build writes tens of thousands of pages, and PyYAML's representer (Python
code even with the C emitter) was a third of the time spent rendering each.
Front matter that sitegen writes holds a few shapes only: strings, numbers,
dates, lists of strings and lists of small mappings. `dump` writes those
itself whenever it is sure PyYAML would write the same bytes (plain or
single-quoted one-line strings of ordinary characters), and hands anything
else, the whole mapping, to PyYAML. tests/test_yamltext.py holds it to
PyYAML's output on random values.
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
