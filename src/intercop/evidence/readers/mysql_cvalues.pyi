from intercop.evidence.readers.mysql_values import Tokenized

def tokenize(
    buf: bytes,
    pos: int,
    ncols: int,
    max_rows: int,
    state: int,
    final: bool,
    backslash: bool,
    header: bytes = ...,
    /,
) -> Tokenized: ...
def newlines(buf: bytes, start: int, end: int, /) -> int: ...
