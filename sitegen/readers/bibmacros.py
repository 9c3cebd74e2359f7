"""BibTeX macros: ``@string`` definitions, ``#`` concatenation and the month macros, expanded.

bibtexparser 2's own ResolveStringReferencesMiddleware replaces a field that
is exactly one macro name, but leaves an expression such as ``foo # { and
more}`` as it is (its issue #396), so such titles lost their macro. This
middleware extends it to whole BibTeX expressions, resolved the way BibTeX
does: quoted and braced parts are text, numbers are themselves, names are
macros (case-insensitive; ``jan`` to ``dec`` are predefined), and an unknown
name stays as written. Expansion is bounded: a definition that refers to
itself, or that doubles up into more than `LONGEST` characters, is left as
written instead of exhausting memory.
"""

from __future__ import annotations

import calendar
from typing import Any

from bibtexparser.library import Library
from bibtexparser.middlewares import ResolveStringReferencesMiddleware

LONGEST = 100_000  # characters of one expanded value; titles and venues are far shorter
_MONTHS = {calendar.month_abbr[m].lower(): calendar.month_name[m] for m in range(1, 13)}


class _Unresolved(Exception):
    """An expression that cannot be expanded: malformed, cyclic or too long."""


def _pieces(expression: str) -> list[tuple[str, str]]:
    """The parts of a BibTeX expression as (kind, text): kind "text" (quoted or braced) or "name"."""
    parts: list[tuple[str, str]] = []
    i, n = 0, len(expression)
    while True:
        while i < n and expression[i].isspace():
            i += 1
        if i >= n:
            raise _Unresolved  # an empty part ("a # ")
        opener = expression[i]
        if opener in "{\"":
            depth, j = 0, i + 1
            while j < n:
                char = expression[j]
                if char == "\\":
                    j += 2
                    continue
                if char == "{":
                    depth += 1
                elif char == "}":
                    if depth == 0 and opener == "{":
                        break
                    depth -= 1
                elif char == '"' and opener == '"' and depth == 0:
                    break
                j += 1
            if j >= n or depth < 0:
                raise _Unresolved
            parts.append(("text", expression[i + 1:j]))
            i = j + 1
        else:
            j = i
            while j < n and expression[j] != "#" and not expression[j].isspace():
                j += 1
            parts.append(("name", expression[i:j]))
            i = j
        while i < n and expression[i].isspace():
            i += 1
        if i >= n:
            return parts
        if expression[i] != "#":
            raise _Unresolved  # two parts without "#" between them
        i += 1


class ResolveMacros(ResolveStringReferencesMiddleware):
    """Replace macro references, also inside ``#`` expressions, with their values."""

    def transform(self, library: Library) -> Library:
        """Expand every field that uses a macro or a ``#``; one that cannot be is left as written."""
        definitions = {key.lower(): block.value for key, block in library.strings_dict.items()}
        resolved: dict[str, str | None] = {}

        def macro(name: str, active: frozenset[str]) -> str:
            key = name.lower()
            if key.isdigit():
                return name
            if key in resolved:
                value = resolved[key]
                if value is None:
                    raise _Unresolved
                return value
            if key in active:
                raise _Unresolved  # a definition that refers to itself
            if key not in definitions:
                return _MONTHS.get(key, name)  # BibTeX keeps an unknown name, with a warning
            try:
                value = expand(str(definitions[key]), active | {key})
            except _Unresolved:
                resolved[key] = None
                raise
            resolved[key] = value
            return value

        def expand(expression: str, active: frozenset[str]) -> str:
            out: list[str] = []
            size = 0
            for kind, text in _pieces(expression):
                piece = text if kind == "text" else macro(text, active)
                size += len(piece)
                if size > LONGEST:
                    raise _Unresolved
                out.append(piece)
            return "".join(out)

        for entry in library.entries:
            changed = []
            for field in entry.fields:
                value: Any = field.value
                if not isinstance(value, str) or not _uses_macros(value):
                    continue
                try:
                    field.value = "{" + expand(value, frozenset()) + "}"
                except _Unresolved:
                    continue
                changed.append(field.key)
            if changed:
                entry.parser_metadata[self.metadata_key()] = changed
        return library


def _uses_macros(value: str) -> bool:
    """Whether a raw field value is more than one quoted or braced text (or a number)."""
    text = value.strip()
    if text.isdigit():
        return False
    if text[:1] in "{\"":
        if "#" not in text:  # one text: the common case, spared the walk through every character
            return False
        try:
            return len(_pieces(text)) > 1
        except _Unresolved:
            return False
    return True
