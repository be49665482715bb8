"""The engine's refusals in the reader's language: English in the API, Chinese on the pages (and
English with ?lang=en), from a catalogue that holds every message the engine can raise."""
import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from sqlalchemy import update

import engine
from engine import catalogue, intake
from engine.errors import Conflict, Message, ShenpiError
from engine.services import deploy, tasks
from engine.services.tokens import issue_token
from engine.store import session_scope
from engine.store.models import User
from tests.bpmn_builder import one_review
from tests.web import signed_in

ROOT = Path(__file__).resolve().parents[1]
LC = ROOT / "engine" / "translations" / "zh" / "LC_MESSAGES"
PO, MO = LC / "engine.po", LC / "engine.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
APPLICANT = {"name": "张三", "id_number": "110101199001011237", "phone": "13800000000"}


def _catalogue() -> dict:
    with PO.open("rb") as fh:
        return {m.id: m for m in read_po(fh, locale="zh") if m.id}


def _raised_kinds() -> list[str]:
    """The names a message is written under: every error class, Message and state_name."""
    for module in pkgutil.walk_packages(engine.__path__, "engine."):  # error classes live in many modules
        importlib.import_module(module.name)
    kinds, pending = [], [ShenpiError]
    while pending:
        cls = pending.pop()
        kinds.append(cls.__name__)
        pending.extend(cls.__subclasses__())
    return kinds + ["Message", "state_name"]


def test_every_engine_message_has_a_chinese_translation(tmp_path):
    pot = tmp_path / "engine.pot"
    keywords = [arg for kind in _raised_kinds() for arg in ("-k", kind)]
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "--quiet", "extract", "-F", "babel.cfg",
                    "--no-default-keywords", *keywords, "-o", str(pot), "engine"], cwd=ROOT, check=True)
    with pot.open("rb") as fh:
        raised = {m.id for m in read_po(fh) if m.id}
    translated = _catalogue()
    assert len(raised) > 150  # the extraction found the raise sites, not nothing
    assert raised - translated.keys() == set(), "run the engine commands in babel.cfg and translate"
    missing = [m.id for m in translated.values() if not m.string or m.fuzzy]
    assert not missing, f"untranslated or fuzzy in {PO.name}: {missing}"


def test_translations_fill_only_the_values_the_message_has():
    for message in _catalogue().values():
        assert set(PLACEHOLDER.findall(message.string)) == set(PLACEHOLDER.findall(message.id)), message.id
        assert "%" not in PLACEHOLDER.sub("", message.string).replace("%%", ""), message.id


def test_every_state_a_page_lists_has_its_name_in_the_catalogue():
    """A state missing from errors.STATE_NAMES would show in English inside a Chinese message."""
    from engine.errors import STATE_NAMES
    from engine.services.tasks import STATES as TASK_STATES
    from web.admin import STATES as INSTANCE_STATES
    from web.labels import STATUS as CASE_STATUSES
    listed = {str(name) for name in STATE_NAMES}
    assert {*TASK_STATES, *INSTANCE_STATES, *CASE_STATUSES} - listed == set()
    assert {str(name) for name in STATE_NAMES} <= _catalogue().keys()


def test_compiled_catalogue_matches_its_source():
    with MO.open("rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    assert compiled == {m.id: m.string for m in _catalogue().values()}, \
        "engine.mo is stale; run: .venv/bin/pybabel compile -D engine -d engine/translations"


def test_a_message_is_english_text_that_keeps_its_template():
    exc = Conflict("Task %(task)s is held by %(holder)s", task=7, holder="wang")
    assert exc.message == str(exc) == "Task 7 is held by wang"
    assert exc.message.template == "Task %(task)s is held by %(holder)s"
    assert exc.message.values == {"task": 7, "holder": "wang"}
    assert Message("100%") == "100%"  # no values: the text is taken as it is


REVIEW = one_review("msg_review", "部门审查", "housing")


@pytest.fixture
def app(org):
    from web import create_app
    deploy.deploy([("review.bpmn", REVIEW.encode())], org["designer"])
    catalogue.save({"code": "M-1", "name": "测试事项", "kind": "licence", "department": "housing",
                    "case_type": "promised", "statutory_days": 20, "promised_days": 10, "process": "msg_review",
                    "materials": [{"code": "id_card", "name": "身份证明", "mandatory": True}]}, None)
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def _held_task(org) -> dict:
    case = intake.submit("M-1", APPLICANT, [intake.Upload("id_card", "id.pdf", b"%PDF id")], org["clerk"])
    case = intake.accept(case.id, org["clerk"])
    [task] = tasks.list_tasks(org["admin"], instance_id=case.instance_id)
    tasks.claim(task["id"], org["reviewer"])
    return task


def test_a_refused_claim_reads_chinese_on_the_page_and_english_with_lang_en(app, org):
    task = _held_task(org)
    with session_scope() as session:  # the page names the holder as people know them
        session.execute(update(User).where(User.login == "reviewer").values(name="李强"))
    other = signed_in(app, "reviewer2")
    refused = other.post(f"/inbox/tasks/{task['id']}/claim", follow_redirects=True)
    page = refused.get_data(as_text=True)
    named = f"{task['title']} ({task['id']})"  # by the title the page shows, and its number
    assert f"操作冲突：任务 {named} 已由 李强 (reviewer) 认领" in page
    assert "held by" not in page
    other.get("/inbox/?lang=en")
    page = other.post(f"/inbox/tasks/{task['id']}/claim", follow_redirects=True).get_data(as_text=True)
    assert f"Task {named} is held by 李强 (reviewer)" in page


def test_a_state_inside_a_message_is_translated_with_it(app, org):
    from web.messages import translated
    task = _held_task(org)
    tasks.complete(task["id"], org["reviewer"], {})
    with pytest.raises(Conflict) as refused:
        tasks.unclaim(task["id"], org["reviewer"])
    named = f"{task['title']} ({task['id']})"
    assert refused.value.message == f"Task {named} is completed"
    with app.test_request_context("/"):
        assert translated(refused.value.message) == f"任务 {named} 当前为“已办结”状态"
    with app.test_request_context("/?lang=en"):
        assert translated(refused.value.message) == f"Task {named} is completed"


def test_the_api_answers_in_english(app, org):
    task = _held_task(org)
    res = app.test_client().post(f"/api/tasks/{task['id']}/claim",
                                 headers={"Authorization": f"Bearer {issue_token('reviewer2')}"})
    assert res.status_code == 409
    assert res.get_json()["error"]["message"] == f"Task {task['title']} ({task['id']}) is held by reviewer (reviewer)"


def test_a_refusal_for_want_of_a_role_names_the_roles_in_the_readers_words(org):
    from engine.errors import Forbidden
    from engine.services.users import require
    from tests.web import in_chinese
    with pytest.raises(Forbidden) as refused:
        require(org["reviewer"], "clerk", "lead")
    assert str(refused.value.message) == "This needs one of the roles: window clerk, department head"  # the API's
    said = in_chinese(refused.value.message)
    assert "窗口受理人员" in said and "部门负责人" in said and "clerk" not in said and "lead" not in said
