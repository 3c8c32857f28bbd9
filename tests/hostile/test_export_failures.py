"""Exports to a full disk, to /dev/full, to an existing folder (issue 14: "unexpected
error: OSError / IsADirectoryError", Python "Exception ignored" tracebacks, and
.part files left behind).

The full disk is a real OS-level fault: the export runs in its own process
with RLIMIT_FSIZE below the size of the file it writes (writes past it fail
with EFBIG, as they fail with ENOSPC on a full disk). /dev/full is a copy of
the device (mknod) in the test's folder when we may make one, so that nothing
could ever rename over the system's own.
"""

from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from aims_tui.core.outfile import OutputError, output_file, target_path


EXPORTS = {
    "register csv": ["export", "register", "--format", "csv"],
    "register xlsx": ["export", "register", "--format", "xlsx"],
    "soa json": ["export", "soa", "--format", "json"],
    "register json": ["export", "register", "--format", "json"],
    "pack": ["export", "pack", "--as-of", "2026-06-15"],
    "everything json": ["export", "json"],
}


@pytest.fixture(scope="module")
def big_db(tmp_path_factory) -> Path:
    """A register big enough that every export is larger than the file size limit below."""
    path = tmp_path_factory.mktemp("exports") / "aims.db"
    env = {**os.environ, "AIMS_DB": str(path)}
    for args in (["init"], ["demo", "--systems", "10", "--risks-per-system", "20", "--seed", "1"]):
        subprocess.run([sys.executable, "-m", "aims_tui", *args], env=env, check=True, capture_output=True)
    return path


def aims(db: Path, *args: str, limit_bytes: int | None = None, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    def limit() -> None:
        if limit_bytes is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run([sys.executable, "-m", "aims_tui", *args], env={**os.environ, "AIMS_DB": str(db)},
                          stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=180, preexec_fn=limit)


def one_line(res: subprocess.CompletedProcess) -> str:
    assert res.returncode == 1, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Exception ignored" not in res.stderr and "Traceback" not in res.stderr
    assert "unexpected" not in res.stderr
    return lines[0]


def full_device(folder: Path) -> Path:
    """/dev/full, or our own node of it (major 1, minor 7) where we may make one."""
    node = folder / "full"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
        return node
    except OSError:
        return Path("/dev/full")


@pytest.mark.parametrize("name", [n for n in EXPORTS if n != "soa json"])  # the SoA is under the limit
def test_an_export_to_a_full_disk_is_one_line_and_leaves_no_file(big_db, tmp_path, name):
    out = tmp_path / "out" / "export.file"
    out.parent.mkdir()
    res = aims(big_db, *EXPORTS[name], "--out", str(out), limit_bytes=40_000)
    assert one_line(res) == f"aims: cannot write {out}: File too large" or \
        one_line(res).startswith(f"aims: cannot write {out}: File too large (while building the workbook")
    assert list(out.parent.iterdir()) == []  # neither the file nor a .part


@pytest.mark.parametrize("name", list(EXPORTS))
def test_an_export_to_dev_full_is_one_line_and_the_device_stays_a_device(big_db, tmp_path, name):
    device = full_device(tmp_path)
    res = aims(big_db, *EXPORTS[name], "--out", str(device))
    assert one_line(res) == f"aims: cannot write {device}: No space left on device"
    assert stat.S_ISCHR(device.stat().st_mode)  # written in place, never renamed over
    assert [p.name for p in device.parent.iterdir() if p.name.endswith(".part")] == []


def test_an_export_to_stdout_on_a_full_disk_is_one_line(big_db, tmp_path):
    with open(full_device(tmp_path), "w") as full:
        res = aims(big_db, "export", "register", "--out", "-", stdout=full)
    assert one_line(res) == "aims: cannot write to standard output: No space left on device"


@pytest.mark.parametrize("name", ["register csv", "register xlsx", "soa json", "pack"])
def test_out_naming_an_existing_folder_writes_the_default_file_name_into_it(big_db, tmp_path, name):
    """Before: "unexpected error: IsADirectoryError"."""
    res = aims(big_db, *EXPORTS[name], "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    (written,) = [p for p in tmp_path.iterdir()]
    assert res.stdout.startswith(f"wrote {written} ")
    kind = EXPORTS[name][1] if name != "pack" else "management-review-pack"
    assert written.name.startswith(kind) and written.stat().st_size > 1000


def test_everything_json_into_a_folder_is_refused_clearly(big_db, tmp_path):
    """`export json` has no default name (its default is stdout): it says what to give."""
    res = aims(big_db, "export", "json", "--out", str(tmp_path))
    assert one_line(res) == f"aims: --out: {tmp_path} is a folder; give a file name such as {tmp_path / 'aims.json'}"
    assert list(tmp_path.iterdir()) == []


def test_the_output_writer_keeps_the_old_file_when_a_write_fails(tmp_path):
    """Complete or absent: a failure half way leaves the previous export as it was."""
    target = tmp_path / "r.csv"
    target.write_text("old export\n", encoding="utf-8")
    with pytest.raises(OutputError, match=f"cannot write {target}: No space left on device"):
        with output_file(target) as fh:
            fh.write("new half")
            raise OSError(28, "No space left on device")
    assert target.read_text(encoding="utf-8") == "old export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"]
    assert target_path(tmp_path, tmp_path / "elsewhere", "default.csv") == tmp_path / "default.csv"
    assert target_path(None, tmp_path / "elsewhere", "default.csv") == tmp_path / "elsewhere" / "default.csv"
