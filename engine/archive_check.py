"""四性检测 of an archive package (engine/archive_package.py), as DA/T 70 checks an electronic record:
authenticity (真实性: the office's signature over the metadata holds, each file's size and checksums
are the ones listed), integrity (完整性: every listed file is there, the metadata has every required
element and numbers the documents without a gap), usability (可用性: the package is a plain ZIP, the
metadata parses, each file opens as its kind) and security (安全性: nothing the metadata does not
list, no path outside the package, no script in its pages).

Each check is reported passed or failed with its reason. Nothing is extracted: each file is read by
its name, its size first bounded.
"""
import hashlib
import json
import zipfile
import zlib
from pathlib import PurePosixPath

from lxml import etree, html

from engine import archive_metadata as meta
from engine import files, seals
from engine.archive_package import METADATA, SIGNATURE, digests
from engine.errors import Message, listed

AUTHENTICITY, INTEGRITY, USABILITY, SECURITY = "authenticity", "integrity", "usability", "security"
MAX_ENTRY = 64 * 1024 * 1024  # a document is at most 20 MB (engine/files.py); its history far less
MAX_ENTRIES = 10_000
SHOWN = 5  # files named in a reason, the rest counted


def check(source) -> list[dict]:
    """The report on a package (a path or a binary file): [{aspect, check, passed, reason}]."""
    report = Report()
    try:
        with zipfile.ZipFile(source) as package:
            _check(package, report)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:  # zlib: a compressed entry spoilt
        report.add(USABILITY, "package", False, Message("It is not a readable ZIP file: %(error)s", error=str(exc)))
    return report.checks


def passed(report: list[dict]) -> bool:
    return all(c["passed"] for c in report)


class Report:
    def __init__(self):
        self.checks = []

    def add(self, aspect: str, name: str, ok: bool, reason: str) -> None:
        self.checks.append({"aspect": aspect, "check": name, "passed": ok, "reason": reason})

    def unchecked(self, why: str, *names: tuple[str, str]) -> None:
        for aspect, name in names:
            self.add(aspect, name, False, Message("Not checked: %(why)s", why=why))


_AFTER_METADATA = ((AUTHENTICITY, "signature"), (AUTHENTICITY, "checksums"), (INTEGRITY, "files_present"),
                   (INTEGRITY, "metadata_complete"), (USABILITY, "files_open"), (SECURITY, "nothing_extra"))


def _check(package: zipfile.ZipFile, report: Report) -> None:
    entries = {e.filename: e for e in package.infolist() if not e.is_dir()}
    plain = _plain(package, entries, report)
    roots = [name for name in entries if PurePosixPath(name).parts[1:] == (METADATA,)]
    if not plain or len(roots) != 1:
        if plain:
            report.add(USABILITY, "metadata_parses", False,
                       Message("The package holds %(n)s metadata files (<case number>/metadata.xml): one is "
                               "needed", n=len(roots)))
        report.unchecked(Message("the package cannot be read safely") if not plain
                         else Message("there is no single metadata file"), *_AFTER_METADATA)
        return
    root = roots[0].removesuffix(METADATA)
    metadata = package.read(roots[0])
    try:
        tree = meta.parsed(metadata, meta.ROOT)
    except ValueError as exc:
        report.add(USABILITY, "metadata_parses", False, Message("The metadata cannot be read: %(why)s",
                                                                why=exc.args[0]))
        report.unchecked(Message("the metadata cannot be read"), *_AFTER_METADATA)
        return
    report.add(USABILITY, "metadata_parses", True, Message("The metadata is well-formed UTF-8 XML"))
    _signature(package, entries, root, metadata, report)
    listed = meta.files_of(tree)
    _present_and_whole(package, entries, root, listed, report)
    wrong = meta.problems(tree)
    report.add(INTEGRITY, "metadata_complete", not wrong,
               Message("Every required element is there and the documents are numbered 1 to %(n)s", n=len(listed))
               if not wrong else Message("Missing or malformed: %(elements)s", elements=_some(wrong)))
    known = {root + METADATA, root + SIGNATURE, *(root + row.get("路径", "") for row in listed)}
    extra = sorted(set(entries) - known)
    report.add(SECURITY, "nothing_extra", not extra,
               Message("The package holds nothing the metadata does not list") if not extra
               else Message("Files the metadata does not list: %(files)s", files=_some(extra)))


def _plain(package: zipfile.ZipFile, entries: dict, report: Report) -> bool:
    """A package any archive can open: no encryption, ZIP's standard compression, names inside it,
    each file of a document's size at most."""
    wrong = []
    if len(entries) > MAX_ENTRIES:
        wrong.append(Message("%(n)s files, more than %(max)s", n=len(entries), max=MAX_ENTRIES))
    for entry in list(entries.values())[:MAX_ENTRIES]:
        path = PurePosixPath(entry.filename)
        if entry.flag_bits & 0x1:
            wrong.append(Message("%(file)s is encrypted", file=entry.filename))
        elif entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            wrong.append(Message("%(file)s is compressed by a method archives need not read", file=entry.filename))
        elif entry.file_size > MAX_ENTRY:
            wrong.append(Message("%(file)s is larger than %(size)s MB", file=entry.filename, size=MAX_ENTRY // files.MB))
        elif path.is_absolute() or ".." in path.parts or "\\" in entry.filename:
            wrong.append(Message("%(file)s lies outside the package", file=entry.filename))
    report.add(USABILITY, "package", not wrong, Message("A ZIP file without encryption, in standard compression")
               if not wrong else Message("The package cannot be read safely: %(problems)s", problems=_some(wrong)))
    return not wrong


def _signature(package, entries: dict, root: str, metadata: bytes, report: Report) -> None:
    if root + SIGNATURE not in entries:
        report.add(AUTHENTICITY, "signature", False, Message("The package has no signature (%(file)s)", file=SIGNATURE))
        return
    try:
        signed_file, signature = meta.signature_of(package.read(root + SIGNATURE))
    except ValueError as exc:
        report.add(AUTHENTICITY, "signature", False, Message("The signature cannot be read: %(why)s", why=exc.args[0]))
        return
    holds = signed_file == METADATA and seals.signed(metadata, signature)
    report.add(AUTHENTICITY, "signature", holds,
               Message("The office's electronic seal signed the metadata as it is") if holds else
               Message("The signature does not hold: the metadata was changed after it was signed, or another key "
                       "signed it"))


def _present_and_whole(package, entries: dict, root: str, listed: list[dict], report: Report) -> None:
    missing, changed, unreadable = [], [], []
    for row in listed:
        name = root + row.get("路径", "")
        if name not in entries:
            missing.append(row.get("路径") or row.get("件号", "?"))
            continue
        content = package.read(name)
        recorded = row["digests"]
        found = digests(content)
        if str(len(content)) != row.get("大小") or any(recorded.get(a) != v for a, v in found.items()
                                                       if a in recorded) or meta.SHA256 not in recorded:
            changed.append(row["路径"])
        reason = _opens(row["路径"], content)
        if reason:
            unreadable.append(Message("%(file)s (%(why)s)", file=row["路径"], why=reason))
    whole = Message("Every file has the size and checksums listed") if "sm3" in hashlib.algorithms_available \
        else Message("Every file has the size and SHA-256 listed (SM3 is not available on this machine)")
    report.add(AUTHENTICITY, "checksums", not changed, whole if not changed
               else Message("Changed since the package was made (size or checksum differs): %(files)s",
                            files=_some(changed)))
    report.add(INTEGRITY, "files_present", not missing,
               Message("All %(n)s listed files are there", n=len(listed)) if not missing
               else Message("Listed but missing: %(files)s", files=_some(missing)))
    report.add(USABILITY, "files_open", not unreadable,
               Message("Each file opens as its kind") if not unreadable
               else Message("Do not open as their kind: %(files)s", files=_some(unreadable)))


def _opens(path: str, content: bytes) -> str | None:
    """Why the file does not open as the kind its name says, or None. A page holds no script (one
    made to run would be no record of what was printed)."""
    suffix = PurePosixPath(path).suffix.lower()
    if suffix == ".json":
        try:
            json.loads(content.decode("utf-8"))
        except ValueError:
            return Message("not JSON in UTF-8")
        return None
    if suffix == ".html":
        try:
            page = html.document_fromstring(content.decode("utf-8"))
        except (ValueError, etree.ParserError):
            return Message("not a web page in UTF-8")
        return Message("a page with script") if page.xpath("//script") else None
    if suffix not in files.SIGNATURES:
        return Message("a kind of file a case does not hold")
    return None if files.of_its_kind(content, path) else Message("not a %(kind)s file", kind=files.SIGNATURES[suffix][0])


def _some(names: list) -> str:
    """The first few names, said one after another, and how many more."""
    if len(names) <= SHOWN:
        return listed(names)
    return Message("%(shown)s and %(n)s more", shown=listed(names[:SHOWN]), n=len(names) - SHOWN)
