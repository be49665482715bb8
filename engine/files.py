"""Uploaded files (and archive packages, engine/archive.py), stored once by their SHA-256 under
instance/files, each at <first two characters of its checksum>/<checksum>.

Written to a temporary name and renamed, so a crash never leaves half a file under a checksum.
A file is stored before the row that names it commits (the row is written in the transaction
after), so the store may hold a file no row names yet, never the other way round.
"""
import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from engine.config import INSTANCE_DIR
from engine.errors import Invalid, NotFound

MAX_BYTES = 20 * 1024 * 1024  # a file
MB = 1024 * 1024
MAX_FILES_BYTES = 5 * MAX_BYTES  # the files of one request together: five at the largest
MAX_REQUEST_BYTES = MAX_FILES_BYTES + MB  # and the form around them
MAX_NAME = 200  # the columns hold 300; PostgreSQL refuses a longer value
_CHECKSUM = re.compile(r"[0-9a-f]{64}")
# What a case's materials and results come as: scans, the national OFD format, office files,
# drawings (多图联审). Nothing a browser or a desktop would run.
ACCEPTED = (".pdf", ".ofd", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".doc", ".docx", ".xls", ".xlsx",
            ".dwg", ".dxf")
_ZIP, _OLE2 = (b"PK\x03\x04",), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
# What each kind's content starts with, and the kind's name for a refusal: a file is taken by its
# name, and its content must be of that kind, so a web page or a program renamed .pdf is refused
# (a staff member opening it would otherwise run what its real type runs). OFD, DOCX and XLSX are
# ZIP packages, DOC and XLS Word 97 compound files; a PDF reader finds its header anywhere in the
# first kilobyte, so a scanner's leading bytes are allowed.
SIGNATURES = {
    ".pdf": ("PDF", lambda head: b"%PDF" in head[:1024]),
    ".ofd": ("OFD", _ZIP), ".docx": ("Word", _ZIP), ".xlsx": ("Excel", _ZIP),
    ".doc": ("Word", _OLE2), ".xls": ("Excel", _OLE2),
    ".jpg": ("JPEG", (b"\xff\xd8\xff",)), ".jpeg": ("JPEG", (b"\xff\xd8\xff",)),
    ".png": ("PNG", (b"\x89PNG\r\n\x1a\n",)),
    ".tif": ("TIFF", (b"II*\x00", b"MM\x00*")), ".tiff": ("TIFF", (b"II*\x00", b"MM\x00*")),
    ".dwg": ("DWG", lambda head: re.match(rb"AC[0-9.]{4}", head) is not None),  # its version: AC1032
    # A drawing exchange file: binary, or text opening with a group code 0 (SECTION) or 999 (a comment).
    ".dxf": ("DXF", lambda head: head.startswith(b"AutoCAD Binary DXF")
             or re.match(rb"(\xef\xbb\xbf)?\s*(0|999)\r?\n", head) is not None),
}


def clean_name(name: str | None) -> str:
    """A file's name as handed in, fit for a page and a download's header: its last path part,
    without control or format characters (a line break made its download fail; a right-to-left
    mark disguises an extension), shortened to MAX_NAME keeping its extension."""
    name = re.split(r"[/\\]", name or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > MAX_NAME:
        _stem, dot, suffix = name.rpartition(".")
        kept = dot + suffix if dot and len(suffix) <= 10 else ""
        name = name[:MAX_NAME - len(kept)] + kept
    return name or "file"


def root() -> Path:
    path = Path(os.environ.get("SHENPI_FILES_DIR", INSTANCE_DIR / "files"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(sha256: str) -> Path | None:
    """Where the store keeps the file with this checksum; None for text that is no checksum."""
    return root() / sha256[:2] / sha256 if _CHECKSUM.fullmatch(sha256 or "") else None


def _path(sha256: str) -> Path:
    path = path_of(sha256)
    if path is None:
        raise NotFound("No such file")
    return path


def store(content: bytes, name: str) -> tuple[str, int]:
    """Keep the file by its checksum; refused, named, if it is empty, too large or no document
    (a program, a web page that would run script), by its name or by its content."""
    if Path(name).suffix.lower() not in ACCEPTED:
        raise Invalid("%(file)s: only documents are taken (%(types)s)", file=name, types=" ".join(ACCEPTED))
    if not content:
        raise Invalid("%(file)s: the file is empty", file=name)
    if len(content) > MAX_BYTES:
        raise Invalid("%(file)s: the file is larger than %(size)s MB", file=name, size=MAX_BYTES // MB)
    if not of_its_kind(content, name):
        raise Invalid("%(file)s: its content is not a %(kind)s file, as its name says", file=name,
                      kind=SIGNATURES[Path(name).suffix.lower()][0])
    sha = hashlib.sha256(content).hexdigest()
    try:
        # Kept already: its time is renewed, as the row about to name it is not committed yet and
        # the consistency check removes only files no row has named for an hour (engine/file_check.py).
        os.utime(_path(sha))
    except FileNotFoundError:
        _put(root(), lambda fh: fh.write(content))
    return sha, len(content)


def keep(write: Callable) -> tuple[str, int]:
    """Keep what `write(file)` writes (an archive package too large to hold in memory) by its
    checksum. Returns its SHA-256 and size."""
    sha = _put(root(), write)
    return sha, _path(sha).stat().st_size


def _put(folder: Path, write: Callable, sha256: str | None = None) -> str | None:
    """Keep what `write(file)` writes in a store (folder) at its checksum's place: written under a
    temporary name, synced and renamed, so a crash leaves no half file under a checksum. Returns
    the checksum; given sha256, content with another is not kept, and the answer is None."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder)
    try:
        with os.fdopen(fd, "w+b") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
            fh.seek(0)
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        if sha256 is not None and digest != sha256:
            os.unlink(tmp)
            return None
        target = folder / digest[:2] / digest
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest


def _copied(path: Path, out) -> None:
    with path.open("rb") as source:
        shutil.copyfileobj(source, out)


@contextmanager
def private_file(target: Path, mode: str = "wb"):
    """A file for its owner alone (0600 whatever the umask: it holds ID numbers, or a key), written
    under a temporary name beside it, synced, and renamed into place once whole: a crash or an
    error leaves the earlier file, if any, and nothing half-written."""
    part = target.with_name(f".{target.name}.part")
    handle = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(handle, 0o600)  # one left by a crash keeps its mode through O_CREAT
    try:
        with os.fdopen(handle, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


def checksum(path: Path) -> str:
    with path.open("rb") as fh:  # read a piece at a time, never whole
        return hashlib.file_digest(fh, "sha256").hexdigest()


def kept_as(path: Path, folder: Path) -> str | None:
    """The checksum a file of a store (folder) is kept under; None for one not at such a place
    (a write in progress, a stray file)."""
    name = path.name
    return name if _CHECKSUM.fullmatch(name) and path.parent == folder / name[:2] else None


def everything(folder: Path) -> list[Path]:
    """Every file in a store, at a checksum's place or not."""
    return sorted(path for path in folder.rglob("*") if path.is_file())


def copy_store(source: Path, target: Path, progress: Callable[[int, int], None] | None = None) -> dict:
    """Copy the files of one store into another (into a backup, or back from one). A file already
    there at its size is not copied again (its name is its content's checksum); one copied is
    checked against its name on the way, and left out, named, if it does not match. progress is
    told (files done, files in all) after each file.

    Returns {"files", "bytes"} of the files now in both, how many were "copied" this time, and
    the "corrupt" ones' checksums."""
    kept = [(sha, path) for path in everything(source) if (sha := kept_as(path, source))]
    done = {"files": 0, "bytes": 0, "copied": 0, "corrupt": []}
    for count, (sha, path) in enumerate(kept, 1):
        there = target / sha[:2] / sha
        try:
            size = path.stat().st_size
            if not (there.is_file() and there.stat().st_size == size):
                if _put(target, lambda fh: _copied(path, fh), sha) is None:
                    done["corrupt"].append(sha)
                    continue
                done["copied"] += 1
        except FileNotFoundError:  # removed meanwhile, as an orphan (run.py check --repair-orphans)
            continue
        finally:
            if progress:
                progress(count, len(kept))
        done["files"] += 1
        done["bytes"] += size
    return done


def of_its_kind(content: bytes, name: str) -> bool:
    """Whether the content begins as the kind of document its name says (a PDF header for .pdf);
    False for a name no document has."""
    kind = SIGNATURES.get(Path(name).suffix.lower())
    if kind is None:
        return False
    starts = kind[1]
    return starts(content) if callable(starts) else content.startswith(starts)


def read(sha256: str) -> bytes:
    return located(sha256).read_bytes()


def located(sha256: str) -> Path:
    """Where a stored file is, to be sent or copied without reading it whole."""
    path = _path(sha256)
    if not path.exists():
        raise NotFound("The file is missing from storage")
    return path
