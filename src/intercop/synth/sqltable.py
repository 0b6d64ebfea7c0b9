"""Table definitions shared by the MySQL-family writers (mysqldump and phpMyAdmin)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SqlColumn:
    """One column as ``SHOW CREATE TABLE`` prints it."""

    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    auto_increment: bool = False

    def ddl(self, *, with_auto_increment: bool = True) -> str:
        """The column line of a CREATE TABLE (without the indent and comma)."""
        parts = [f"`{self.name}`", self.type]
        if not self.nullable:
            parts.append("NOT NULL")
        if self.auto_increment and with_auto_increment:
            parts.append("AUTO_INCREMENT")
        elif self.default is not None:
            parts.append(f"DEFAULT {self.default}")
        elif self.nullable:
            parts.append("DEFAULT NULL")
        return " ".join(parts)


@dataclass(frozen=True)
class SqlTable:
    """A MySQL table: columns, keys and table options."""

    name: str
    columns: tuple[SqlColumn, ...]
    primary_key: tuple[str, ...] = ("id",)
    #: (name, columns, unique)
    keys: tuple[tuple[str, tuple[str, ...], bool], ...] = field(default=())
    engine: str = "InnoDB"
    charset: str = "utf8mb4"
    collation: str = "utf8mb4_general_ci"

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of the columns in order."""
        return tuple(c.name for c in self.columns)

    def auto_increment_column(self) -> SqlColumn | None:
        """The AUTO_INCREMENT column, if any."""
        return next((c for c in self.columns if c.auto_increment), None)

    def key_lines(self) -> list[str]:
        """PRIMARY KEY / UNIQUE KEY / KEY clauses as mysqldump prints them."""
        lines = []
        if self.primary_key:
            lines.append(f"PRIMARY KEY ({','.join(f'`{c}`' for c in self.primary_key)})")
        for name, cols, unique in self.keys:
            kind = "UNIQUE KEY" if unique else "KEY"
            lines.append(f"{kind} `{name}` ({','.join(f'`{c}`' for c in cols)})")
        return lines

    def table_options(self, next_id: int | None) -> str:
        """The ``ENGINE=... DEFAULT CHARSET=...`` tail of the CREATE TABLE."""
        auto = f" AUTO_INCREMENT={next_id}" if next_id is not None else ""
        return f"ENGINE={self.engine}{auto} DEFAULT CHARSET={self.charset} COLLATE={self.collation}"
