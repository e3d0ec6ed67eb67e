"""Fixtures shared across test modules."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the bundled sample archive, built once; tests only read it."""
    from searchsvc.indexing import indexer

    path = tmp_path_factory.mktemp("sample") / "index"
    indexer.build(None, path)
    return path
