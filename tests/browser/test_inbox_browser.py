"""Two reviewers race for one task in two browsers: one claims and completes it, the other is refused."""
import json

from engine import catalogue, intake
from engine.services import deploy
from tests.bpmn_builder import process
from tests.browser.helpers import login

FORM = {"type": "object", "required": ["decision"],
        "properties": {"decision": {"type": "string", "title": "审查结论", "enum": ["approve", "reject"],
                                    "enumNames": ["同意", "不同意"]}}}
REVIEW = process("housing_review", [("start", "s", "申请"), ("user", "review", "住建审查", {"form": "review.json"}),
                                    ("end", "e", "办结")], [("s", "review"), ("review", "e")],
                 lanes={"住建局 (housing)": ["review"]})
ITEM = {"code": "H-1", "name": "房屋安全鉴定", "kind": "licence", "department": "housing", "case_type": "promised",
        "statutory_days": 20, "promised_days": 10, "process": "housing_review",
        "materials": [{"code": "id_card", "name": "身份证明", "mandatory": True}]}


def test_one_reviewer_claims_and_completes_the_other_is_refused(org, live_server, new_page):
    deploy.deploy([("r.bpmn", REVIEW.encode()), ("review.json", json.dumps(FORM).encode())], org["designer"])
    catalogue.save(ITEM, None)
    case = intake.submit("H-1", {"name": "张三", "id_number": "110101199001011237"},
                         [intake.Upload("id_card", "id.pdf", b"%PDF id")], org["clerk"])
    intake.accept(case.id, org["clerk"])

    first, second = new_page(), new_page()
    for page, who in ((first, "reviewer"), (second, "reviewer2")):
        login(page, live_server, who)
        page.goto(f"{live_server}/inbox/")
        assert page.locator("#unclaimed tr[data-task-id]").count() == 1
        assert page.locator("#unclaimed .level").inner_text() == "正常"

    first.click("#unclaimed button.claim")
    first.wait_for_url("**/inbox/tasks/*")
    assert first.locator("#assignee").inner_text() == "reviewer"
    second.click("#unclaimed button.claim")  # its page still shows the task as free
    assert "reviewer" in second.locator(".flash.error").inner_text()
    assert second.locator("#mine tr[data-task-id]").count() == 0

    first.wait_for_selector("#diagram[data-ready='true']")
    assert first.locator("#diagram .djs-element.active").count() == 1
    assert first.locator("#diagram .djs-element.done").count() >= 1
    first.click("#complete")  # nothing chosen: the server's check names the field
    assert first.locator("[data-field='decision'] .field-error").inner_text() == "此项必填"
    first.select_option("#f-decision", "approve")
    first.fill("#remark", "同意")
    first.click("#complete")
    first.wait_for_url(f"{live_server}/inbox/")
    assert first.locator("#completed tr[data-task-id]").count() == 1
    assert intake.describe(case.id)["status"] == "decided"
