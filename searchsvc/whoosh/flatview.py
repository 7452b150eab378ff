"""Whoosh's own readers see the pair fields through each segment's flat arrays.

An index on disk keeps the postings of writer.FLAT_ONLY_FIELDS only as flat arrays
(flatpostings.py).  Searches read them as arrays anyway (postings.py); this view is
for what still asks Whoosh: the query compiler's document frequencies, a query node
left to Whoosh's matchers (evaluate.py's fallback), and the tests that compare the
NumPy evaluator with Whoosh.  Open searchers with `open_searcher` so they have it.

The flat arrays know a term by its 64-bit key, so these fields' terms cannot be
listed (`reader.all_terms()`, `field_terms()` skip them); a term asked by name is
found.
"""

from __future__ import annotations

from typing import Any

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.matching import ListMatcher
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.system import pack_uint

from .flatpostings import FlatPostings
from .postings import segment_flat_postings
from .writer import FLAT_ONLY_FIELDS


class FlatOnlyTerms:
    """A segment's term reader (whoosh3's W3TermsReader) that answers FLAT_ONLY_FIELDS
    from the segment's flat arrays and everything else as before."""

    def __init__(self, terms: Any, flat: FlatPostings) -> None:
        self._terms = terms
        self._flat = flat

    def _postings(self, fieldname: str, tbytes: bytes):
        found = self._flat.postings(fieldname, tbytes)
        if found is None:
            raise TermNotFound(f"{fieldname!r}:{tbytes!r}")
        return found

    def __contains__(self, term: tuple[str, bytes]) -> bool:
        fieldname, tbytes = term
        if fieldname in FLAT_ONLY_FIELDS:
            return self._flat.doc_frequency(fieldname, tbytes) > 0
        return term in self._terms

    def term_info(self, fieldname: str, tbytes: bytes) -> W3TermInfo:
        if fieldname not in FLAT_ONLY_FIELDS:
            return self._terms.term_info(fieldname, tbytes)
        ids, tf = self._postings(fieldname, tbytes)
        # Length bounds only bound block quality (score skipping): 1 is below every real length.
        return W3TermInfo(weight=float(tf.sum()), df=len(ids), minlength=1, maxlength=2**31,
                          maxweight=float(tf.max()), minid=int(ids[0]), maxid=int(ids[-1]))

    def frequency(self, fieldname: str, tbytes: bytes) -> float:
        if fieldname not in FLAT_ONLY_FIELDS:
            return self._terms.frequency(fieldname, tbytes)
        return float(self._postings(fieldname, tbytes)[1].sum())

    def doc_frequency(self, fieldname: str, tbytes: bytes) -> int:
        if fieldname not in FLAT_ONLY_FIELDS:
            return self._terms.doc_frequency(fieldname, tbytes)
        return self._flat.doc_frequency(fieldname, tbytes)

    def matcher(self, fieldname: str, tbytes: bytes, format_: Any, scorer: Any = None):
        if fieldname not in FLAT_ONLY_FIELDS:
            return self._terms.matcher(fieldname, tbytes, format_, scorer=scorer)
        ids, tf = self._postings(fieldname, tbytes)
        weights = tf.tolist()
        # The fields are Frequency-format: a posting's value is its frequency (weight / boost 1).
        values = [pack_uint(int(w)) for w in weights]
        return ListMatcher(ids.tolist(), weights, values, format=format_, scorer=scorer,
                           term=(fieldname, tbytes), terminfo=self.term_info(fieldname, tbytes))

    def indexed_field_names(self):
        names = set(self._terms.indexed_field_names())
        return names | {name for name in FLAT_ONLY_FIELDS if name in set(self._flat.names.tolist())}

    def __getattr__(self, name: str) -> Any:  # terms(), items(), cursor(), close(), ...
        return getattr(self._terms, name)


def see_flat_only_fields(searcher: Searcher) -> Searcher:
    """Give each on-disk segment reader of `searcher` the flat view of FLAT_ONLY_FIELDS."""
    reader = searcher.reader()
    leaves = [leaf for leaf, _offset in reader.leaf_readers()] if not reader.is_atomic() else [reader]
    for leaf in leaves:
        terms = getattr(leaf, "_terms", None)
        if terms is None or isinstance(terms, FlatOnlyTerms):
            continue
        flat = segment_flat_postings(leaf)  # (the memory maps IndexArrays shares)
        if flat is not None:
            leaf._terms = FlatOnlyTerms(terms, flat)
    return searcher


def open_searcher(index_dir: str, **kwargs: Any) -> Searcher:
    """A Whoosh searcher over the index in `index_dir` that sees every field (see module docstring)."""
    return see_flat_only_fields(whoosh_index.open_dir(str(index_dir)).searcher(**kwargs))
