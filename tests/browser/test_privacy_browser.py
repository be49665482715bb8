"""In Chromium: the window's search by ID number never puts the number in an address (history,
Referer, the server's log) while Back and the status filter work; and with no signed-in page kept
by the cache, Back from the "file too large" page still finds the form as it was filled in."""
from engine import catalogue, intake
from engine.files import MAX_REQUEST_BYTES, MB
from engine.services import deploy
from tests.browser.helpers import login
from tests.browser.test_intake_browser import ITEM, REVIEW

WANG = {"name": "王五", "id_number": "110101197001012222", "phone": "13700000000"}
ZHAO = {"name": "赵六", "id_number": "110101198001011128", "phone": "13900000000"}


def listed(page) -> set[str]:
    return set(page.locator("#recent-cases a[href^='/intake/cases/']").all_inner_texts())


def test_a_search_by_id_number_is_in_no_address_and_back_returns_to_it(org, live_server, page):
    deploy.deploy([("review.bpmn", REVIEW.encode())], org["designer"])
    catalogue.save(ITEM, None)
    uploads = [intake.Upload(code, f"{code}.pdf", b"%PDF") for code in ("id_card", "plan")]
    wang = intake.submit("W-1", WANG, uploads, org["clerk"])
    zhao = intake.submit("W-1", ZHAO, uploads, org["clerk"])
    sent = []  # every address the browser asked for, and the Referer it sent
    page.on("request", lambda request: sent.append((request.url, request.headers.get("referer") or "")))
    login(page, live_server, "clerk")
    page.goto(f"{live_server}/intake/")
    assert listed(page) == {wang.number, zhao.number}
    page.fill("#find-cases input[name=q]", WANG["id_number"])
    page.click("#find-cases button[type=submit]")
    page.wait_for_url("**/intake/?found=*")
    assert listed(page) == {wang.number}
    page.click(f"#recent-cases a:text('{wang.number}')")
    page.wait_for_url("**/intake/cases/*")
    page.go_back()  # to the search's list, as it was
    page.wait_for_url("**/intake/?found=*")
    assert listed(page) == {wang.number} and page.input_value("#find-cases input[name=q]") == WANG["id_number"]
    page.select_option("#find-cases select[name=status]", "accepted")  # the filter on the same search
    page.click("#find-cases button[type=submit]")
    page.wait_for_url("**/intake/?found=*status=accepted")
    assert listed(page) == set()
    page.go_back()
    page.wait_for_url(lambda url: "status=" not in url)
    assert listed(page) == {wang.number}
    # The applicants' accounts page searches the same way, by phone.
    page.goto(f"{live_server}/intake/applicants")
    page.fill("#find-applicants input[name=q]", ZHAO["phone"])
    page.click("#find-applicants button[type=submit]")
    page.wait_for_url("**/intake/applicants?found=*")
    assert page.locator("#applicants tbody tr").all_inner_texts()[0].startswith(ZHAO["name"])
    addresses = [part for url, referer in sent for part in (url, referer)]
    assert not [a for a in addresses if WANG["id_number"] in a or ZHAO["phone"] in a], addresses


def test_back_from_the_file_too_large_page_finds_the_form_as_filled(org, live_server, page, tmp_path):
    deploy.deploy([("review.bpmn", REVIEW.encode())], org["designer"])
    catalogue.save(ITEM, None)
    small, big = tmp_path / "id.pdf", tmp_path / "scan.pdf"  # chosen from the disk, as a clerk does
    small.write_bytes(b"%PDF id")
    with open(big, "wb") as fh:  # sparse: past the request limit without writing it
        fh.truncate(MAX_REQUEST_BYTES + MB)
    forms = []
    page.on("response", lambda res: forms.append(res.headers.get("cache-control"))
            if res.request.method == "GET" and res.url.endswith("/intake/new/W-1") else None)
    login(page, live_server, "clerk")
    page.goto(f"{live_server}/intake/new/W-1")
    typed = {"#name": WANG["name"], "#id_number": WANG["id_number"], "#phone": WANG["phone"], "#f-project": "二号厂房"}
    for field, value in typed.items():
        page.fill(field, value)
    page.check("#received_id_card")
    page.set_input_files("#file_id_card", str(small))
    page.check("#received_plan")
    page.set_input_files("#file_plan", str(big))
    with page.expect_response(lambda res: res.request.method == "POST") as answer:
        page.click("#submit-case")
    assert answer.value.status == 413
    assert "已填写的内容仍在" in page.locator(".flash.error").inner_text()
    page.go_back()
    page.wait_for_selector("#intake-form")
    # Kept by no cache, the form was asked for again; Chromium fills it in as it was left.
    assert forms == ["no-store", "no-store"]
    assert {field: page.input_value(field) for field in typed} == typed
    assert page.is_checked("#received_id_card") and page.is_checked("#received_plan")
    chosen = page.evaluate("() => ['file_id_card', 'file_plan'].map(id => [...document.getElementById(id).files]"
                           ".map(f => f.name).join())")
    assert chosen == ["id.pdf", "scan.pdf"]  # the files too: the clerk replaces the one too large
