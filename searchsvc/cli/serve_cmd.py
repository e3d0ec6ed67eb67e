"""`searchsvc serve`: the production server (gunicorn) or Flask's reloader with --dev."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from searchsvc.cli import main
from searchsvc.cli.worker import JsonErrorWorker
from searchsvc.config import Settings, default_index_dir
from searchsvc.searching import locate
from searchsvc.web import create_app


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """Return gunicorn settings for a CPU-bound search app on a small machine.

    gthread workers: one process per core does the CPU work, and a few threads each keep
    slow phone connections and keep-alive from blocking a worker. No preload: every worker
    opens its own index readers after the fork (Whoosh file handles must not be shared).
    """
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": JsonErrorWorker,  # gthread, with our error shape for unreadable requests
        "threads": threads,
        "preload_app": False,
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "max_requests": 50_000,  # a restart empties the caches
        "max_requests_jitter": 5_000,
        "limit_request_line": 8190,
        "limit_request_fields": 50,
        "limit_request_field_size": 8190,
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
        "accesslog": "-",
        "errorlog": "-",
        "proc_name": "searchsvc",
        # gunicorn >= 24 opens a shared ~/.gunicorn control socket; several servers would clash.
        "control_socket_disable": True,
    }


class Server(BaseApplication):  # type: ignore[misc]
    """gunicorn run programmatically; each worker builds its own app."""

    def __init__(self, index: Path, options: dict[str, Any]) -> None:
        self.index = index
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply our settings to gunicorn's configuration."""
        for key, value in self.options.items():
            if value is not None and key in self.cfg.settings:  # older gunicorns lack some
                self.cfg.set(key, value)

    def load(self) -> Flask:
        """Build the app in the worker process."""
        return create_app({"index": self.index}, load=True)


def check_index(index: Path) -> None:
    """Raise ClickException unless index holds an index, without opening it.

    The master must not open a Searcher: it starts warm-up threads holding locks, and the
    workers forked while a lock is held would wait for it forever.
    """
    if locate(index) is None:
        raise click.ClickException(
            f"no index in {index}. Build one first: searchsvc index build --index {index}"
        )


def check_settings() -> None:
    """Raise ClickException for a SEARCHSVC_* setting that cannot be read (before any fork)."""
    try:
        Settings.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.option("--index", "index", type=click.Path(path_type=Path), help="Index directory.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--dev", is_flag=True, help="Flask's development server with the reloader.")
def serve(index: Path | None, host: str, port: int, workers: int, threads: int, dev: bool) -> None:
    """Serve the search page and the JSON API."""
    index = index or default_index_dir()
    check_index(index)
    check_settings()
    if dev:
        create_app({"index": index}).run(host=host, port=port, use_reloader=True, debug=False)
        return
    Server(index, gunicorn_options(host, port, workers, threads)).run()
