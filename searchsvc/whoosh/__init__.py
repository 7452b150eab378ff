"""The embedded engine: everything that imports whoosh lives in this package.

Indexing side: schema.py (fields) over analyzers.py (the analysis package's terms as
Whoosh token streams), writer.py (segments written by worker processes, each with its
posting lists also as flat NumPy arrays, the pair fields' only as those: flatpostings.py), store.py
(generation folders and the atomic switch), target.py (the `IndexTarget`).
Search side: compile.py (the neutral plan as Whoosh queries), scoring.py (BM25F),
postings.py (posting lists and columns as NumPy arrays), evaluate.py (scoring over
them), vocabulary.py (the index's terms for spelling and accents), backend.py (the
`SearchBackend`).
"""
