"""The one exception hierarchy of the project.

Every error carries structured fields and a message that says what to do next.
The CLI and web edges turn an ``IntercopError`` into one clean line; anything else
is a bug.
"""

from __future__ import annotations

from pathlib import Path


class IntercopError(Exception):
    """Base of every error the platform raises on purpose."""

    #: what the user should do about it; appended to the message
    hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        if hint is not None:
            self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return f"{self.message}. {self.hint}" if self.hint else self.message


class ConfigError(IntercopError):
    """A setting or configuration file is wrong."""

    hint = "Check the INTERCOP_ settings or the file named"


class WorkspaceError(IntercopError):
    """The workspace is missing or not usable."""

    hint = "Run `intercop init` or point INTERCOP_HOME / --workspace at a workspace"


class InputError(IntercopError):
    """A seized file cannot be read as a whole.

    ``path`` and ``line`` (1-based, when known) name where; per-row problems are
    quarantined instead of raised.
    """

    hint = "Check the file, or pass --format/--mapping to say what it is"

    def __init__(
        self,
        message: str,
        *,
        path: Path | str,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.line = line
        where = f"{self.path.name}:{line}" if line is not None else self.path.name
        super().__init__(f"{where}: {message}", hint=hint)


class UnsupportedFormatError(InputError):
    """No reader recognises the file."""

    hint = (
        "Supported: MySQL/MariaDB and PostgreSQL dumps, SQLite, CSV/TSV, JSON/NDJSON "
        "(optionally .gz or .zip); pass --format to force one"
    )


class ArchiveBombError(InputError):
    """An archive expands far beyond its compressed size."""

    hint = "Unpack it by hand after checking it, or raise INTERCOP_MAX_EXPANSION_RATIO"


class MappingError(IntercopError):
    """A platform mapping is invalid or does not fit the dataset."""

    hint = "Fix the mapping file (see `intercop mapping init DUMP` for a starting point)"

    def __init__(self, message: str, *, path: Path | str | None = None, hint: str | None = None):
        self.path = Path(path) if path is not None else None
        where = f"{self.path.name}: " if self.path is not None else ""
        super().__init__(f"{where}{message}", hint=hint)


class DatasetNotFoundError(IntercopError):
    """No dataset with that id (or prefix) is in the vault."""

    hint = "List the datasets with `intercop datasets`"


class VaultError(IntercopError):
    """The vault is inconsistent or could not be written."""

    hint = "Nothing was half-written; fix the cause and run the command again"


class LinkageError(IntercopError):
    """The linkage model or the engine running it failed.

    ``engine`` names the engine (duckdb, spark) when known; ``sql`` holds the statement
    that failed, for the log, when the engine reported one.
    """

    hint = "Run resolve again with --retrain; if it fails again, report the log"

    def __init__(
        self,
        message: str,
        *,
        engine: str | None = None,
        sql: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.engine = engine
        self.sql = sql
        prefix = f"{engine} engine: " if engine else ""
        super().__init__(f"{prefix}{message}", hint=hint)
