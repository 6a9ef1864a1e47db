"""What every screen of the review app is handed: how it was started, the queues, each thread's connection, the pages.

Route modules (coding, adjudicate, progress, search, table, auth) hold plain handler
functions that take this state as their first argument; `create_app` binds it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from ..store import Store
from ..store import review as sql
from .queue import QUEUES, QueueIndex
from .render import AREA_KEYS, AREA_TITLES, FRAMING_KEYS, code_class, code_label

HERE = Path(__file__).resolve().parent  # real files: a strict editable install links them, Starlette serves no links


@dataclass
class ReviewConfig:
    """How the app was started: database, default coder, and the token a non-local bind requires."""

    db_path: Path
    default_coder: str | None = None
    token: str | None = None
    local_only: bool = True

    @property
    def needs_proof(self) -> bool:
        """On a non-local bind with a token a coder must prove who they are; naming oneself counts for nothing."""
        return bool(self.token) and not self.local_only


def template_environment() -> Environment:
    """The templates, with the code sets and their keys as globals (base.html hands the keys to the scripts)."""
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    env.globals.update(
        AREA_KEYS=AREA_KEYS,
        AREA_TITLES=AREA_TITLES,
        FRAMING_KEYS=FRAMING_KEYS,
        AREAS=sql.AREAS,
        FRAMINGS=sql.FRAMINGS,
        QUEUES=QUEUES,
        code_class=code_class,
        code_label=code_label,
    )
    env.filters["codes_summary"] = _codes_summary
    env.filters["short_time"] = lambda ts: (ts or "")[11:16]
    return env


def _codes_summary(row: dict[str, Any]) -> str:
    codes = sql.codes_of_row(row)
    if codes is None:
        return ""
    parts = (
        (["reform"] if codes.reform else []) + list(codes.areas) + ([codes.framing] if codes.framing != "ingen" else [])
    )
    return ", ".join(parts) or "no codes"


@dataclass
class ReviewState:
    """The app's state: its config, the queue index, one database connection per thread, the templates."""

    config: ReviewConfig
    index: QueueIndex = field(default_factory=QueueIndex)
    templates: Environment = field(default_factory=template_environment)
    local: threading.local = field(default_factory=threading.local)
    stores: list[Store] = field(default_factory=list)
    stores_lock: threading.Lock = field(default_factory=threading.Lock)

    def store(self) -> Store:
        store = getattr(self.local, "store", None)
        if store is None:
            store = Store.open(self.config.db_path)
            self.local.store = store
            with self.stores_lock:
                self.stores.append(store)
        return store

    def close(self) -> None:
        with self.stores_lock:
            for store in self.stores:
                store.close()
            self.stores.clear()

    def page(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(self.fragment(name, **context), status_code=status_code)

    def fragment(self, name: str, **context: Any) -> str:
        return self.templates.get_template(name).render(**context)
