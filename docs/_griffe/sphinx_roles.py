"""A griffe extension for the API pages: Sphinx roles in sibrisk's docstrings become
cross-references.

sibrisk's numpydoc docstrings name other objects with Sphinx roles
(``:func:`summarize```, ``:class:`sibrisk.Scenario```), which read well in
``help()`` but which mkdocstrings would show literally. This extension, loaded
by mkdocstrings-python (``extensions`` in ``mkdocs.yml``), resolves each role's
target the way Sphinx would (the name as given, then inside the docstring's
module or class, then among the names of ``sibrisk`` itself, which imports them
lazily), follows imports to where the object is defined, and writes an
mkdocs-autorefs reference to it: a link where the object has a page in the site,
code text where it has none (a private helper, a module not documented there).
A role whose target is not found stays as code text, never as ``:func:``.
"""

from __future__ import annotations

import ast
import html
import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?P<kind>func|class|meth|mod|data|attr|exc|obj|const):"
                  r"`(?P<tilde>~?)(?P<text>[^`<]+?)(?:\s*<(?P<target>[^>`]+)>)?`")


class SphinxRoles(griffe.Extension):
    """Turn ``:role:`target``` in every docstring of a package into an autorefs link."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        lazy = _lazy_names(pkg)
        for obj in _objects(pkg):
            if obj.docstring is not None and ":" in obj.docstring.value:
                obj.docstring.value = ROLE.sub(lambda m, o=obj: _reference(m, o, pkg, lazy),
                                               obj.docstring.value)


def _objects(obj: griffe.Object):
    """``obj`` and every object defined inside it (not the names it imports)."""
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _objects(member)


def _lazy_names(pkg: griffe.Module) -> dict[str, str]:
    """The package's lazily imported names (``sibrisk._WHERE``: name -> module)."""
    where = pkg.members.get("_WHERE")
    try:
        return dict(ast.literal_eval(str(where.value))) if where is not None else {}
    except (ValueError, SyntaxError):
        return {}


def _reference(match: re.Match, obj: griffe.Object, pkg: griffe.Module,
               lazy: dict[str, str]) -> str:
    name = (match["target"] or match["text"]).strip().rstrip("()")
    shown = match["text"].strip() if match["target"] else name
    if match["tilde"]:
        shown = shown.rsplit(".", 1)[-1]
    shown = f"<code>{html.escape(shown)}</code>"
    path = _resolve(name, match["kind"], obj, pkg, lazy)
    if path is None:
        return shown
    return f'<autoref identifier="{path}" optional>{shown}</autoref>'


def _resolve(name: str, kind: str, obj: griffe.Object, pkg: griffe.Module,
             lazy: dict[str, str]) -> str | None:
    """The path where the object ``name`` (as written in ``obj``'s docstring) is defined."""
    scopes = [obj.path] + [o.path for o in _parents(obj)]
    candidates = [name] + [f"{scope}.{name}" for scope in scopes]
    for short in (name, name.removeprefix(f"{pkg.name}.")):
        head, _, tail = short.partition(".")
        if head in lazy:
            candidates.append(".".join(filter(None, (pkg.name, lazy[head], head, tail))))
    for candidate in candidates:
        found = _lookup(candidate, pkg)
        if found is None:
            continue
        if found.is_module and kind != "mod" and found.name in found.members:
            found = _lookup(f"{found.path}.{found.name}", pkg) or found  # a function's module
        return found.path
    return None


def _parents(obj: griffe.Object):
    while obj.parent is not None:
        obj = obj.parent
        yield obj


def _lookup(path: str, pkg: griffe.Module) -> griffe.Object | None:
    if path != pkg.name and not path.startswith(f"{pkg.name}."):
        return None
    try:
        found = pkg[path[len(pkg.name) + 1:]] if path != pkg.name else pkg
        return found.final_target if found.is_alias else found
    except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None
