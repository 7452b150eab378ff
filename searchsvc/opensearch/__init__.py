"""The cluster backend: the same documents, analysis and query meaning on an OpenSearch cluster.

searchsvc analyses every text itself and sends the cluster the terms (mapping.py), so
both backends index the very same terms; the cluster only splits them on spaces.  The
neutral plan is compiled to the query DSL (compile.py); reads are in backend.py,
writes (incremental sync, rebuild behind an alias) in target.py.
"""
