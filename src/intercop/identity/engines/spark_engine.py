"""The scale-out engine: Splink on PySpark, in local mode unless given a session.

PySpark is imported only when the engine first runs, so importing this module (and the
CLI) never starts a JVM. Records go to Spark as Parquet files, the same format the vault
holds, rather than through the driver's memory.
"""

from __future__ import annotations

import itertools
import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa
import pyarrow.parquet as pq

from intercop.errors import LinkageError
from intercop.identity.engines.base import LinkageEngine

if TYPE_CHECKING:
    from splink.internals.database_api import DatabaseAPI
    from splink.internals.splink_dataframe import SplinkDataFrame

log = logging.getLogger(__name__)


class SparkEngine(LinkageEngine):
    """Splink's ``SparkAPI`` on a local (or supplied) Spark session."""

    NAME: ClassVar[str] = "spark"
    DIALECT: ClassVar[str] = "spark"

    def __init__(
        self,
        *,
        master: str = "local[2]",
        shuffle_partitions: int = 4,
        driver_memory: str = "2g",
        work_dir: Path | None = None,
        spark: Any = None,
    ) -> None:
        self.master = master
        self.shuffle_partitions = shuffle_partitions
        self.driver_memory = driver_memory
        self._spark: Any = spark
        self._owns_session = spark is None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._work_dir = work_dir
        self._inputs = itertools.count(1)

    @property
    def work_dir(self) -> Path:
        """Folder of the input Parquet files, checkpoints and Spark's scratch space."""
        if self._work_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="intercop-spark-")
            self._work_dir = Path(self._tmp.name)
        self._work_dir.mkdir(parents=True, exist_ok=True)
        return self._work_dir

    @property
    def spark(self) -> Any:
        """The Spark session, started on first use."""
        if self._spark is None:
            self._spark = self._start()
        return self._spark

    def close(self) -> None:
        """Stop the session this engine started and remove its temporary files."""
        if self._spark is not None and self._owns_session:
            self._spark.stop()
            self._spark = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
            self._work_dir = None

    def _start(self) -> Any:
        try:
            from pyspark.sql import SparkSession
            from splink.backends.spark import similarity_jar_location
        except ImportError as exc:
            raise LinkageError(
                f"PySpark is not installed ({exc})",
                engine=self.NAME,
                hint="Install the spark extra (pip install 'intercop[spark]') and Java 17+",
            ) from exc
        scratch = self.work_dir
        jar = similarity_jar_location()
        parallelism = str(self.shuffle_partitions)
        builder = (
            SparkSession.builder.master(self.master)
            .appName("intercop-linkage")
            # Splink's Scala UDFs: jaro_winkler and friends are not built into Spark
            .config("spark.jars", jar)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", parallelism)
            .config("spark.default.parallelism", parallelism)
            .config("spark.driver.memory", self.driver_memory)
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.local.dir", str(scratch / "local"))
            .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        )
        try:
            session = builder.getOrCreate()
        except Exception as exc:  # the JVM's failures arrive as many unrelated types
            raise LinkageError(
                f"Spark did not start ({type(exc).__name__}: {exc})",
                engine=self.NAME,
                hint="Check that Java 17+ is installed and JAVA_HOME points at it",
            ) from exc
        if jar not in session.sparkContext.getConf().get("spark.jars", ""):
            raise LinkageError(
                "a Spark session without Splink's similarity jar is already running",
                engine=self.NAME,
                hint="Stop it, or start it with spark.jars = "
                "splink.backends.spark.similarity_jar_location()",
            )
        session.sparkContext.setCheckpointDir(str(scratch / "checkpoints"))
        session.sparkContext.setLogLevel("ERROR")
        log.info("spark engine: session started (%s)", self.master)
        return session

    def _db_api(self) -> DatabaseAPI[Any]:
        from splink import SparkAPI

        api: DatabaseAPI[Any] = SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=self.spark,
            num_partitions_on_repartition=self.shuffle_partitions,
        )
        return api

    def _register(self, db_api: DatabaseAPI[Any], records: pa.Table) -> SplinkDataFrame:
        number = next(self._inputs)
        path = self.work_dir / "inputs" / f"records-{number}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(records, path)
        frame = self.spark.read.parquet(str(path))
        # temporary views outlive a Splink API in the session: one name per input
        table: SplinkDataFrame = db_api.register(frame, dataset_display_name=f"accounts_{number}")
        return table

    def _backend_errors(self) -> tuple[type[BaseException], ...]:
        from py4j.protocol import Py4JError  # type: ignore[import-untyped]
        from pyspark.errors import PySparkException

        return (PySparkException, Py4JError)
