"""Run a reader in a worker thread and hand its batches to the caller's sink.

Tokenizing (compiled, without the GIL) and Arrow casts then overlap with what
the sink does with the batches (Parquet encoding and compression, which also
run without the GIL), so a dump is read in about the time of the slower of the
two instead of their sum. The queue is bounded, so memory stays a few batches.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

import pyarrow as pa

from intercop.evidence.readers.base import TableSink
from intercop.evidence.schema import TableSchema

#: batches in flight between the threads
DEPTH = 4

_DONE = object()


class _Stopped(Exception):
    """The consuming side failed; the worker stops."""


class _HandoffSink:
    """A TableSink whose calls are queued for another thread."""

    def __init__(self, depth: int) -> None:
        self.queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self.failed = threading.Event()

    def declare(self, schema: TableSchema) -> None:
        self._put(("declare", schema))

    def write(self, table: str, batch: pa.RecordBatch) -> None:
        self._put(("write", table, batch))

    def _put(self, item: object) -> None:
        while True:
            if self.failed.is_set():
                raise _Stopped
            try:
                self.queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue


def run_with_handoff(produce: Callable[[TableSink], None], sink: TableSink) -> None:
    """Run ``produce(handoff_sink)`` in a thread, applying its calls to ``sink`` here."""
    handoff = _HandoffSink(DEPTH)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            produce(handoff)
        except _Stopped:
            pass
        except BaseException as error:  # re-raised in the calling thread below
            errors.append(error)
        finally:
            handoff.queue.put(_DONE)

    worker = threading.Thread(target=work, name="mysql-reader", daemon=True)
    worker.start()
    try:
        while (item := handoff.queue.get()) is not _DONE:
            assert isinstance(item, tuple)
            if item[0] == "declare":
                sink.declare(item[1])
            else:
                sink.write(item[1], item[2])
    except BaseException:
        handoff.failed.set()
        while worker.is_alive():
            try:
                handoff.queue.get(timeout=0.1)
            except queue.Empty:
                continue
        raise
    finally:
        worker.join()
    if errors:
        raise errors[0]
