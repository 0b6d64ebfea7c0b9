"""The embedded engine: Splink on an in-process DuckDB database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import duckdb
import pyarrow as pa

from intercop.identity.engines.base import LinkageEngine

if TYPE_CHECKING:
    from splink.internals.database_api import DatabaseAPI
    from splink.internals.splink_dataframe import SplinkDataFrame


class DuckDBEngine(LinkageEngine):
    """Splink's ``DuckDBAPI`` on a fresh in-memory connection per run."""

    NAME: ClassVar[str] = "duckdb"
    DIALECT: ClassVar[str] = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = "6GB") -> None:
        # DuckDB's own default is 80% of RAM; a bound makes it spill to disk instead
        self.threads = threads
        self.memory_limit = memory_limit

    def _db_api(self) -> DatabaseAPI[Any]:
        from splink import DuckDBAPI

        con = duckdb.connect(":memory:")
        if self.threads is not None:
            con.execute(f"SET threads = {int(self.threads)}")
        if self.memory_limit is not None:
            con.execute("SET memory_limit = ?", [self.memory_limit])
        api: DatabaseAPI[Any] = DuckDBAPI(connection=con)
        return api

    def _register(self, db_api: DatabaseAPI[Any], records: pa.Table) -> SplinkDataFrame:
        table: SplinkDataFrame = db_api.register(records, dataset_display_name="accounts")
        return table

    def _backend_errors(self) -> tuple[type[BaseException], ...]:
        return (duckdb.Error,)
