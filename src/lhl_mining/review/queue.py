"""The review queues, kept in memory so the next passage comes in a few milliseconds with 100k passages.

The index loads every passage once (ids, kommune, document type, how unsure the machine
is, the codes it selected) and then follows the database by reading only the `codings`
and `assignments` rows added since its last look, so coders in other processes or tabs
are seen at once.  It is rebuilt when passages or suggestions change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..store import Store
from ..store import review as sql

LEASE_SECONDS = 15 * 60
REBUILD_EVERY_S = 30.0

QUEUES = {
    "todo": "To do (least confident first)",
    "assigned": "My double-coding sample",
    "skipped": "My skipped passages",
    "document": "To do, in document order",
}


@dataclass(frozen=True)
class QueueFilter:
    """What a coder narrowed the queue to; empty strings mean no filter."""

    queue: str = "todo"
    knr: str = ""
    doc_type: str = ""
    code: str = ""

    def as_params(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v and not (k == "queue" and v == "todo")}


@dataclass
class _Entry:
    passage_id: int
    knr: str
    doc_type: str
    margin: float | None
    codes: frozenset[str]


@dataclass
class QueueIndex:
    """Queues for every coder over one database; thread-safe."""

    entries_uncertain: list[_Entry] = field(default_factory=list)
    entries_document: list[_Entry] = field(default_factory=list)
    position: dict[str, dict[int, int]] = field(default_factory=dict)
    rows: dict[tuple[int, str], list[tuple[int, str]]] = field(default_factory=dict)
    decided_by: dict[int, set[str]] = field(default_factory=dict)
    assigned: dict[int, set[str]] = field(default_factory=dict)
    leases: dict[int, tuple[str, float]] = field(default_factory=dict)
    tallies: dict[str, dict[str, int]] = field(default_factory=dict)
    last_coding_id: int = 0
    last_assignment_id: int = 0
    marks: tuple[int, int] = (-1, -1)
    built_at: float = 0.0
    lock: threading.RLock = field(default_factory=threading.RLock)

    # ------------------------------------------------------------ following the database
    def sync(self, store: Store) -> None:
        """Catch up with the database: new codings and assignments; a rebuild when passages or suggestions changed."""
        with self.lock:
            marks = sql.data_marks(store)
            if marks != self.marks and (self.marks == (-1, -1) or time.monotonic() - self.built_at > REBUILD_EVERY_S):
                self._rebuild(store, marks)
            for row_id, passage_id, coder in sql.double_assignments_after(store, self.last_assignment_id):
                self.assigned.setdefault(passage_id, set()).add(coder)
                self.last_assignment_id = row_id
            for row_id, passage_id, coder, action, undoes_id in sql.codings_after(store, self.last_coding_id):
                self._apply(row_id, passage_id, coder, action, undoes_id)
                self.last_coding_id = row_id

    def _rebuild(self, store: Store, marks: tuple[int, int]) -> None:
        entries = [
            _Entry(pid, knr or "", doc_type or "", margin, frozenset((codes or "").split()))
            for pid, _doc, _seq, knr, doc_type, margin, codes in sorted(sql.queue_rows(store), key=lambda r: (r[1], r[2]))
        ]
        self.entries_document = entries
        self.entries_uncertain = sorted(entries, key=lambda e: (e.margin is None, e.margin or 0.0))
        self.position = {
            "uncertain": {e.passage_id: i for i, e in enumerate(self.entries_uncertain)},
            "document": {e.passage_id: i for i, e in enumerate(self.entries_document)},
        }
        self.marks = marks
        self.built_at = time.monotonic()

    def _apply(self, row_id: int, passage_id: int, coder: str, action: str, undoes_id: int | None) -> None:
        if action == "adjudicate":
            return
        key = (passage_id, coder)
        before = self.standing_action(passage_id, coder)
        if action == "undo":
            self.rows[key] = [r for r in self.rows.get(key, []) if r[0] != undoes_id]
        else:
            self.rows.setdefault(key, []).append((row_id, action))
        after = self.standing_action(passage_id, coder)
        deciders = self.decided_by.setdefault(passage_id, set())
        if after in sql.DECISIONS:
            deciders.add(coder)
        else:
            deciders.discard(coder)
        tally = self.tallies.setdefault(coder, {"decided": 0, "skipped": 0})
        for state, step in ((before, -1), (after, 1)):
            if state in sql.DECISIONS:
                tally["decided"] += step
            elif state == "skip":
                tally["skipped"] += step

    # ------------------------------------------------------------ asking
    def standing_action(self, passage_id: int, coder: str) -> str | None:
        stack = self.rows.get((passage_id, coder))
        return stack[-1][1] if stack else None

    def _eligible(self, entry: _Entry, coder: str, flt: QueueFilter, now: float) -> bool:
        if flt.knr and entry.knr != flt.knr:
            return False
        if flt.doc_type and entry.doc_type != flt.doc_type:
            return False
        if flt.code and flt.code not in entry.codes:
            return False
        pid = entry.passage_id
        mine = self.standing_action(pid, coder)
        assignees = self.assigned.get(pid)
        if flt.queue == "skipped":
            return mine == "skip"
        if flt.queue == "assigned":
            return bool(assignees) and coder in assignees and mine is None
        if assignees:
            return coder in assignees and mine is None
        if mine is not None or self.decided_by.get(pid):
            return False
        lease = self.leases.get(pid)
        return lease is None or lease[0] == coder or lease[1] < now

    def _ordered(self, flt: QueueFilter) -> tuple[list[_Entry], dict[int, int]]:
        if flt.queue == "document":
            return self.entries_document, self.position["document"]
        return self.entries_uncertain, self.position["uncertain"]

    def _walk(self, coder: str, flt: QueueFilter, start: int = 0) -> Iterator[_Entry]:
        entries, _ = self._ordered(flt)
        now = time.time()
        for i in range(start, len(entries)):
            if self._eligible(entries[i], coder, flt, now):
                yield entries[i]

    def next_passage(self, coder: str, flt: QueueFilter, after: int | None = None) -> int | None:
        """The next passage for the coder: their double-coding sample first, then the queue after `after` (wrapping)."""
        with self.lock:
            if not self.position:
                return None
            if flt.queue in ("todo", "document"):
                for entry in self._walk(coder, QueueFilter("assigned", flt.knr, flt.doc_type, flt.code)):
                    if entry.passage_id != after:
                        return self._claim(entry.passage_id, coder)
            entries, position = self._ordered(flt)
            start = position.get(after, -1) + 1 if after is not None else 0
            for entry in self._walk(coder, flt, start):
                if entry.passage_id != after:
                    return self._claim(entry.passage_id, coder)
            for entry in self._walk(coder, flt, 0):
                if entry.passage_id != after:
                    return self._claim(entry.passage_id, coder)
            return None

    def _claim(self, passage_id: int, coder: str) -> int:
        """Hold the passage on screen for this coder a while (one per coder), so two coders do not get the same one."""
        for held in [p for p, (c, _) in self.leases.items() if c == coder]:
            del self.leases[held]
        self.leases[passage_id] = (coder, time.time() + LEASE_SECONDS)
        return passage_id

    def remaining(self, coder: str, flt: QueueFilter) -> int:
        """How many passages are left in this queue for the coder."""
        with self.lock:
            if not self.position:
                return 0
            return sum(1 for _ in self._walk(coder, flt))

    def counts(self, coder: str) -> dict[str, int]:
        """The coder's standing decisions and skips, and how many passages anyone has decided."""
        with self.lock:
            tally = self.tallies.get(coder, {"decided": 0, "skipped": 0})
            return {
                **tally,
                "passages": len(self.entries_document),
                "reviewed": sum(1 for deciders in self.decided_by.values() if deciders),
            }
