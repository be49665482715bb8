"""The key pages in a real browser, on a phone (390 px) and an office screen (1280 px): every control
is at least 24x24 px (WCAG 2.5.8), the keyboard reaches each with a ring that shows on its
background (2.4.7, 1.4.11), and no page, the designer's included, keeps the keyboard in (2.1.2)."""
import json
import os
from datetime import timedelta

import pytest

from engine import catalogue, clock, intake, portal, timers
from engine.services import deploy, tasks
from tests.a11y import contrast
from tests.browser.helpers import login
from tests.browser.test_designer_browser import deploy_approval, open_modeler
from tests.browser.test_inbox_browser import FORM, ITEM, REVIEW
from tests.browser.test_supervision_browser import installed
from tests.server import free_port, start_server
from tests.test_accessibility import APPLY_FORM, ZHANG

# What is clicked or tapped: the form's controls, the menus' links, a folded section's heading. A
# checkbox or radio is clicked with its label, which is measured. The diagram is bpmn-js's own.
TARGETS = """() => [...document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button, summary, header a, nav a, a.button')]
  .filter((e) => e.getClientRects().length && !e.closest('.diagram, .skip-link'))
  .map((e) => (e.matches('[type=checkbox], [type=radio]') && e.closest('label')) || e)
  .map((e) => { const r = e.getBoundingClientRect();
                return [e.outerHTML.slice(0, 90), Math.round(r.width * 10) / 10, Math.round(r.height * 10) / 10]; })"""

# The focused element's ring, and the colour it is drawn on: the first opaque background under
# the point just left of the element, where the ring lies (its offset and width).
RING = """() => { const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
  const x = Math.max(0, r.left - parseFloat(s.outlineOffset || 0) - parseFloat(s.outlineWidth) / 2 - 0.5);
  const y = Math.min(window.innerHeight - 1, Math.max(0, r.top + r.height / 2));
  const under = document.elementsFromPoint(x, y).filter((u) => u !== e && !e.contains(u))
    .map((u) => getComputedStyle(u).backgroundColor).find((c) => c !== 'rgba(0, 0, 0, 0)') || 'rgb(255, 255, 255)';
  return { element: e === document.body ? 'body' : e.outerHTML.slice(0, 90), style: s.outlineStyle,
           within: [...document.querySelectorAll('[id]')].filter((a) => a.contains(e)).map((a) => a.id),
           width: parseFloat(s.outlineWidth), colour: s.outlineColor, shadow: s.boxShadow, under }; }"""


def small_targets(page):
    return [(html, w, h) for html, w, h in page.evaluate(TARGETS) if w < 24 or h < 24]


def tab_round(page, limit=150):
    """Tab from the top of the page until the keyboard is back where it began; what it visited."""
    # From the top, as after the page opens, whatever field it put the cursor in (autofocus).
    page.evaluate("() => { const b = document.body; b.tabIndex = -1; b.focus(); b.removeAttribute('tabindex'); }")
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        ring = page.evaluate(RING)
        if seen and ring["element"] == seen[0]["element"]:
            return seen
        if ring["element"] != "body":  # between the last control and the address bar
            seen.append(ring)
    raise AssertionError(f"after {limit} presses of Tab the keyboard has not come round: {seen[-5:]}")


def weak_rings(rings):
    return [r for r in rings
            if not ((r["style"] not in ("none", "auto") and r["width"] >= 2 and contrast(r["colour"], r["under"]) >= 3)
                    or r["shadow"] != "none")]


@pytest.fixture
def pages(org):
    """The sign-in pages, an applicant's application form and a reviewer's claimed task."""
    deploy.deploy([("r.bpmn", REVIEW.encode()), ("review.json", json.dumps(FORM).encode())], org["designer"])
    catalogue.save({**ITEM, "form": APPLY_FORM}, None)
    case = intake.submit("H-1", {"name": "李四", "id_number": "110101199001011237"},
                         [intake.Upload("id_card", "id.pdf", b"%PDF id")], org["clerk"], form={"purpose": "贷款"})
    case = intake.accept(case.id, org["clerk"])
    [task] = tasks.list_tasks(org["admin"], instance_id=case.instance_id)
    tasks.claim(task["id"], org["reviewer"])
    portal.register(**ZHANG)
    return {"staff": "/login", "applicant": "/portal/login", "apply": "/portal/items/H-1/apply",
            "task": f"/inbox/tasks/{task['id']}"}


@pytest.mark.parametrize("width", [390, 1280])
def test_controls_are_big_enough_and_show_where_the_keyboard_is(live_server, new_page, pages, width):
    found = {}

    def check(page, name, limit=150):
        rings = tab_round(page, limit)
        assert rings[0]["element"].startswith('<a class="skip-link"'), rings[0]  # the keyboard's first stop
        found[name] = {"small": small_targets(page), "weak rings": weak_rings(rings)}

    page = new_page(width, 844)
    for name in ("staff", "applicant"):
        page.goto(live_server + pages[name])
        check(page, name)
    page.fill("#identifier", ZHANG["phone"])
    page.fill("#password", ZHANG["password"])
    page.click("form button[type=submit]")
    page.wait_for_url("**/portal/cases")
    page.goto(live_server + pages["apply"])
    check(page, "apply")
    page.click("form[enctype] button[type=submit]")  # nothing filled in: the fields say what is wrong
    page.wait_for_selector("[aria-invalid=true]")
    check(page, "apply refused")

    page = new_page(width, 844)
    login(page, live_server, "reviewer")
    page.goto(live_server + pages["task"])
    page.wait_for_selector("#diagram[data-ready]")  # drawn: its parts are in the round too
    page.evaluate("() => document.querySelectorAll('#operations details').forEach((d) => d.open = true)")
    check(page, "task", 250)
    assert {name: said for name, said in found.items() if said["small"] or said["weak rings"]} == {}


def test_the_designer_does_not_keep_the_keyboard_in(org, live_server, page):
    """The keyboard goes into the canvas and the properties panel and out again, round the whole
    page, in the process and the decision editors alike."""
    deploy_approval(org)
    login(page, live_server, "designer")
    for path, parts in (("/designer/bpmn/approval", {"canvas", "properties", "forms"}),
                        ("/designer/dmn/new?key=a11y_rules", {"canvas"})):
        open_modeler(page, live_server + path)
        rings = tab_round(page, 400)  # it comes round: nothing holds the keyboard
        # ... having been in the editor's parts, and past them.
        assert parts <= {part for ring in rings for part in ring["within"]}, (path, rings)
        assert weak_rings(rings) == []


def test_the_supervision_board_can_be_paused_and_waits_for_the_keyboard(org, page, monkeypatch):
    """The board reloads itself: a supervisor can stop it (WCAG 2.2.2), and it does not reload
    under the keyboard, which a new board would throw back to the top of the page."""
    accepted_case = installed(org)
    accepted_case("赵六", "110101198501013330")
    timers.tick(now=clock.datetime.combine(clock.today() + timedelta(days=21), clock.time(9), clock.SHANGHAI))
    monkeypatch.setenv("BOARD_REFRESH_SECONDS", "5")  # the least the setting takes
    server = start_server(os.environ["DATABASE_URL"], port := free_port(), "--no-scheduler")
    try:
        base = f"http://127.0.0.1:{port}"
        login(page, base, "supervisor")
        page.goto(f"{base}/supervision/")
        page.wait_for_selector("body[data-charts-ready='true']")
        assert weak_rings(tab_round(page)) == []  # the month to report on too, typed in its parts
        # Each reload the board comes to, and whether it was held back.
        page.evaluate("() => { window.reloads = []; document.addEventListener('htmx:beforeRequest',"
                      " (e) => window.reloads.push(e.defaultPrevented)); }")

        def held_at_its_next_reload():
            page.evaluate("() => { window.reloads = []; }")
            page.wait_for_function("() => window.reloads.length > 0")
            return all(page.evaluate("() => window.reloads")) and page.locator("#open-total").inner_text() == "1"

        page.focus("#overdue a.case-number")  # the overdue case, to be opened with Enter
        accepted_case("钱七", "110101198502024445")
        assert held_at_its_next_reload()
        assert page.evaluate("() => document.activeElement.matches('#overdue a.case-number')")
        page.click("#board-pause")  # paused: the keyboard has left the board, which stays as it is
        assert page.get_attribute("#board-pause", "aria-pressed") == "true"
        assert held_at_its_next_reload()
        page.click("#board-pause")
        assert page.get_attribute("#board-pause", "aria-pressed") == "false"
        page.wait_for_function("() => document.getElementById('open-total').textContent.trim() === '2'")
    finally:
        server.terminate()
        server.wait(10)
