"""The store's sqlite-utils Database: write transactions take the lock first.

Its own module so that sqlite-utils is imported when a store is opened, not by
commands that never open one (`lhl classify`, `--help`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlite_utils

from . import begin_immediate


class ImmediateDatabase(sqlite_utils.Database):
    """sqlite-utils' Database whose transactions take the write lock first and wait for it a bounded time."""

    @contextlib.contextmanager
    def atomic(self) -> Iterator[ImmediateDatabase]:
        if self.conn.in_transaction:  # nested: a savepoint inside the outer (already immediate) transaction
            with super().atomic():
                yield self
            return
        begin_immediate(self.conn)
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise
