"""The benchmark of `scripts/bench`: searchsvc beside its peers on the same records, one run.

Run as `PYTHONPATH=scripts python -m benchmark` (what `scripts/bench` does). Steps: `index`
(builds), `latency` and `relevance` (`latency.py`, in-process pages), `load` and `memory`
(`serve.py`, `load.py`: the real servers under a separate load client), `profile`. The peer
lives in `peer.py` (and `peer_app.py`, its WSGI app); `queries.py` makes the query sets,
`engines.py` wraps each engine behind one interface, `report.py` prints the tables,
`goals.py` checks the figures against the issues' goals; `common.py`, `proc.py` hold the
shared helpers. `archive.py` and `text.py` time the archive reader and the text functions.
"""
