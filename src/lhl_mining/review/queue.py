"""The review queues, kept in memory so the next passage comes in a millisecond or two with 100k passages.

The index loads every passage once (ids, kommune, document type, how unsure the machine
is, the codes it selected) and then follows the database by reading only the `codings`
and `assignments` rows added since its last look, so coders in other processes or tabs
are seen at once.  It is rebuilt when passages or suggestions change.

Each filtered queue is a view: the matching passages in order, and a frontier before
which every passage is closed (decided by someone, or in the double-coding sample),
so finding the next passage does not re-read the ones already done.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
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

    def matches(self, entry: _Entry) -> bool:
        return (
            (not self.knr or entry.knr == self.knr)
            and (not self.doc_type or entry.doc_type == self.doc_type)
            and (not self.code or self.code in entry.codes)
        )


@dataclass
class _Entry:
    passage_id: int
    knr: str
    doc_type: str
    margin: float | None
    codes: frozenset[str]
    noise: bool = False


@dataclass
class _View:
    entries: list[_Entry]
    position: dict[int, int]
    frontier: int = 0


@dataclass
class QueueIndex:
    """Queues for every coder over one database; thread-safe."""

    by_uncertainty: list[_Entry] = field(default_factory=list)
    by_document: list[_Entry] = field(default_factory=list)
    views: dict[tuple[str, str, str, str], _View] = field(default_factory=dict)
    rows: dict[tuple[int, str], list[tuple[int, str]]] = field(default_factory=dict)
    decided_by: dict[int, set[str]] = field(default_factory=dict)
    decided: set[int] = field(default_factory=set)
    assigned: dict[int, set[str]] = field(default_factory=dict)
    assigned_to: dict[str, set[int]] = field(default_factory=dict)
    skipped_by: dict[str, set[int]] = field(default_factory=dict)
    tallies: dict[str, int] = field(default_factory=dict)
    leases: dict[int, tuple[str, float]] = field(default_factory=dict)
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
                self.assigned_to.setdefault(coder, set()).add(passage_id)
                self.last_assignment_id = row_id
            for row_id, passage_id, coder, action, undoes_id in sql.codings_after(store, self.last_coding_id):
                self._apply(row_id, passage_id, coder, action, undoes_id)
                self.last_coding_id = row_id

    def rebuild(self, store: Store) -> None:
        """Reload every passage now (a queued passage turned out to be gone: its document was re-ingested)."""
        with self.lock:
            self._rebuild(store, sql.data_marks(store))

    def _rebuild(self, store: Store, marks: tuple[int, int]) -> None:
        entries = [
            _Entry(pid, knr or "", doc_type or "", margin, frozenset((codes or "").split()), noise is not None)
            for pid, _doc, _seq, knr, doc_type, margin, codes, noise in sorted(
                sql.queue_rows(store), key=lambda r: (r[1], r[2])
            )
        ]
        self.by_document = entries
        # Page furniture (letterheads, map labels) comes after every passage of content, however unsure.
        self.by_uncertainty = sorted(entries, key=lambda e: (e.noise, e.margin is None, e.margin or 0.0))
        self.views = {}
        for unfiltered in (QueueFilter(), QueueFilter(queue="document")):
            self._view(unfiltered)  # the views most coders use, ready before they ask
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
        if deciders:
            self.decided.add(passage_id)
        elif passage_id in self.decided:
            self.decided.discard(passage_id)
            for view in self.views.values():  # back in the queues: the frontier must not have passed it
                if passage_id in view.position:
                    view.frontier = min(view.frontier, view.position[passage_id])
        skips = self.skipped_by.setdefault(coder, set())
        if after == "skip":
            skips.add(passage_id)
        else:
            skips.discard(passage_id)
        self.tallies[coder] = self.tallies.get(coder, 0) + (after in sql.DECISIONS) - (before in sql.DECISIONS)

    # ------------------------------------------------------------ asking
    def standing_action(self, passage_id: int, coder: str) -> str | None:
        """The action of the coder's row in the view `standing_codings`, followed row by row instead of re-read."""
        stack = self.rows.get((passage_id, coder))
        return stack[-1][1] if stack else None

    def _view(self, flt: QueueFilter) -> _View:
        order = "document" if flt.queue == "document" else "uncertainty"
        key = (order, flt.knr, flt.doc_type, flt.code)
        view = self.views.get(key)
        if view is None:
            base = self.by_document if order == "document" else self.by_uncertainty
            entries = [e for e in base if flt.matches(e)] if (flt.knr or flt.doc_type or flt.code) else base
            view = self.views[key] = _View(entries, {e.passage_id: i for i, e in enumerate(entries)})
        return view

    def _closed(self, passage_id: int) -> bool:
        """Out of every shared queue: decided by someone, or reserved for the double-coding sample."""
        return passage_id in self.decided or passage_id in self.assigned

    def _open_for(self, passage_id: int, coder: str, now: float) -> bool:
        if self._closed(passage_id) or passage_id in self.skipped_by.get(coder, ()):
            return False
        lease = self.leases.get(passage_id)
        return lease is None or lease[0] == coder or lease[1] < now

    def _my_sample(self, coder: str, view: _View) -> list[int]:
        """The coder's double-coding passages in this view that they have not answered yet, in queue order."""
        mine = [
            p for p in self.assigned_to.get(coder, ()) if p in view.position and self.standing_action(p, coder) is None
        ]
        return sorted(mine, key=view.position.__getitem__)

    def next_passage(
        self,
        coder: str,
        flt: QueueFilter,
        after: int | None = None,
        claim: Callable[..., tuple[str, float] | None] | None = None,
    ) -> int | None:
        """The next passage for the coder: their double-coding sample first, then the queue after `after` (wrapping).

        `claim` holds a shared-queue passage in the database, so coders on other servers skip it too; it answers
        another coder's hold instead when there is one."""
        with self.lock:
            view = self._view(flt)
            if flt.queue == "skipped":
                skipped = sorted(
                    (p for p in self.skipped_by.get(coder, ()) if p in view.position and p != after),
                    key=view.position.__getitem__,
                )
                return self._claim(skipped[0], coder, claim) if skipped else None
            sample = [p for p in self._my_sample(coder, view) if p != after]
            if sample or flt.queue == "assigned":
                return self._claim(sample[0], coder, claim) if sample else None
            entries = view.entries
            while view.frontier < len(entries) and self._closed(entries[view.frontier].passage_id):
                view.frontier += 1
            now = time.time()
            start = max(view.frontier, view.position.get(after, -1) + 1) if after is not None else view.frontier
            for i in itertools.chain(range(start, len(entries)), range(view.frontier, min(start, len(entries)))):
                pid = entries[i].passage_id
                if pid != after and self._open_for(pid, coder, now):
                    other = claim(pid, coder) if claim else None
                    if other is not None:
                        self.leases[pid] = other  # held by a coder of another server
                        continue
                    return self._claim(pid, coder)
            return None

    def _claim(self, passage_id: int, coder: str, shared: Callable[..., object] | None = None) -> int:
        """Hold the passage on screen for this coder a while (one per coder), so two coders do not get the same one;
        `shared` records a personal-queue hold in the database too (the shared queue claimed it already)."""
        if shared is not None:
            shared(passage_id, coder, force=True)
        for held in [p for p, (c, _) in self.leases.items() if c == coder]:
            del self.leases[held]
        self.leases[passage_id] = (coder, time.time() + LEASE_SECONDS)
        return passage_id

    def remaining(self, coder: str, flt: QueueFilter) -> int:
        """How many passages are left in this queue for the coder (passages held by others count as left)."""
        with self.lock:
            view = self._view(flt)
            position = view.position
            sample = len(self._my_sample(coder, view))
            if flt.queue == "assigned":
                return sample
            skipped = self.skipped_by.get(coder, set())
            if flt.queue == "skipped":
                return sum(1 for p in skipped if p in position)
            closed = self.decided | self.assigned.keys()
            closed_here = sum(1 for p in closed if p in position)
            skipped_open = sum(1 for p in skipped if p in position and not self._closed(p))
            return len(view.entries) - closed_here - skipped_open + sample

    def counts(self, coder: str) -> dict[str, int]:
        """The coder's standing decisions and skips, and how many passages anyone has decided."""
        with self.lock:
            return {
                "decided": self.tallies.get(coder, 0),
                "skipped": len(self.skipped_by.get(coder, ())),
                "passages": len(self.by_document),
                "reviewed": len(self.decided),
            }
