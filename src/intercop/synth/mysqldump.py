"""A writer of dumps laid out as MariaDB 10.11's ``mysqldump`` lays them out."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from intercop.synth.spool import MYSQLDUMP_STYLE, Progress, SpooledDump, SpoolSet
from intercop.synth.sqltable import SqlTable

SERVER_VERSION = "10.11.11-MariaDB-0+deb12u1"
# MariaDB >= 10.11.8 starts every dump with this line (with its trailing space)
_SANDBOX = "/*M!999999\\- enable the sandbox mode */ \n"

_HEADER = """\
-- MariaDB dump 10.19  Distrib 10.11.11-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: localhost    Database: {database}
-- ------------------------------------------------------
-- Server version\t{server}

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;
"""

_FOOTER = """\
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on {completed}
"""


def create_table(table: SqlTable, next_id: int | None) -> str:
    """The ``CREATE TABLE`` statement as ``SHOW CREATE TABLE`` prints it."""
    lines = [f"  {c.ddl()}" for c in table.columns] + [f"  {k}" for k in table.key_lines()]
    body = ",\n".join(lines)
    return f"CREATE TABLE `{table.name}` (\n{body}\n) {table.table_options(next_id)};\n"


class MysqldumpWriter(SpooledDump):
    """Collects the tables of one database and writes them as one mysqldump file."""

    def __init__(
        self,
        out: Path,
        *,
        database: str,
        dumped_at: datetime,
        hex_blob: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self.out = out
        self.database = database
        self.dumped_at = dumped_at
        self._spools = SpoolSet(out, MYSQLDUMP_STYLE, hex_blob=hex_blob, progress=progress)

    def close(self) -> dict[str, int]:
        """Write the dump file; return the row count of every table."""
        with self._spools.open_output() as out:
            out.write(_SANDBOX)
            out.write(_HEADER.format(database=self.database, server=SERVER_VERSION))
            for spool in self._spools.spools:
                name = spool.table.name
                auto = spool.table.auto_increment_column()
                next_id = spool.rows + 1 if auto is not None and spool.rows else None
                out.write(
                    f"\n--\n-- Table structure for table `{name}`\n--\n\n"
                    f"DROP TABLE IF EXISTS `{name}`;\n"
                    "/*!40101 SET @saved_cs_client     = @@character_set_client */;\n"
                    "/*!40101 SET character_set_client = utf8mb4 */;\n"
                    f"{create_table(spool.table, next_id)}"
                    "/*!40101 SET character_set_client = @saved_cs_client */;\n"
                    f"\n--\n-- Dumping data for table `{name}`\n--\n\n"
                    f"LOCK TABLES `{name}` WRITE;\n"
                    f"/*!40000 ALTER TABLE `{name}` DISABLE KEYS */;\n"
                )
                spool.copy_to(out)
                out.write(f"/*!40000 ALTER TABLE `{name}` ENABLE KEYS */;\nUNLOCK TABLES;\n")
            completed = f"{self.dumped_at:%Y-%m-%d} {self.dumped_at.hour}:{self.dumped_at:%M:%S}"
            out.write(_FOOTER.format(completed=completed))
        return {s.table.name: s.rows for s in self._spools.spools}
