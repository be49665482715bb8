"""Staff pages on a phone, with a real case behind them: nothing wider than the screen, and no
column or fact squeezed to a character's width (a name read one character per line)."""
from engine import clock
from tests.browser.helpers import fits, login
from tests.procedures import install, open_tasks, take_in, work

REAL_ESTATE = "1103-NRES-003"
FLAT = {"seller": {"name": "赵六", "id_number": "110101197005051237"},
        "property": {"location": "城关镇幸福路8号3栋2单元501室", "title_no": "某(2020)某县不动产权第0000100号",
                     "contract_no": "WQ2026-000123", "type": "housing", "area_m2": 90, "holding_years": 6,
                     "seller_only_home": True, "buyer_home_count": 0, "price": 2_000_000}}


def within_screen(page, selector):
    """Every such element whole on the screen: not cut off inside a table scrolled sideways."""
    edges = page.evaluate(f"() => [...document.querySelectorAll('{selector}')]"
                          ".map(e => {{ const r = e.getBoundingClientRect(); return [r.left, r.right]; }})")
    width = page.evaluate("() => window.innerWidth")
    assert edges and all(0 <= left and right <= width and right - left >= 150 for left, right in edges), (edges, width)


def test_the_window_and_a_department_work_on_a_phone(org, live_server, new_page):
    people = install(org)
    case = take_in(REAL_ESTATE, FLAT, people["clerk"],
                   applicant={"name": "王五", "id_number": "110101198001011128", "phone": "13700000001"})
    task = open_tasks(case.instance_id)["transaction_check@housing"]
    page = new_page(390, 844)
    login(page, live_server, "clerk")
    for path in ("/intake/", f"/intake/new/{REAL_ESTATE}", f"/intake/cases/{case.id}",
                 f"/intake/applicants/{case.applicant_id}"):
        page.goto(live_server + path)
        fits(page, path)
        if path.startswith("/intake/new/"):
            within_screen(page, "#checklist input[type=file]")
    reviewer = new_page(390, 844)
    login(reviewer, live_server, "reviewer")
    for path in ("/inbox/", f"/inbox/tasks/{task.id}"):
        reviewer.goto(live_server + path)
        fits(reviewer, path)
    # A later step's page lists the finished steps' results beside the case's materials.
    work(task, people["reviewer"], {"transaction_result": "ok", "transaction_comment": "网签备案信息一致"})
    work(open_tasks(case.instance_id)["registration_check@realestate"], people["r_realestate"],
         {"sealed": False, "objection": False, "mortgage": "none"})
    tax = new_page(390, 844)
    login(tax, live_server, "taxman")
    path = f"/inbox/tasks/{open_tasks(case.instance_id)['tax_assessment@tax'].id}"
    tax.goto(live_server + path)
    assert tax.locator("#steps-done").count() == 1
    fits(tax, path)
    # The results recorded read as a card per step, not a column squeezed to a few characters.
    within_screen(tax, "#steps-done dl")
    supervisor = new_page(390, 844)
    login(supervisor, live_server, "supervisor")
    supervisor.goto(live_server + "/supervision/")
    fits(supervisor, "/supervision/")
    # The period of the finished figures is chosen on the phone too, and the board says it.
    supervisor.click("nav.periods >> text=全部")
    supervisor.wait_for_url("**/supervision/?period=all")
    assert supervisor.locator("nav.periods a[aria-current=page]").inner_text() == "全部"
    fits(supervisor, "/supervision/?period=all")
    # The monthly report reads as one card per department, each figure named.
    report = "/supervision/report/view?month=" + clock.today().strftime("%Y-%m")
    supervisor.goto(live_server + report)
    assert supervisor.locator("#report tbody tr[data-department]").count() >= 1
    fits(supervisor, report)
