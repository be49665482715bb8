"""On the task page in a browser: a reviewer stops the clock for an expert review (asked first),
ends it, and transfers the task to a colleague typed by name."""
from sqlalchemy import update

from engine import catalogue, intake
from engine.services import deploy, tasks
from engine.services.users import ensure_department
from engine.store import session_scope
from engine.store.models import User
from tests.bpmn_builder import process
from tests.browser.helpers import login

REVIEW = process("housing_review", [("start", "s", "申请"), ("user", "review", "住建审查"), ("end", "e", "办结")],
                 [("s", "review"), ("review", "e")], lanes={"住建局 (housing)": ["review"]})
ITEM = {"code": "H-1", "name": "房屋安全鉴定", "kind": "licence", "department": "housing", "case_type": "promised",
        "statutory_days": 20, "promised_days": 10, "process": "housing_review",
        "materials": [{"code": "id_card", "name": "身份证明", "mandatory": True}]}


def test_special_procedure_and_transfer_by_name(org, live_server, page):
    deploy.deploy([("r.bpmn", REVIEW.encode())], org["designer"])
    catalogue.save(ITEM, None)
    with session_scope() as session:
        ensure_department(session, "housing", "住建局")
        session.execute(update(User).where(User.login == "reviewer2").values(name="赵磊"))
    case = intake.submit("H-1", {"name": "张三", "id_number": "110101199001011237"},
                         [intake.Upload("id_card", "id.pdf", b"%PDF id")], org["clerk"])
    case = intake.accept(case.id, org["clerk"])
    [task] = tasks.list_tasks(org["admin"], instance_id=case.instance_id)

    login(page, live_server, "reviewer")
    page.goto(f"{live_server}/inbox/tasks/{task['id']}")
    page.click("#limits summary:has-text('开始特殊环节')")
    page.select_option("#limits select[name=kind]", label="专家评审")
    page.fill("#limits input[name=expected_days]", "5")
    page.fill("#limits form.pause textarea[name=reason]", "结构安全专家评审")
    questions = []
    page.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    page.click("#limits form.pause button[type=submit]")  # asked first; said no: nothing is sent
    assert "暂停" in questions[0] and page.locator("#limits .procedure").count() == 0
    page.once("dialog", lambda d: d.accept())
    page.click("#limits form.pause button[type=submit]")
    page.wait_for_selector("#limits .procedure")
    assert "特殊环节已开始" in page.locator(".flash.success").inner_text()
    assert "专家评审：结构安全专家评审" in page.locator("#limits .procedure").inner_text()
    assert page.locator("#limits [data-state=paused]").count() == 1
    page.fill("#limits form.resume textarea[name=result]", "评审通过")
    page.once("dialog", lambda d: d.accept())
    page.click("#limits form.resume button[type=submit]")
    page.wait_for_selector("#limits [data-state=running]")
    assert page.locator("#limits form.resume").count() == 0

    page.click("button.claim")
    page.wait_for_selector("button.unclaim")
    page.click("#operations summary:has-text('转办')")
    page.fill("input[name=to_user]", "赵磊")
    page.fill("#operations textarea[name=reason] >> nth=0", "请赵磊办理")
    page.click("#operations button:has-text('转办')")
    page.wait_for_url(f"{live_server}/inbox/")
    assert tasks.list_tasks(org["admin"], instance_id=case.instance_id)[0]["assignee"] == "reviewer2"
