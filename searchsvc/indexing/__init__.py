"""Indexing: articles in, a new generation out, built or updated and switched atomically.

Fourth stage: uses `archive` and `store`; never `searching`. Public: the module `indexer`
(`build`, `update`, `status`, `rollback`, `default_workers`, and the reports `BuildReport`,
`Status`, `RollbackReport`, `Progress`). Inside: `segments` (postings gathered as arrays),
`writers` (one process or a pool), `ingest` (reading and checking), `updating`.
"""

from searchsvc.indexing import indexer
from searchsvc.indexing.indexer import build, rollback, status, update

__all__ = ["build", "indexer", "rollback", "status", "update"]
