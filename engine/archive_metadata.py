"""The metadata of an archive package (归档信息包, engine/archive.py): one XML file in UTF-8 with
the case file's elements (案卷级), each document's (文件级) with its checksums, and how the package
was made; beside it the office's signature over that file, which makes it the package's manifest.

DA/T 85-2019 (now GB/T 42727-2023) asks for a case's documents and their metadata in one package;
the element names and which of them are required are the product's reading of it (README). Read
back with a parser that loads no DTD, resolves no entity and reaches no network.
"""
import re
from datetime import date, datetime

from lxml import etree

from engine.catalogue import RETENTION_PERIODS
from engine.errors import Message

ROOT, ABOUT, CASE, FILES, FILE, DIGEST = "归档信息包", "封装信息", "案卷", "文件列表", "文件", "数字摘要"
APPLICANT, PARTIES, PARTY = "申请人", "其他当事人", "当事人"
SIGNATURE = "电子签名"
# Each level's elements in their order; those marked True every package has.
ABOUT_FIELDS = (("依据", True), ("形成系统", True), ("封装时间", True), ("封装人", False), ("最后记录号", True))
CASE_FIELDS = (("办件编号", True), ("题名", True), ("事项名称", True), ("事项编码", True), ("实施编码", False),
               ("事项类型", True), ("办件类型", True), ("责任者", True), ("申请渠道", True), ("收件时间", True),
               ("受理日期", False), ("办结时间", True), ("办理结果", True), ("办理结果说明", False),
               ("证照核验码", False), ("送达方式", False), ("送达时间", False), ("服务评价", False), ("年度", True),
               ("保管期限", True), ("件数", True))
APPLICANT_FIELDS = (("名称", True), ("证件类型", True), ("证件号码", True))
PARTY_FIELDS = (("角色", True), ("名称", True), ("证件号码", False))
FILE_FIELDS = (("件号", True), ("题名", True), ("文件类别", True), ("责任者", True), ("日期", True), ("文号", False),
               ("核验码", False), ("保管期限", True), ("格式", True), ("路径", True), ("原文件名", False),
               ("大小", True))
SHA256, SM3 = "SHA-256", "SM3"
_HEX = {SHA256: re.compile(r"[0-9a-f]{64}"), SM3: re.compile(r"[0-9a-f]{64}")}
# What each element's text must be, where it is more than text (DA/T 70: data type and range).
_WHOLE = re.compile(r"[0-9]{1,12}")
_FORMS = {"件号": _WHOLE, "大小": _WHOLE, "件数": _WHOLE, "最后记录号": _WHOLE, "年度": re.compile(r"[0-9]{4}")}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False)


def _add(parent, fields, values: dict) -> None:
    for tag, _required in fields:
        if values.get(tag) not in (None, ""):
            etree.SubElement(parent, tag).text = str(values[tag])


def written(about: dict, case: dict, applicant: dict, parties: list[dict], files: list[dict]) -> bytes:
    """The metadata file. Each file's dict has FILE_FIELDS' values and `digests` ({SHA-256: hex, SM3:
    hex}); a value that is None is left out."""
    root = etree.Element(ROOT, 版本="1")
    _add(etree.SubElement(root, ABOUT), ABOUT_FIELDS, about)
    record = etree.SubElement(root, CASE)
    _add(record, CASE_FIELDS, case)
    _add(etree.SubElement(record, APPLICANT), APPLICANT_FIELDS, applicant)
    if parties:
        listed = etree.SubElement(record, PARTIES)
        for party in parties:
            _add(etree.SubElement(listed, PARTY), PARTY_FIELDS, party)
    documents = etree.SubElement(root, FILES)
    for row in files:
        element = etree.SubElement(documents, FILE)
        _add(element, FILE_FIELDS, row)
        for algorithm, value in row["digests"].items():
            etree.SubElement(element, DIGEST, 算法=algorithm).text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def signature_written(signed_file: str, signature: str, public_key: bytes, at: datetime) -> bytes:
    """The office's signature over the metadata file, with the key it checks against (the same as
    /portal/verify/key.pem: an archive checks it against the office's published one)."""
    root = etree.Element(SIGNATURE)
    for tag, value in (("签名对象", signed_file), ("签名算法", "Ed25519"), ("签名值", signature),
                       ("签名时间", at.isoformat()), ("公钥", public_key.decode())):
        etree.SubElement(root, tag).text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def parsed(data: bytes, root: str):
    """The XML's root element; ValueError (its reason) if it is not well-formed UTF-8 XML with that
    root, or declares a document type (which could name entities or outside files)."""
    try:
        tree = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise ValueError(Message("it is not well-formed XML: %(error)s", error=str(exc)[:200])) from None
    info = tree.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise ValueError(Message("it declares a document type, which an archive's metadata may not"))
    if (info.encoding or "").upper() != "UTF-8":
        raise ValueError(Message("it is encoded in %(encoding)s, not UTF-8", encoding=info.encoding))
    if tree.tag != root:
        raise ValueError(Message("its root element is %(found)s, not %(root)s", found=tree.tag, root=root))
    return tree


def signature_of(data: bytes) -> tuple[str, str]:
    """The signed file's name and the signature, from signature.xml (ValueError if it cannot be read)."""
    tree = parsed(data, SIGNATURE)
    signed_file, signature = tree.findtext("签名对象"), tree.findtext("签名值")
    if not signed_file or not signature:
        raise ValueError(Message("it names no signed file or no signature"))
    return signed_file, signature


def files_of(tree) -> list[dict]:
    """Each listed document's elements, with `digests` by algorithm."""
    rows = []
    for element in tree.iterfind(f"{FILES}/{FILE}"):
        row = {child.tag: (child.text or "") for child in element if child.tag != DIGEST}
        row["digests"] = {d.get("算法"): (d.text or "") for d in element.iterfind(DIGEST)}
        rows.append(row)
    return rows


def problems(tree) -> list[str]:
    """What the metadata lacks or holds wrongly: each required element, in the package's description,
    the case file, its applicant and each document (by its 件号), with its form where it has one (a
    whole number, a date, a retention period, a SHA-256); documents numbered 1 to n without a gap, as
    many as the case file says."""
    found = []
    for path, fields in ((ABOUT, ABOUT_FIELDS), (CASE, CASE_FIELDS), (f"{CASE}/{APPLICANT}", APPLICANT_FIELDS)):
        element = tree.find(path)
        found += _lacking(element, fields, path)
    files = tree.findall(f"{FILES}/{FILE}")
    for n, element in enumerate(files, 1):
        where = f"{FILE} {element.findtext('件号') or n}"
        found += _lacking(element, FILE_FIELDS, where)
        digests = {d.get("算法"): d.text or "" for d in element.iterfind(DIGEST)}
        if not _HEX[SHA256].fullmatch(digests.get(SHA256, "")):
            found.append(f"{where}/{DIGEST}[{SHA256}]")
        if SM3 in digests and not _HEX[SM3].fullmatch(digests[SM3]):
            found.append(f"{where}/{DIGEST}[{SM3}]")
    numbers = [element.findtext("件号") for element in files]
    if numbers != [str(n) for n in range(1, len(files) + 1)]:
        found.append(f"{FILE}/件号 1-{len(files)}")
    if tree.findtext(f"{CASE}/件数") != str(len(files)):
        found.append(f"{CASE}/件数 = {len(files)}")
    return found


def _lacking(element, fields, where: str) -> list[str]:
    if element is None:
        return [where]
    wrong = []
    for tag, required in fields:
        text = element.findtext(tag)
        if text is None or not text.strip():
            if required:
                wrong.append(f"{where}/{tag}")
        elif not _well_formed(tag, text.strip()):
            wrong.append(f"{where}/{tag}")
    return wrong


def _well_formed(tag: str, text: str) -> bool:
    if tag in _FORMS:
        return _FORMS[tag].fullmatch(text) is not None
    if tag == "保管期限":
        return text in RETENTION_PERIODS
    if tag in ("日期", "受理日期"):
        return _reads(date.fromisoformat, text)
    if tag.endswith("时间"):
        return _reads(datetime.fromisoformat, text)
    return True


def _reads(parse, text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True
