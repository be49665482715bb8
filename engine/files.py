"""Uploaded files (and archive packages, engine/archive.py), stored once by their SHA-256 under
instance/files.

Written to a temporary name and renamed, so a crash never leaves half a file under a checksum.
"""
import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from engine.config import INSTANCE_DIR
from engine.errors import Invalid, NotFound

MAX_BYTES = 20 * 1024 * 1024  # a file
MB = 1024 * 1024
MAX_FILES_BYTES = 5 * MAX_BYTES  # the files of one request together: five at the largest
MAX_REQUEST_BYTES = MAX_FILES_BYTES + MB  # and the form around them
MAX_NAME = 200  # the columns hold 300; PostgreSQL refuses a longer value
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


def _path(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise NotFound("No such file")
    return root() / sha256[:2] / sha256


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
    if not _path(sha).exists():
        keep(lambda fh: fh.write(content))
    return sha, len(content)


def of_its_kind(content: bytes, name: str) -> bool:
    """Whether the content begins as the kind of document its name says (a PDF header for .pdf);
    False for a name no document has."""
    kind = SIGNATURES.get(Path(name).suffix.lower())
    if kind is None:
        return False
    starts = kind[1]
    return starts(content) if callable(starts) else content.startswith(starts)


def keep(write) -> tuple[str, int]:
    """Keep what `write(file)` writes (an archive package too large to hold in memory) by its
    checksum: written under a temporary name, synced and renamed, so a crash leaves no half file
    under a checksum. Returns its SHA-256 and size."""
    fd, tmp = tempfile.mkstemp(dir=root())
    try:
        with os.fdopen(fd, "w+b") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
            fh.seek(0)
            digest = hashlib.file_digest(fh, "sha256")
            size = fh.tell()
        target = _path(digest.hexdigest())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return digest.hexdigest(), size


def read(sha256: str) -> bytes:
    return located(sha256).read_bytes()


def located(sha256: str) -> Path:
    """Where a stored file is, to be sent or copied without reading it whole."""
    path = _path(sha256)
    if not path.exists():
        raise NotFound("The file is missing from storage")
    return path
