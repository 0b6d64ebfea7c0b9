"""The linkage engine: one abstract class, one subclass per SQL technology.

An engine owns a Splink database API and turns account records (``ACCOUNT_RECORD``)
into a trained model and into scored pairs. Subclasses implement only the hooks that
differ between technologies (``_db_api``, ``_register``, ``_backend_errors``); training,
prediction and the evidence of each pair are the same code for every engine.
"""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Self

import pyarrow as pa
import pyarrow.compute as pc

from intercop.errors import LinkageError
from intercop.identity import model as linkage

if TYPE_CHECKING:
    from splink import Linker
    from splink.internals.database_api import DatabaseAPI
    from splink.internals.splink_dataframe import SplinkDataFrame

log = logging.getLogger(__name__)

#: the columns of ``predict``'s result
PAIRS = pa.schema(
    [
        ("uid_l", pa.string()),
        ("uid_r", pa.string()),
        ("match_weight", pa.float64()),
        ("match_probability", pa.float64()),
        ("evidence", pa.string()),  # JSON list of {comparison, level, weight}
    ]
)


class LinkageEngine(ABC):
    """Trains the linkage model and scores pairs of accounts on one SQL technology."""

    #: the name users pass as ``--engine``
    NAME: ClassVar[str]
    #: Splink's SQL dialect of the technology
    DIALECT: ClassVar[str]

    def train(self, records: pa.Table) -> dict[str, Any]:
        """Train the model on ``records`` without labels; returns Splink's model JSON."""
        with self._failures("training the linkage model"):
            return linkage.train(self._linker(records, linkage.settings()))

    def predict(self, records: pa.Table, model: dict[str, Any], *, threshold: float) -> pa.Table:
        """Pairs of ``records`` scored by ``model`` with match_probability >= ``threshold``."""
        settings = linkage.settings_for(model, self.DIALECT)
        with self._failures("scoring pairs of accounts"):
            linker = self._linker(records, settings)
            scored = linker.inference.predict(
                threshold_match_probability=threshold, warning_mode="never"
            )
            table: pa.Table = scored.as_pyarrow_table()  # type: ignore[no-untyped-call]
            scored.drop_table_from_database_and_remove_from_cache()
        pairs = _pairs(table, threshold)
        log.info("%s engine: %d pairs at match probability >= %s", self.NAME, len(pairs), threshold)
        return pairs

    def close(self) -> None:  # noqa: B027 - most engines hold nothing to release
        """Release the engine's connections and temporary files."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @abstractmethod
    def _db_api(self) -> DatabaseAPI[Any]:
        """A fresh Splink database API on this technology."""

    @abstractmethod
    def _register(self, db_api: DatabaseAPI[Any], records: pa.Table) -> SplinkDataFrame:
        """Hand the prepared ``records`` to ``db_api`` as a Splink input table."""

    @abstractmethod
    def _backend_errors(self) -> tuple[type[BaseException], ...]:
        """The exception types the technology raises for a failed statement."""

    def _linker(self, records: pa.Table, settings: Any) -> Linker:
        from splink import Linker

        db_api = self._db_api()
        table = self._register(db_api, linkage.prepare(records))
        # Splink configures its own log handlers unless told not to
        return Linker(table, settings, log_level=None)

    @contextmanager
    def _failures(self, doing: str) -> Iterator[None]:
        """Re-raise Splink and backend errors as ``LinkageError``s naming the step."""
        from splink.internals.exceptions import SplinkException

        failures: tuple[type[BaseException], ...] = (SplinkException, *self._backend_errors())
        try:
            yield
        except LinkageError:
            raise
        except failures as exc:
            text = str(exc)
            sql = text if "sql" in text.lower() else None
            if sql:
                log.debug("%s engine failed on:\n%s", self.NAME, sql)
            reason = text.strip().splitlines()[-1] if text.strip() else type(exc).__name__
            raise LinkageError(
                f"{doing} failed: {reason[:300]}", engine=self.NAME, sql=sql
            ) from exc


def _pairs(table: pa.Table, threshold: float) -> pa.Table:
    """Splink's predictions as ``PAIRS``: ordered uids, weights and evidence."""
    if table.num_rows == 0:
        return PAIRS.empty_table()
    labels = linkage.level_labels()
    left, right = table["uid_l"], table["uid_r"]
    swap = pc.greater(left, right)  # Splink orders ids, but do not rely on its collation
    evidence = _evidence(table, labels)
    pairs = pa.table(
        {
            "uid_l": pc.if_else(swap, right, left),
            "uid_r": pc.if_else(swap, left, right),
            "match_weight": table["match_weight"].cast(pa.float64()),
            "match_probability": table["match_probability"].cast(pa.float64()),
            "evidence": pa.array(evidence, pa.string()),
        },
        schema=PAIRS,
    )
    keep = pc.greater_equal(pairs["match_probability"], threshold)
    return pairs.filter(keep).sort_by([("uid_l", "ascending"), ("uid_r", "ascending")])


def _evidence(table: pa.Table, labels: dict[str, dict[int, str]]) -> list[str]:
    """One JSON list of {comparison, level, weight} per row of the predictions."""
    columns: list[tuple[str, list[Any], list[Any], list[Any] | None]] = []
    for name in labels:
        gamma = table[f"gamma_{name}"].to_pylist()
        weight = table[f"mw_{name}"].to_pylist()
        tf_name = f"mw_tf_adj_{name}"
        tf = table[tf_name].to_pylist() if tf_name in table.column_names else None
        columns.append((name, gamma, weight, tf))
    out = []
    for row in range(table.num_rows):
        items = []
        for name, gamma, weight, tf in columns:
            w = (weight[row] or 0.0) + ((tf[row] or 0.0) if tf is not None else 0.0)
            items.append(
                {
                    "comparison": name,
                    "level": labels[name].get(gamma[row], str(gamma[row])),
                    "weight": round(float(w), 4),
                }
            )
        out.append(json.dumps(items, separators=(",", ":")))
    return out
