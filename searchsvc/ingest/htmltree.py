"""Whole-tree indexes over a parsed page, each built in one linear pass.

Broken pages nest thousands of unclosed tags deep.  Asking "how much text is
under this element?" or "is this inside a menu?" per element then costs
O(depth) or O(subtree) each, i.e. minutes for a 500 KB file; these answer
all such questions for the whole page at once.  Elements are keyed by id():
the callers' tag lists keep every element alive, so ids stay unique.
"""

from __future__ import annotations

from collections.abc import Iterable

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PageElement, Tag


def all_tags(soup: BeautifulSoup) -> list[Tag]:
    """Every element in document order, collected once: one walk instead of a find_all per question."""
    return [node for node in soup.descendants if isinstance(node, Tag)]


def subtree_ids(tags: Iterable[Tag]) -> set[int]:
    """ids of `tags` (document order) and of everything inside them, each subtree walked once.

    >>> soup = BeautifulSoup("<div><nav><a>x</a></nav><p>y</p></div>", "lxml")
    >>> len(subtree_ids([soup.nav, soup.a]))  # nav, a, 'x'
    3
    """
    found: set[int] = set()
    for tag in tags:
        if id(tag) not in found:  # an outer element already covered it
            found.add(id(tag))
            found.update(id(node) for node in tag.descendants)
    return found


def ancestor_ids(tags: Iterable[Tag]) -> set[int]:
    """ids of every element that has one of `tags` inside it; shared ancestors are walked once."""
    found: set[int] = set()
    for tag in tags:
        for parent in tag.parents:
            if id(parent) in found:
                break
            found.add(id(parent))
    return found


def text_lengths(soup: BeautifulSoup) -> dict[int, int]:
    """id(element) -> characters of text inside it (comments, doctype and CDATA excluded)."""
    lengths: dict[int, int] = {}
    nodes: list[PageElement] = list(soup.descendants)
    for node in reversed(nodes):  # children before their parents
        parent = node.parent
        if parent is None:
            continue
        if type(node) is NavigableString:
            size = len(node)
        elif isinstance(node, Tag):
            size = lengths.get(id(node), 0)
        else:
            continue
        lengths[id(parent)] = lengths.get(id(parent), 0) + size
    return lengths


def remove(tags: Iterable[Tag], removed: set[int]) -> None:
    """Detach `tags` (document order) from the tree, recording them and their descendants in `removed`.

    We keep our own record because bs4's `Tag.decomposed` looks up a missing attribute
    through `Tag.__getattr__`, i.e. a find() over the whole subtree, on every call.
    """
    for tag in tags:
        if id(tag) not in removed:
            removed.update(subtree_ids([tag]))
            tag.extract()


def live(tags: list[Tag], removed: set[int]) -> list[Tag]:
    return [tag for tag in tags if id(tag) not in removed]
