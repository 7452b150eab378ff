"""Keeping the index in line with the corpus folder, whatever the engine: the indexer
(what changed), the `IndexTarget` protocol it writes through, the writer lock and
run record, the reindex schedule and the status report."""
