"""A writer of SQL exports laid out as phpMyAdmin 5.2 writes them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from intercop.synth.spool import PHPMYADMIN_STYLE, Progress, SpooledDump, SpoolSet
from intercop.synth.sqltable import SqlTable

_HEADER = """\
-- phpMyAdmin SQL Dump
-- version 5.2.1
-- https://www.phpmyadmin.net/
--
-- Host: 127.0.0.1
-- Generation Time: {generated}
-- Server version: 10.11.6-MariaDB-0+deb12u1
-- PHP Version: 8.2.7

SET SQL_MODE = "NO_AUTO_VALUE_ON_ZERO";
START TRANSACTION;
SET time_zone = "+00:00";


/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!40101 SET NAMES utf8mb4 */;

--
-- Database: `{database}`
--
"""

_FOOTER = """\
COMMIT;

/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
"""


def _create_table(table: SqlTable) -> str:
    """phpMyAdmin's CREATE TABLE: columns only; keys and AUTO_INCREMENT come at the end."""
    body = ",\n".join(f"  {c.ddl(with_auto_increment=False)}" for c in table.columns)
    return (
        f"CREATE TABLE `{table.name}` (\n{body}\n) ENGINE={table.engine} "
        f"DEFAULT CHARSET={table.charset} COLLATE={table.collation};\n"
    )


def _indexes(table: SqlTable) -> str:
    clauses = []
    if table.primary_key:
        clauses.append(f"ADD PRIMARY KEY ({','.join(f'`{c}`' for c in table.primary_key)})")
    for name, cols, unique in table.keys:
        kind = "ADD UNIQUE KEY" if unique else "ADD KEY"
        clauses.append(f"{kind} `{name}` ({','.join(f'`{c}`' for c in cols)})")
    body = ",\n  ".join(clauses)
    return f"\n--\n-- Indexes for table `{table.name}`\n--\nALTER TABLE `{table.name}`\n  {body};\n"


class PhpMyAdminWriter(SpooledDump):
    """Collects the tables of one database and writes them as one phpMyAdmin export."""

    def __init__(
        self,
        out: Path,
        *,
        database: str,
        exported_at: datetime,
        progress: Progress | None = None,
    ) -> None:
        self.out = out
        self.database = database
        self.exported_at = exported_at
        self._spools = SpoolSet(out, PHPMYADMIN_STYLE, hex_blob=True, progress=progress)

    def close(self) -> dict[str, int]:
        """Write the export; return the row count of every table."""
        at = self.exported_at
        generated = f"{at:%b} {at.day:02d}, {at:%Y} at {at:%I:%M %p}"
        spools = self._spools.spools
        with self._spools.open_output() as out:
            out.write(_HEADER.format(generated=generated, database=self.database))
            for spool in spools:
                name = spool.table.name
                out.write(
                    "\n-- --------------------------------------------------------\n\n"
                    f"--\n-- Table structure for table `{name}`\n--\n\n"
                    f"{_create_table(spool.table)}"
                )
                if spool.rows:
                    out.write(f"\n--\n-- Dumping data for table `{name}`\n--\n\n")
                    spool.copy_to(out)
            out.write("\n--\n-- Indexes for dumped tables\n--\n")
            for spool in spools:
                out.write(_indexes(spool.table))
            out.write("\n--\n-- AUTO_INCREMENT for dumped tables\n--\n")
            for spool in spools:
                auto = spool.table.auto_increment_column()
                if auto is None:
                    continue
                out.write(
                    f"\n--\n-- AUTO_INCREMENT for table `{spool.table.name}`\n--\n"
                    f"ALTER TABLE `{spool.table.name}`\n  MODIFY {auto.ddl()}"
                    f", AUTO_INCREMENT={spool.rows + 1};\n"
                )
            out.write(_FOOTER)
        return {s.table.name: s.rows for s in spools}
