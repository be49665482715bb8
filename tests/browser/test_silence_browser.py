"""A reviewer consulted where silence consents sees, in the inbox and on the step, until when they
may answer; on a phone too; and, once the day has passed, that the department was deemed to agree.
The designer sets it in the properties panel."""
from engine import clock, timers
from tests.browser.helpers import fits, login
from tests.browser.test_designer_browser import XML_HAS, open_group, open_modeler
from tests.test_silence import deadline_of, start_consulted


def test_the_reviewer_sees_the_consent_deadline_on_the_task_page(org, live_server, new_page):
    _instance_id, task_id = start_consulted(org)
    due = deadline_of(task_id)
    day = due.astimezone(clock.SHANGHAI).date().isoformat()
    said = f"至 {day} 日终仍未办结的，视为本部门同意"

    page = new_page(width=390, height=844)  # a phone
    login(page, live_server, "reviewer")
    page.goto(f"{live_server}/inbox/")
    assert page.locator(f"#unclaimed tr[data-task-id='{task_id}'] .silence-consents").inner_text() == said
    page.click(f"#unclaimed tr[data-task-id='{task_id}'] button.claim")
    page.wait_for_url(f"**/inbox/tasks/{task_id}")
    assert page.locator("#silence-consents").inner_text() == said
    assert page.locator("#silence-consents .silence-consents").evaluate("e => e.dataset.deadline") == day
    fits(page, f"/inbox/tasks/{task_id}")

    timers.tick(now=due)  # the worker's tick: the day ended with no answer
    page.reload()
    assert page.locator("#silence-consents").inner_text() == f"{day} 期限届满未反馈书面审查意见，视为同意"
    assert page.locator("#task-state").inner_text() == "已完成"
    assert page.locator("#history tr[data-event='consent_deemed']").count() == 1
    fits(page, f"/inbox/tasks/{task_id}")


def test_the_designer_sets_silence_as_consent_in_the_panel_and_is_refused_a_word_for_a_value(org, live_server, page):
    """The panel's entry writes the property; `true`, a switch's word, is refused at validation on
    the step (an expression reads it as a name); True validates."""
    start_consulted(org, silenceConsentsExpression=None)
    login(page, live_server, "designer")
    open_modeler(page, f"{live_server}/designer/bpmn/consult")
    page.click(".djs-element[data-element-id=review]")
    open_group(page, "审批设置")
    entry = page.locator("[data-entry-id=shenpi-silenceConsentsExpression]")
    assert "逾期未反馈视为同意（表达式）" in entry.inner_text()
    entry.locator("input").fill("true")
    page.wait_for_function(XML_HAS, arg='name="silenceConsentsExpression" value="true"')
    page.click("#validate")
    page.wait_for_selector("#problems li.problem")
    problem = page.locator("#problems li.problem").first
    assert problem.get_attribute("data-element-id") == "review" and "应写作 True（表达式）" in problem.inner_text()
    entry.locator("input").fill("True")
    page.wait_for_function(XML_HAS, arg='name="silenceConsentsExpression" value="True"')
    page.click("#validate")
    page.wait_for_selector("#status.ok")
