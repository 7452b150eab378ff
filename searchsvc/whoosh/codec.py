"""Smaller posting lists on disk, in whoosh3's own block layout.

whoosh3 writes a term's postings in blocks of up to 128: a pickled tuple
(id deltas, weights, values), zlib-compressed.  Two of its choices made the
syllable fields cost 21 bytes per posting (24 MB of a 5k-article index's 50 MB
of postings for `exact` alone):

  * each posting's value (its positions) was `Positions.encode`: a 4-byte count
    and a pickled list, about 14 bytes for one position;
  * blocks were pickled with protocol 2, which writes every bytes object as a
    call to `_codecs.encode` with a text argument, and every weight as an
    8-byte float.

`CompactPositions` encodes a position list as its deltas in the narrowest
unsigned width that holds them (one byte each for most lists).  `CompactCodec`
pickles blocks with the current protocol and frequencies a byte each, inlines
one-posting lists into their term info, and compresses blocks and stored
documents at ZLIB_LEVEL.  whoosh3's unchanged reader reads all of it: it
unpickles whatever protocol, takes weights as any sequence, and reads inlined
postings from any term info.
"""

from __future__ import annotations

import pickle
import sys
import zlib
from array import array
from itertools import accumulate
from typing import Any

from whoosh import columns, fields, formats
from whoosh.codec.whoosh3 import (
    COMPRESSION_MIN_SIZE,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3PerDocWriter,
    W3PostingsWriter,
    W3TermInfo,
)
from whoosh.util.numeric import length_to_byte

# Width byte -> array typecode of the deltas that follow it.
_TYPECODES = {2: "H", 4: "I"}
_LITTLE_ENDIAN = sys.byteorder == "little"


class CompactPositions(formats.Positions):
    """Positions, encoded as [width][deltas as little-endian unsigned ints of that width]."""

    def encode(self, poslist: Any) -> bytes:
        deltas = [poslist[0], *(b - a for a, b in zip(poslist, poslist[1:]))]
        top = max(deltas)
        if top < 0x100:
            return b"\x01" + bytes(deltas)
        width = 2 if top < 0x10000 else 4
        packed = array(_TYPECODES[width], deltas)
        if not _LITTLE_ENDIAN:
            packed.byteswap()
        return bytes((width,)) + packed.tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        width = valuestring[0]
        if width == 1:
            return list(accumulate(valuestring[1:]))
        deltas = array(_TYPECODES[width], valuestring[1:])
        if not _LITTLE_ENDIAN:
            deltas.byteswap()
        return list(accumulate(deltas))

    def decode_frequency(self, valuestring: bytes) -> int:
        return (len(valuestring) - 1) // valuestring[0]


def text_field(analyzer: Any, *, phrase: bool) -> fields.TEXT:
    """A TEXT field whose positions (if `phrase`) are CompactPositions."""
    field = fields.TEXT(analyzer=analyzer, phrase=phrase)
    if phrase:
        field.format = CompactPositions(field_boost=field.format.field_boost)
    return field


class CompactTermInfo(W3TermInfo):
    """A term info whose inlined postings (see CompactPostingsWriter.finish_postings) are
    pickled with the current protocol; W3TermInfo.from_bytes reads them."""

    def to_bytes(self) -> bytes:
        if not self.is_inlined():
            return super().to_bytes()
        # W3TermInfo.to_bytes with the pickle protocol as the only change.
        no_id = 0xFFFFFFFF
        fixed = self._struct.pack(
            True, self._weight, self._df, 0 if self._minlength is None else length_to_byte(self._minlength),
            length_to_byte(self._maxlength), self._maxweight,
            no_id if self._minid is None else self._minid, no_id if self._maxid is None else self._maxid)
        return fixed + pickle.dumps(self._inlined, pickle.HIGHEST_PROTOCOL)


class CompactPostingsWriter(W3PostingsWriter):
    """whoosh3's postings writer with the block pickled compactly (see module docstring)."""

    def _mini_weights(self) -> Any:
        weights = self._weights
        first = weights[0]
        if all(w == first for w in weights):
            return None if first == 1.0 else first
        # Frequencies (weights of unboosted fields) in a byte each; the reader takes any sequence.
        try:
            counts = array("B", map(int, weights))
        except OverflowError:
            return array("f", weights)
        return counts if counts.tolist() == list(weights) else array("f", weights)

    def start_postings(self, format_: Any, terminfo: Any) -> None:
        super().start_postings(format_, CompactTermInfo())

    def finish_postings(self) -> Any:
        # whoosh3 inlines a posting list shorter than `inlinelimit` into its term info, but
        # calls a method its term info does not have; with the default limit of 1 it never does.
        if not self.written() and len(self) < self._inlinelimit:
            terminfo = self._terminfo
            terminfo.add_block(self)
            terminfo.set_inlined(self._ids, self._weights, self._values)
            self._terminfo = None
            return terminfo
        return super().finish_postings()

    def _write_block(self, last: bool = False) -> None:
        # whoosh3's _write_block with the pickle protocol as the only change.
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        databytes = pickle.dumps((self._mini_ids(), self._mini_weights(), self._mini_values()),
                                 pickle.HIGHEST_PROTOCOL)
        comp = self._compression if len(databytes) >= COMPRESSION_MIN_SIZE else 0
        if comp:
            databytes = zlib.compress(databytes, comp)
        ids = self._ids
        infobytes = pickle.dumps((len(ids), ids[-1], self._maxweight, comp, length_to_byte(self._minlength),
                                  length_to_byte(self._maxlength)), pickle.HIGHEST_PROTOCOL)
        blocklength = len(infobytes) + len(databytes)
        self._postfile.write_int(-blocklength if last else blocklength)
        self._postfile.write(infobytes)
        self._postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


# zlib level of posting blocks and stored documents: 6 compresses a stored article 3% smaller
# than whoosh3's 3 (84k articles: 1,489 against 1,542 bytes each); more gains nothing.
ZLIB_LEVEL = 6
# Stored fields as whoosh3 stores them (a pickled dict per document, zlib-compressed), at ZLIB_LEVEL.
_STORED_COLUMN = columns.PickleColumn(columns.CompressedBytesColumn(level=ZLIB_LEVEL))


class CompactPerDocWriter(W3PerDocWriter):
    def _create_column(self, fieldname: str, column: Any) -> None:
        super()._create_column(fieldname, _STORED_COLUMN if fieldname == "_stored" else column)


class CompactCodec(W3Codec):
    """W3Codec writing through CompactPostingsWriter; reading is W3Codec's.

    Posting lists of one posting (half of a segment's terms) go inline into their term info:
    a block of their own cost about 50 bytes more.
    """

    def __init__(self, blocklimit: int = 128, compression: int = ZLIB_LEVEL, inlinelimit: int = 2) -> None:
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def per_document_writer(self, storage: Any, segment: Any) -> CompactPerDocWriter:
        return CompactPerDocWriter(self, storage, segment)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> CompactPostingsWriter:
        return CompactPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                     compression=self._compression, inlinelimit=self._inlinelimit)
