"""A writer of plain-format ``pg_dump`` files (PostgreSQL 15): DDL, COPY blocks, constraints."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TextIO

from intercop.synth.escaping import FILE_ERRORS, SqlValue, pg_copy_field
from intercop.synth.spool import Progress

_HEADER = """\
--
-- PostgreSQL database dump
--

-- Dumped from database version 15.6 (Debian 15.6-0+deb12u1)
-- Dumped by pg_dump version 15.6 (Debian 15.6-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;
"""


@dataclass(frozen=True)
class PgTable:
    """A table of the public schema: (name, type, not null) columns, serial ``id`` first."""

    name: str
    columns: tuple[tuple[str, str, bool], ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of the columns in order."""
        return tuple(c[0] for c in self.columns)


class CopySpool:
    """The COPY rows of one table, spooled to a temporary file."""

    def __init__(self, table: PgTable, path: Path, progress: Progress | None) -> None:
        self.table = table
        self.path = path
        self.rows = 0
        self._progress = progress
        self._file: TextIO = path.open("w", encoding="utf-8", errors=FILE_ERRORS, newline="")

    def add(self, values: Sequence[SqlValue]) -> None:
        """Append one row."""
        line = "\t".join(pg_copy_field(v) for v in values) + "\n"
        self._file.write(line)
        self.rows += 1
        if self._progress is not None:
            self._progress(len(line))

    def close(self) -> None:
        """Close the spool file."""
        self._file.close()


class PgDumpWriter:
    """Collects the tables of one database and writes one plain pg_dump file."""

    def __init__(self, out: Path, *, owner: str, progress: Progress | None = None) -> None:
        self.out = out
        self.owner = owner
        self._progress = progress
        self._spools: list[CopySpool] = []
        self._dir = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))

    def table(self, table: PgTable) -> CopySpool:
        """Start a table; add its rows to the returned spool."""
        spool = CopySpool(table, self._dir / f"{len(self._spools):03d}.copy", self._progress)
        self._spools.append(spool)
        return spool

    def __enter__(self) -> PgDumpWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)

    def _comment(self, name: str, kind: str) -> str:
        return f"\n--\n-- Name: {name}; Type: {kind}; Schema: public; Owner: {self.owner}\n--\n\n"

    def close(self) -> dict[str, int]:
        """Write the dump; return the row count of every table."""
        for spool in self._spools:
            spool.close()
        o = self.owner
        with self.out.open("w", encoding="utf-8", errors=FILE_ERRORS, newline="") as out:
            out.write(_HEADER)
            for s in self._spools:
                t = s.table.name
                cols = ",\n".join(
                    f"    {n} {typ}{' NOT NULL' if nn else ''}" for n, typ, nn in s.table.columns
                )
                out.write(
                    f"{self._comment(t, 'TABLE')}CREATE TABLE public.{t} (\n{cols}\n);\n\n\n"
                    f"ALTER TABLE public.{t} OWNER TO {o};\n"
                    f"{self._comment(f'{t}_id_seq', 'SEQUENCE')}"
                    f"CREATE SEQUENCE public.{t}_id_seq\n    AS integer\n    START WITH 1\n"
                    "    INCREMENT BY 1\n    NO MINVALUE\n    NO MAXVALUE\n    CACHE 1;\n\n\n"
                    f"ALTER TABLE public.{t}_id_seq OWNER TO {o};\n"
                    f"{self._comment(f'{t}_id_seq', 'SEQUENCE OWNED BY')}"
                    f"ALTER SEQUENCE public.{t}_id_seq OWNED BY public.{t}.id;\n\n"
                )
            for s in self._spools:
                t = s.table.name
                out.write(
                    f"{self._comment(f'{t} id', 'DEFAULT')}ALTER TABLE ONLY public.{t} ALTER "
                    f"COLUMN id SET DEFAULT nextval('public.{t}_id_seq'::regclass);\n\n"
                )
            for s in self._spools:
                t = s.table.name
                out.write(
                    f"\n--\n-- Data for Name: {t}; Type: TABLE DATA; Schema: public; "
                    f"Owner: {o}\n--\n\n"
                    f"COPY public.{t} ({', '.join(s.table.column_names)}) FROM stdin;\n"
                )
                with s.path.open("r", encoding="utf-8", errors=FILE_ERRORS, newline="") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
                out.write("\\.\n\n")
            for s in self._spools:
                t = s.table.name
                out.write(
                    f"{self._comment(f'{t}_id_seq', 'SEQUENCE SET')}"
                    f"SELECT pg_catalog.setval('public.{t}_id_seq', {max(s.rows, 1)}, "
                    f"{'true' if s.rows else 'false'});\n\n"
                )
            for s in self._spools:
                t = s.table.name
                out.write(
                    f"{self._comment(f'{t} {t}_pkey', 'CONSTRAINT')}ALTER TABLE ONLY public.{t}\n"
                    f"    ADD CONSTRAINT {t}_pkey PRIMARY KEY (id);\n\n"
                )
            out.write("\n--\n-- PostgreSQL database dump complete\n--\n\n")
        return {s.table.name: s.rows for s in self._spools}
