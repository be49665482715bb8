"""WCAG 2.1 AA in the pages' markup and stylesheets, for window clerks, reviewers, applicants on
phones and older citizens: a refused field says so to a screen reader and names its message; every
control has a name; each page has its language, a skip link, headings in order and tables with
header cells; flashes are announced; badge and status colours are readable (4.5:1)."""
import json

import lxml.html
import pytest

from engine import agencies, catalogue, intake, portal
from engine.services import deploy, tasks
from tests.a11y import audit, colours, contrast, declared
from tests.test_web_inbox import APPLICANT, FORM, _item, _review
from tests.web import signed_in

# An online application's own form, with a field that explains itself.
APPLY_FORM = {"type": "object", "required": ["purpose"],
              "properties": {"purpose": {"type": "string", "title": "查询用途", "description": "如：办理贷款"},
                             "copies": {"type": "integer", "title": "份数"}}}
ZHANG = dict(name="张三", id_type="id_card", id_number="11010119900101127X", phone="13900000002",
             password="secret-pw")


@pytest.fixture
def app(org):
    from web import create_app
    deploy.deploy([("housing.bpmn", _review("housing_review", "住建局 (housing)").encode()),
                   ("review.json", json.dumps(FORM).encode())], org["designer"])
    catalogue.save({**_item("H-1", "housing_review", "housing"), "form": APPLY_FORM}, None)
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


@pytest.fixture
def claimed(app, org):
    """A case at its housing review, claimed by reviewer: its task page shows the form."""
    case = intake.submit("H-1", APPLICANT, [intake.Upload("id_card", "id.pdf", b"%PDF id")], org["clerk"],
                         form={"purpose": "贷款"})
    case = intake.accept(case.id, org["clerk"])
    [task] = tasks.list_tasks(org["admin"], instance_id=case.instance_id)
    tasks.claim(task["id"], org["reviewer"])
    return case, task["id"]


def applicant_client(app):
    portal.register(**ZHANG)
    client = app.test_client()
    assert client.post("/portal/login", data={"identifier": ZHANG["phone"], "password": "secret-pw"}).status_code == 302
    return client


def described(html: str, field_id: str) -> tuple[str | None, list[str]]:
    """The field's aria-invalid, and the texts of the elements its aria-describedby names."""
    root = lxml.html.document_fromstring(html)
    [field] = root.xpath("//*[@id=$id]", id=field_id)
    texts = [" ".join(root.get_element_by_id(i).text_content().split())
             for i in (field.get("aria-describedby") or "").split()]
    return field.get("aria-invalid"), texts


def test_a_field_refused_by_the_server_is_marked_invalid_and_names_its_message(app, org, claimed):
    _, task_id = claimed
    reviewer = signed_in(app, "reviewer")
    bad = reviewer.post(f"/inbox/tasks/{task_id}/complete", data={"area": "-3", "floors": "x", "remarks": "好"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert described(html, "f-decision") == ("true", ["此项必填"])
    assert described(html, "f-area") == ("true", ["不能小于 0"])
    assert described(html, "f-floors") == ("true", ["请填写整数"])
    assert described(html, "f-remarks") == (None, [])  # filled in well: nothing to say
    assert described(reviewer.get(f"/inbox/tasks/{task_id}").get_data(as_text=True), "f-decision") == (None, [])

    # The applicant's own form: its help is read with the field, and then what is wrong.
    applicant = applicant_client(app)
    page = applicant.get("/portal/items/H-1/apply").get_data(as_text=True)
    assert described(page, "f-purpose") == (None, ["如：办理贷款"])
    refused = applicant.post("/portal/items/H-1/apply", data={"copies": "两"}).get_data(as_text=True)
    assert described(refused, "f-purpose") == ("true", ["如：办理贷款", "此项必填"])
    assert described(refused, "f-copies") == ("true", ["请填写整数"])


def test_a_refused_registration_marks_the_fields_it_names(app, org):
    res = app.test_client().post("/portal/register", data={
        "kind": "person", "name": "张三", "id_type": "id_card", "id_number": ZHANG["id_number"],
        "phone": "1380000", "password": "secret-pw", "confirm": "other-pw"})
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert described(html, "confirm") == ("true", ["两次输入的密码不一致"])
    assert described(html, "name") == (None, [])
    res = app.test_client().post("/portal/register", data={
        "kind": "person", "name": "张三", "id_type": "id_card", "id_number": ZHANG["id_number"],
        "phone": "1380000", "password": "secret-pw", "confirm": "secret-pw"})
    assert described(res.get_data(as_text=True), "phone") == ("true", ["手机号码为11位数字"])


def test_flashes_are_announced_errors_at_once_news_politely(app, org, claimed):
    refused = app.test_client().post("/login", data={"login": "reviewer", "password": "wrong"})
    [flash] = lxml.html.document_fromstring(refused.get_data(as_text=True)).find_class("flash")
    assert flash.get("role") == "alert" and "用户名或密码错误" in flash.text_content()
    _, task_id = claimed
    done = signed_in(app, "reviewer").post(f"/inbox/tasks/{task_id}/complete", data={"decision": "approve"},
                                           follow_redirects=True)
    [flash] = lxml.html.document_fromstring(done.get_data(as_text=True)).find_class("flash")
    assert flash.get("role") == "status" and "任务已办结" in flash.text_content()


def test_the_pages_pass_the_markup_review(app, org, claimed):
    case, task_id = claimed
    notice = intake.describe(case.id)["notices"][0]["id"]
    agencies.register(org["admin"], name="甲评价公司", credit_code="91110000MA01ABCD2Q", services={"energy": 5})
    clerk = signed_in(app, "clerk")
    searched = clerk.post("/intake/applicants", data={"q": "张三"}).location  # a search is sent by POST
    staff = {
        "clerk": ["/intake/", "/intake/new/H-1", f"/intake/cases/{case.id}", searched,
                  f"/intake/notices/{notice}", "/account/password"],
        "reviewer": ["/inbox/", f"/inbox/tasks/{task_id}", "/inbox/notifications", "/portal/rectifications"],
        "admin": ["/admin/", "/admin/instances", "/admin/items", "/admin/users", "/admin/users/clerk/tokens",
                  "/admin/calendar", "/admin/special-kinds", "/admin/incidents", "/admin/agencies", "/admin/zones"],
        "supervisor": ["/supervision/", "/supervision/agencies"],
        "designer": ["/designer/", "/designer/bpmn/housing_review", "/designer/dmn/new?key=d1"],
    }
    found = {}
    for login, paths in staff.items():
        client = clerk if login == "clerk" else signed_in(app, login)
        for path in paths:
            res = client.get(path)
            assert res.status_code == 200, path
            found[path] = audit(res.get_data(as_text=True))
    anyone = app.test_client()
    for path in ("/login", "/portal/", "/portal/login", "/portal/register", "/portal/items/H-1", "/portal/verify",
                 "/portal/agencies"):
        found[path] = audit(anyone.get(path).get_data(as_text=True))
    applicant = applicant_client(app)
    number = portal.apply(portal.authenticate(ZHANG["phone"], "secret-pw").id, "H-1", [],
                          form={"purpose": "贷款"}).number
    for path in ("/portal/items/H-1/apply", "/portal/cases", f"/portal/cases/{number}", "/portal/account/password"):
        found[path] = audit(applicant.get(path).get_data(as_text=True))
    # An applicant's skip link leads past the portal's own menu too.
    cases = lxml.html.document_fromstring(applicant.get("/portal/cases").get_data(as_text=True))
    assert cases.xpath("//a[@class='skip-link']/@href") == ["#portal-content"]
    assert cases.xpath("//nav[@class='portal-bar']/following::*[@id='portal-content']")
    # In English the page says so, for the screen reader's voice and the browser's translation.
    found["/login?lang=en"] = audit(anyone.get("/login?lang=en").get_data(as_text=True), lang="en")
    found["/portal/cases?lang=en"] = audit(applicant.get("/portal/cases?lang=en").get_data(as_text=True), lang="en")
    problems = {path: said for path, said in found.items() if said}
    assert not problems, "\n".join(f"{path}: {said}" for path, said in problems.items())


# Every badge and status label the pages show: its classes and the stylesheet beside app.css.
LABELS = [("level normal", "inbox.css"), ("level warning", "inbox.css"), ("level yellow", "inbox.css"),
          ("level red", "inbox.css"), ("level stopped", "inbox.css"),
          ("badge suspended", "inbox.css"), ("badge late", "inbox.css"), ("badge online", "inbox.css"),
          ("badge unread", "inbox.css"), ("badge unsatisfied", "inbox.css"),
          *((f"status status-{s}", "portal.css") for s in
            ("submitted", "accepted", "correction", "conditional", "review_correction", "refused", "terminated",
             "withdrawn", "delivered", "decided")),
          ("flash", "inbox.css"), ("flash error", "inbox.css"), ("flash success", "inbox.css"),
          ("flash warning", "inbox.css"), ("supplied-note", "portal.css"), ("days-left", "portal.css"),
          ("days-left overdue", "portal.css"), ("verdict ok", "portal.css"), ("verdict bad", "portal.css"),
          ("muted", "inbox.css"), ("field-error", "inbox.css"), ("req", "inbox.css"),
          ("day holiday", "admin.css"), ("day makeup", "admin.css"), ("day closure", "admin.css"),
          ("day weekend", "admin.css"), ("state running", "admin.css"), ("state suspended", "admin.css"),
          ("locked", "admin.css"), ("material-missing", "portal.css"), ("material-optional", "portal.css"),
          ("added", "designer.css"), ("removed", "designer.css"), ("changed", "designer.css")]


@pytest.mark.parametrize("classes, sheet", LABELS)
def test_badge_and_status_text_is_readable(classes, sheet):
    text, background = colours(classes, sheet)
    assert contrast(text, background) >= 4.5, (text, background)


def test_grey_text_is_readable_on_every_background_it_lies_on():
    """Muted notes sit on cards, on the page and in table headings."""
    grey, card = colours("muted")
    for background in (card, declared("body", "background"), declared("th", "background")):
        assert contrast(grey, background) >= 4.5, background


def test_form_field_borders_stand_out_from_the_card_and_the_page():
    """A text box is found by its border (WCAG 1.4.11: 3:1 against what is around it)."""
    border = declared("input", "border").split()[-1]
    for background in ("#fff", declared("body", "background")):
        assert contrast(border, background) >= 3, (border, background)
