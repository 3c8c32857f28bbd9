"""Writing an output file (an export, a pack) so that a failure leaves nothing behind.

- ``--out`` naming an existing folder writes into it under the default file name;
- a regular file is written to a hidden temporary file in the same folder and
  renamed over the target when complete: a reader never sees half a file, and a
  full disk, a quota or a read-only folder leaves neither a partial file nor a
  ``.part`` file behind;
- a target that is not a regular file (``/dev/stdout``, a FIFO, ``/dev/full``)
  is written in place: it is never replaced by a rename;
- every failure is one line naming the path (:class:`OutputError`), never
  "unexpected error: OSError" or a Python "Exception ignored" traceback from a
  file closed by the garbage collector.
"""

from __future__ import annotations

import os
import secrets
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

from .errors import AimsError


class OutputError(AimsError):
    """An output file could not be written (the message names it and why)."""


def target_path(out: str | Path | None, default_dir: Path, default_name: str) -> Path:
    """Where to write: ``out``, or the default name in ``out`` when it is a folder
    (or in ``default_dir`` when there is no ``out``)."""
    if out is None:
        return Path(default_dir) / default_name
    p = Path(out).expanduser()
    try:
        if p.is_dir():
            return p / default_name
    except OSError:  # a folder we may not look into: the write says so, naming it
        pass
    return p


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _special(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


@contextmanager
def output_file(path: str | Path, *, binary: bool = False) -> Iterator[IO]:
    """Open ``path`` for writing; on leaving the block the file is complete or absent.

    Text is UTF-8 with newlines as written. An OSError in the block (the writer
    met a full disk) or at the end becomes OutputError naming the path.
    """
    path = Path(path)
    mode = "wb" if binary else "w"
    text_kw: dict[str, Any] = {} if binary else {"encoding": "utf-8", "newline": ""}
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")
    tmp: Path | None = None
    if _special(path):  # a device or a FIFO: written in place, never renamed over
        flags = os.O_WRONLY
    else:
        folder = path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create the folder {folder}: {_reason(exc)}") from None
        tmp = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.part"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    target = tmp or path
    try:
        fd = os.open(target, flags, 0o666)  # the umask decides the mode, as for any file
    except OSError as exc:
        where = f" (in the folder {path.parent})" if tmp is not None else ""
        raise OutputError(f"cannot write {path}: {_reason(exc)}{where}") from None
    try:
        fh = os.fdopen(fd, mode, **text_kw)
    except BaseException:
        os.close(fd)
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise
    try:
        yield fh
        fh.flush()
        if tmp is not None:
            os.fsync(fh.fileno())  # a quota or a full disk can surface only here
        fh.close()
        if tmp is not None:
            os.replace(tmp, path)
    except OSError as exc:
        _discard(fh, tmp)
        raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
    except BaseException:
        _discard(fh, tmp)
        raise


def _discard(fh: IO, tmp: Path | None) -> None:
    """Close without letting buffered bytes fail again later (no "Exception ignored"
    at exit), and remove the temporary file."""
    try:
        fh.close()
    except (OSError, ValueError):
        pass  # close() closes the descriptor even when its flush fails
    if tmp is not None:
        tmp.unlink(missing_ok=True)
