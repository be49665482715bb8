"""A designer edits a deployed process in the bpmn-js modeler, validates, deploys, and finds version 2."""
import json

from engine.services import deploy, design
from tests.bpmn_builder import INTAKE_FORM, approval
from tests.browser.helpers import login

RENAME = """([id, name]) => {
  const modeler = window.designer.modeler;
  modeler.get('modeling').updateLabel(modeler.get('elementRegistry').get(id), name);
}"""


def test_designer_edits_validates_and_deploys_a_new_version(live_server, page, org):
    deploy.deploy([("approval.bpmn", approval().encode()),
                   ("intake.json", json.dumps(INTAKE_FORM).encode())], org["designer"])
    login(page, live_server, "designer")
    page.goto(f"{live_server}/designer/")
    page.click("#bpmn-definitions a:text('简单审批')")
    page.wait_for_selector("body[data-modeler=ready]")
    assert page.locator(".djs-element[data-element-id=review]").count() == 1

    # A broken condition is refused with the flow's id, listed and marked on the diagram.
    page.click("#toggle-xml")
    xml = page.input_value("#xml-text")
    page.fill("#xml-text", xml.replace("opinion == 'approve'", "__import__('os')"))
    page.click("#apply-xml")
    page.click("#validate")
    page.wait_for_selector("#problems li.problem")
    assert page.locator("#problems li.problem").first.get_attribute("data-element-id") == "Flow_decide_sign"
    assert page.locator(".djs-overlay-problem .problem-badge").count() == 1
    page.fill("#xml-text", xml)
    page.click("#apply-xml")
    page.wait_for_selector("body[data-modeler=ready]")

    page.evaluate(RENAME, ["review", "住建局审查"])
    page.click("#validate")
    page.wait_for_selector("#status.ok")
    assert page.locator("#problems li.problem").count() == 0

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#deploy")
    page.wait_for_selector("#status.ok:has-text('approval v2')")

    page.goto(f"{live_server}/designer/")
    row = page.locator("#bpmn-definitions tr[data-key=approval]")
    assert row.locator(".latest-version").inner_text() == "v2"
    assert [d.name for d in deploy.versions("approval")] == ["简单审批", "简单审批"]
    assert "住建局审查" in design.source_of("bpmn", "approval", 2, org["designer"]).source


def test_designer_starts_a_decision_table_in_the_dmn_modeler_and_deploys_it(live_server, page):
    login(page, live_server, "designer")
    page.goto(f"{live_server}/designer/")
    page.fill(".new-dmn input[name=key]", "fee_rate")
    page.click(".new-dmn button[type=submit]")
    page.wait_for_selector("body[data-modeler=ready]")
    page.click("#validate")
    page.wait_for_selector("#status.ok")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#deploy")
    page.wait_for_selector("#status.ok:has-text('fee_rate v1')")
    assert [d.version for d in deploy.versions("fee_rate", "dmn")] == [1]
