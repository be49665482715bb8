"""Cases whose materials are kept in a files store of the test's own: for the tests of backups,
restoring and the consistency check of the store against the database."""
import hashlib

from engine import catalogue, files, intake
from engine.services import cases, deploy, tasks
from tests.bpmn_builder import one_review, process
from tests.procedures import promised_item

APPLICANT = {"name": "张三", "id_number": "110101199001011237", "phone": "13800000000"}
ITEM = {**promised_item("F-1", "files_review", "housing"),
        "materials": [{"code": "id_card", "name": "身份证明", "mandatory": True},
                      {"code": "plan", "name": "平面图", "mandatory": True}]}
# A procedure run without a case (a designer's trial, an API instance): its step's result document
# is named by its event alone.
DOCUMENT_STEP = process("document_step", [
    ("start", "s", "s"),
    ("user", "write", "出具文书", {"props": {"requiresDocument": "true"}}),
    ("end", "e", "e")], [("s", "write"), ("write", "e")], lanes={"housing": ["write"]})


def own_store(monkeypatch, folder):
    """The test's files store (files.root() reads SHENPI_FILES_DIR at each call)."""
    monkeypatch.setenv("SHENPI_FILES_DIR", str(folder))
    return files.root()


def install(org) -> None:
    deploy.deploy([("f.bpmn", one_review("files_review", "住建审查", "housing").encode())], org["designer"])
    catalogue.save(ITEM, None)


def file_case(org, marker: str) -> tuple[str, list[str]]:
    """A case taken in at the window with two materials (their content marked); its number and
    the files' checksums."""
    contents = [f"%PDF {kind} {marker}".encode() for kind in ("id_card", "plan")]
    case = intake.submit("F-1", APPLICANT, [intake.Upload("id_card", "id.pdf", contents[0]),
                                            intake.Upload("plan", "plan.pdf", contents[1])], org["clerk"])
    return case.number, [hashlib.sha256(content).hexdigest() for content in contents]


def document_without_case(org) -> tuple[int, str]:
    """A procedure without a case whose step left a result document: its instance and the file's checksum."""
    deploy.deploy([("d.bpmn", DOCUMENT_STEP.encode())], org["designer"])
    instance = cases.start_instance("document_step", org["clerk"])
    [task] = instance["tasks"]
    tasks.claim(task["id"], org["reviewer"])
    content = b"%PDF a document of a trial run"
    tasks.complete(task["id"], org["reviewer"], {}, [intake.Upload("result", "result.pdf", content)])
    return instance["id"], hashlib.sha256(content).hexdigest()
