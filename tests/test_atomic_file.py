"""Whole-file replacement (poetstudio.atomic_file): the draft, the studio's state and an adapter's balance are
written through it, so an interrupted write must leave the old file and no temporary one."""

from __future__ import annotations

import pytest

from poetstudio.atomic_file import write_text_atomic


def test_the_new_text_replaces_the_old_and_the_folder_is_made(tmp_path):
    path = tmp_path / "deeper" / "draft.json"
    write_text_atomic(path, "old")
    write_text_atomic(path, "new \u2014 text")
    assert path.read_text(encoding="utf-8") == "new \u2014 text"
    assert [p.name for p in path.parent.iterdir()] == ["draft.json"]


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "draft.json"
    path.write_text("what the person wrote")

    def interrupted(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr("poetstudio.atomic_file.os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_text_atomic(path, "half")
    assert path.read_text() == "what the person wrote" and [p.name for p in tmp_path.iterdir()] == ["draft.json"]


@pytest.mark.parametrize("number, says", [
    (28, "the disk is full"), (122, "the disk is full"), (30, "file system is read-only"), (13, "permission denied"),
])
def test_a_failed_write_is_one_line_that_says_why_and_leaves_the_old_file(tmp_path, monkeypatch, number, says):
    import errno as errno_names

    from poetstudio.errors import FileWriteError, UserError

    number = {28: errno_names.ENOSPC, 122: errno_names.EDQUOT, 30: errno_names.EROFS, 13: errno_names.EACCES}[number]
    path = tmp_path / "draft.json"
    path.write_text("what the person wrote")

    def failed(_handle):  # the fault simulated: fsync (or the write before it) refused by the disk
        raise OSError(number, "refused")

    monkeypatch.setattr("poetstudio.atomic_file.os.fsync", failed)
    with pytest.raises(FileWriteError) as error:
        write_text_atomic(path, "half")
    assert isinstance(error.value, OSError) and isinstance(error.value, UserError) and error.value.errno == number
    assert says in str(error.value) and str(path) in str(error.value) and "\n" not in str(error.value)
    assert path.read_text() == "what the person wrote" and [p.name for p in tmp_path.iterdir()] == ["draft.json"]
