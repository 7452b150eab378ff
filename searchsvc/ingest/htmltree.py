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
from bs4.builder import LXMLTreeBuilder
from bs4.element import NavigableString, PageElement, Tag


class _HtmlTreeBuilder(LXMLTreeBuilder):
    """bs4's lxml builder without the XML namespace bookkeeping, which HTML never needs.

    libxml2's HTML parser reports no namespaces (`<o:p>` arrives as the tag name
    'o:p'), yet the stock builder copies and inspects every attribute for them:
    a fifth of the tree's construction time on a 30 KB page.
    """

    def start(self, tag, attrib, nsmap=None):  # type: ignore[no-untyped-def, override]
        self.soup.handle_starttag(tag, None, None, dict(attrib))  # type: ignore[union-attr]

    def end(self, tag):  # type: ignore[no-untyped-def, override]
        self.soup.handle_endtag(tag)  # type: ignore[union-attr]  (which ends the pending text first)


def parse_tree(text: str) -> BeautifulSoup:
    """A page's element tree: libxml2 parses (linear time even on hostile input), bs4 holds the tree.

    `class` stays one string (see htmlbody.class_names): splitting it into a list
    for every element is work nothing here reads.
    """
    return BeautifulSoup(text, builder=_HtmlTreeBuilder(multi_valued_attributes=None))


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
            found.update(map(id, tag.descendants))
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
    """id(element) -> characters of text inside it (comments, doctype and CDATA excluded; absent: 0)."""
    lengths: dict[int, int] = {}
    get = lengths.get
    nodes: list[PageElement] = list(soup.descendants)
    for node in reversed(nodes):  # children before their parents
        if type(node) is NavigableString:
            size = len(node)
        elif isinstance(node, Tag):
            size = get(id(node), 0)
        else:
            continue
        if size:  # most elements hold no text of their own; absent means 0
            key = id(node.parent)
            lengths[key] = get(key, 0) + size
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
