"""Evidence files are read as data and proved unchanged (issue 17): real files on disk,
changed, moved, unreadable, symlinked, special, and named with spaces and control
characters."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aims_tui.core import evidence as ev
from aims_tui.core.errors import ValidationError
from aims_tui.core.services import evidence as service
from aims_tui.core.services import registers

from ..conftest import EDITOR, TODAY


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_file_is_hashed_in_chunks_to_the_sha256_of_its_bytes(tmp_path, monkeypatch):
    """A file larger than one chunk hashes to what hashlib says of the whole."""
    monkeypatch.setattr(ev, "CHUNK", 7)
    data = os.urandom(1000)
    p = tmp_path / "f.bin"
    p.write_bytes(data)
    check = ev.hash_file(str(p))
    assert check.ok and check.sha256 == _sha(data) and check.size == 1000


def test_a_file_larger_than_the_bound_is_not_read_to_the_end(tmp_path):
    p = tmp_path / "big.bin"
    p.write_bytes(b"x" * 100)
    check = ev.hash_file(str(p), max_bytes=99)
    assert check.state == ev.TOO_LARGE and not check.sha256 and "99" in check.reason


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    """A named pipe would block a reader forever: it is named, not read."""
    p = tmp_path / "pipe"
    os.mkfifo(p)
    out: list = []
    t = threading.Thread(target=lambda: out.append(ev.hash_file(str(p))), daemon=True)
    t.start()
    t.join(5)
    assert out and out[0].state == ev.NOT_A_FILE and "FIFO" in out[0].reason


def test_a_folder_and_a_device_are_not_files(tmp_path):
    assert ev.hash_file(str(tmp_path)).state == ev.NOT_A_FILE
    dev = ev.hash_file("/dev/zero")
    assert dev.state == ev.NOT_A_FILE and "device" in dev.reason


def test_a_symlink_is_followed_to_a_regular_target_and_says_where_it_points(tmp_path):
    target = tmp_path / "real.txt"
    target.write_bytes(b"policy v1")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    check = ev.hash_file(str(link))
    assert check.ok and check.sha256 == _sha(b"policy v1") and check.target == str(target)
    assert "symlink to" in check.describe() and str(target) in check.describe()


def test_a_dangling_symlink_is_missing_and_names_its_target(tmp_path):
    link = tmp_path / "gone.txt"
    link.symlink_to(tmp_path / "nowhere.txt")
    check = ev.hash_file(str(link))
    assert check.state == ev.MISSING and "nowhere.txt" in check.describe()


def test_a_symlink_to_a_fifo_is_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "l").symlink_to(tmp_path / "pipe")
    assert ev.hash_file(str(tmp_path / "l")).state == ev.NOT_A_FILE


def test_a_path_with_spaces_and_control_characters_is_hashed_and_shown_escaped(db, tmp_path):
    """A file name is data: an ESC or a newline in it is kept for the file system and
    escaped on the screen, never obeyed."""
    name = "minutes Q2 \x1b[31mred\x1b[0m\nline.txt"
    p = tmp_path / name
    p.write_bytes(b"minutes")
    r = service.add(db, EDITOR, str(p), "A.6.2.4", "Minutes", today=TODAY)
    assert r["location"] == str(p) and r["sha256"] == _sha(b"minutes")
    [v] = service.verify(db)
    assert v.state == ev.OK
    assert "\x1b" not in v.detail and "\n" not in v.detail and "\\x1b[31mred" in v.detail


def test_a_relative_path_is_recorded_absolute(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("rel.txt").write_text("x")
    r = service.add(db, EDITOR, "rel.txt", "A.6.2.4", "Relative", today=TODAY)
    assert r["location"] == str(tmp_path / "rel.txt")


def test_verify_reports_changed_moved_and_unchanged_files(db, tmp_path):
    same, changed, moved = (tmp_path / n for n in ("same.txt", "changed.txt", "moved.txt"))
    for p in (same, changed, moved):
        p.write_text(p.name)
    for p in (same, changed, moved):
        service.add(db, EDITOR, str(p), "A.6.2.4", p.name, today=TODAY)
    service.add(db, EDITOR, "https://wiki.example.com/page", "A.6.2.4", "A page", today=TODAY)
    changed.write_text("edited after the audit sample was taken")
    moved.rename(tmp_path / "elsewhere.txt")
    states = {v.title: v.state for v in service.verify(db)}
    assert states == {"same.txt": ev.OK, "changed.txt": ev.CHANGED, "moved.txt": ev.MISSING}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file anyway")
def test_an_unreadable_file_is_reported_not_raised(db, tmp_path):
    p = tmp_path / "secret.txt"
    p.write_text("x")
    service.add(db, EDITOR, str(p), "A.6.2.4", "Secret", today=TODAY)
    p.chmod(0)
    try:
        [v] = service.verify(db)
        assert v.state == ev.UNREADABLE and "cannot read" in v.detail
    finally:
        p.chmod(0o600)


def test_an_unreadable_file_is_a_state_when_open_is_refused(tmp_path, monkeypatch):
    """As root the chmod test above is skipped: the refusal of open() itself is simulated."""
    p = tmp_path / "f.txt"
    p.write_text("x")

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(ev.os, "open", refuse)
    check = ev.hash_file(str(p))
    assert check.state == ev.UNREADABLE and "Permission denied" in check.reason


def test_a_missing_file_is_refused_naming_the_location_and_nothing_is_written(db, tmp_path):
    with pytest.raises(ValidationError) as exc:
        service.add(db, EDITOR, str(tmp_path / "none.txt"), "A.6.2.4", "None", today=TODAY)
    assert exc.value.field == "location" and "no such file" in str(exc.value)
    assert registers.listing(db, "evidence") == []


def test_recapture_takes_a_changed_file_as_the_new_version_with_an_audit_event(db, tmp_path):
    p = tmp_path / "policy.txt"
    p.write_text("v1")
    r = service.add(db, EDITOR, str(p), "A.6.2.4", "Policy", today=TODAY)
    p.write_text("v2")
    assert [v.state for v in service.verify(db)] == [ev.CHANGED]
    out = service.recapture(db, EDITOR, r["ref"], r["version"], today=TODAY)
    assert out["sha256"] == _sha(b"v2") and out["version"] == 2
    assert [v.state for v in service.verify(db)] == [ev.OK]
    from aims_tui.core.audit import events
    with db.read() as s:
        assert events(s, entity_ref=r["ref"], limit=1)[0]["action"] == "recapture"


def test_recapture_of_a_url_is_refused_naming_the_location(db):
    r = service.add(db, EDITOR, "https://x.example.com/a", "A.6.2.4", "Page", today=TODAY)
    with pytest.raises(ValidationError) as exc:
        service.recapture(db, EDITOR, r["ref"], today=TODAY)
    assert exc.value.field == "location"


def test_the_sha256_cannot_be_typed(db):
    """The digest is what aims read: a sha256 given as input is not taken."""
    r = registers.create(db, EDITOR, "evidence", {"title": "t", "location": "https://x.example.com/",
                                                   "for_ref": "A.6.2.4", "sha256": "0" * 64}, today=TODAY)
    assert r["sha256"] == ""


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000), chunk=st.integers(1, 512))
def test_any_bytes_in_any_chunk_size_hash_to_what_hashlib_says(tmp_path, monkeypatch, data, chunk):
    monkeypatch.setattr(ev, "CHUNK", chunk)
    p = tmp_path / "f.bin"
    p.write_bytes(data)
    check = ev.hash_file(str(p))
    assert check.ok and check.sha256 == _sha(data) and check.size == len(data)
