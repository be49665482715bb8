"""Findings of a security review of the whole product, each as the test that failed before its mend:
an agent reading the departments' working papers, uploads whose content is not what their name
says, and a sign-in that kept the anonymous session's CSRF token."""
import pytest

from engine import catalogue, files, intake
from engine.errors import Forbidden, Invalid
from engine.services import deploy, progress, tasks, users
from tests.bpmn_builder import process
from tests.test_web_intake import ITEM, case_id_of, submit
from tests.web import csrf_token, signed_in

# The department reviews (attaching its working paper), then its head decides: between the two
# the case has a result document and no decision.
TWO_STEPS = process("reviewed_then_decided", [("start", "s", "申请"), ("user", "review", "住建审查"),
                                              ("user", "decide", "负责人决定"), ("end", "e", "办结")],
                    [("s", "review"), ("review", "decide"), ("decide", "e")],
                    lanes={"housing": ["review", "decide"]})


@pytest.fixture
def app(org):
    from web import create_app
    deploy.deploy([("two.bpmn", TWO_STEPS.encode())], org["designer"])
    catalogue.save({**ITEM, "process": "reviewed_then_decided"}, None)
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def test_an_agent_reads_no_departments_working_paper_before_the_decision(app, org):
    """The applicant sees the result documents once the case is decided (portal.result_file); the
    agent who filed the case reads it as its applicant would, not the department's paper before."""
    agent = users.add_user("agent", "何芳", "village", ["agent"], "pass-agent")
    case_id = case_id_of(submit(signed_in(app, "agent"), "id_card", "form", "land", "marriage"))
    intake.accept(case_id, org["clerk"])
    [review] = [t for t in tasks.list_tasks(org["reviewer"]) if t["name"] == "review"]
    tasks.claim(review["id"], org["reviewer"])
    tasks.complete(review["id"], org["reviewer"], {}, [intake.Upload("result", "审查意见.pdf", b"%PDF opinion")])
    [paper] = intake.describe(case_id)["results"]
    assert progress.visible_case(case_id, org["clerk"])["results"]  # the window reads it
    assert progress.visible_case(case_id, agent)["results"] == []
    page = signed_in(app, "agent")
    assert "审查意见.pdf" not in page.get(f"/intake/cases/{case_id}").text
    assert page.get(f"/inbox/materials/{paper['id']}").status_code == 403
    with pytest.raises(Forbidden):
        progress.material_file(paper["id"], agent)
    # Decided: the result is the applicant's, and so the agent's, to read.
    [decide] = [t for t in tasks.list_tasks(org["reviewer"]) if t["name"] == "decide"]
    tasks.claim(decide["id"], org["reviewer"])
    tasks.complete(decide["id"], org["reviewer"], {"decision": "approve"},
                   [intake.Upload("result", "许可证.pdf", b"%PDF permit")])
    assert intake.describe(case_id)["decision"] == "approve"
    assert [r["filename"] for r in progress.visible_case(case_id, agent)["results"]] == ["审查意见.pdf", "许可证.pdf"]
    assert page.get(f"/inbox/materials/{paper['id']}").status_code == 200


# A few bytes of each kind's signature, as a scanner or an office program writes it.
GENUINE = {"scan.pdf": b"%PDF-1.7\n...", "licence.ofd": b"PK\x03\x04 ofd", "photo.jpg": b"\xff\xd8\xff\xe0 jfif",
           "photo.JPEG": b"\xff\xd8\xff\xdb", "plan.png": b"\x89PNG\r\n\x1a\n....", "fax.tif": b"II*\x00....",
           "fax.tiff": b"MM\x00*....", "old.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....",
           "old.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....", "new.docx": b"PK\x03\x04....",
           "new.xlsx": b"PK\x03\x04....", "drawing.dwg": b"AC1032....", "drawing.dxf": b"  0\nSECTION\n  2\nHEADER",
           "binary.dxf": b"AutoCAD Binary DXF\r\n\x1a\x00....", "bom.pdf": b"\r\n%PDF-1.4 after a line break"}


@pytest.mark.parametrize("name", GENUINE)
def test_a_document_of_an_accepted_kind_is_taken(name):
    assert files.store(GENUINE[name], name)[1] == len(GENUINE[name])


@pytest.mark.parametrize("name, content", [
    ("scan.pdf", b"<html><script>alert(document.cookie)</script></html>"),  # a web page renamed
    ("report.docx", b"MZ\x90\x00\x03 a Windows program"),
    ("photo.jpg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    ("plan.png", b"#!/bin/sh\nrm -rf ~\n"),
    ("old.doc", b"PK\x03\x04 a zip is no Word 97 file"),
    ("drawing.dwg", b"%PDF-1.4 a pdf is no drawing"),
    ("drawing.dxf", b"MZ\x90\x00 no drawing exchange file"),
])
def test_a_file_whose_content_is_not_its_kind_is_refused(name, content):
    with pytest.raises(Invalid, match="not a"):
        files.store(content, name)


def test_the_window_refuses_a_web_page_named_as_a_pdf(app, org):
    import io
    from tests.test_web_intake import APPLICANT
    page = signed_in(app, "clerk")
    refused = page.post("/intake/new/W-1", data={**APPLICANT, "file_id_card": (io.BytesIO(b"<html>"), "id.pdf")},
                        content_type="multipart/form-data")
    assert refused.status_code == 422 and "id.pdf" in refused.text and progress.recent_cases(org["clerk"]) == []


@pytest.fixture
def csrf_app(org):
    from web import create_app
    return create_app({"TESTING": True})


def _token(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("csrf_token")


def test_signing_in_gives_the_session_a_new_csrf_token(csrf_app, org):
    """The token an anonymous page put in the session (one a planted cookie would let a stranger
    know) does not go on to protect the signed-in person's forms."""
    client = csrf_app.test_client()
    token = csrf_token(client.get("/login").text)
    before = _token(client)
    res = client.post("/login", data={"login": "clerk", "password": "pass-clerk", "csrf_token": token})
    assert res.status_code == 302 and _token(client) != before
    assert client.get("/intake/").status_code == 200  # still signed in
    assert client.post("/logout", data={"csrf_token": token}).status_code == 400  # the old token is spent


def test_signing_in_to_the_portal_gives_the_session_a_new_csrf_token(csrf_app, org):
    from engine import portal
    portal.register(name="李四", kind="person", id_type="id_card", id_number="110101198001011128",
                    phone="13900000000", password="secret-pw1")
    client = csrf_app.test_client()
    client.get("/portal/?lang=en")
    token = csrf_token(client.get("/portal/login").text)
    before = _token(client)
    res = client.post("/portal/login", data={"identifier": "13900000000", "password": "secret-pw1",
                                             "csrf_token": token})
    assert res.status_code == 302 and _token(client) != before
    assert client.get("/portal/cases").status_code == 200
    with client.session_transaction() as session:
        assert session.get("lang") == "en"  # the reader's language stays


# Pages anyone may open: signing in, registering, the service guides, the seal check, the 中介超市 and
# the load balancer's health check (which says nothing but which check failed); rating by the one-time
# code on a closing notice (its applicant may have no account).
PUBLIC = {"auth.login", "auth.home", "portal.login", "portal.register", "portal.logout", "portal.index",
          "portal.guide", "portal.verify", "portal.seal_key", "portal.agencies_market", "vendor", "static",
          "favicon", "api.openapi", "health.healthz", "rating.enter", "rating.screen", "rating.thanks",
          "portal.material_form"}


def _urls(app):
    """Every route once per method, its parameters filled with something that may exist."""
    import re
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>",
                     lambda m: m.group(2).split(",")[0].strip(" '\"") if m.group(1) == "any" else
                     {"kind": "bpmn", "year": "2026", "month": "1"}.get(m.group(3), "1"), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def test_an_anonymous_visitor_is_sent_to_sign_in_from_every_other_page(csrf_app, org):
    """A route added without its check would show here: every page but the public ones asks a
    visitor to sign in (the staff's or the portal's), every API call but the document for a token."""
    from urllib.parse import urlsplit
    visitor = csrf_app.test_client()
    for endpoint, method, url in _urls(csrf_app):
        if endpoint in PUBLIC:
            continue
        res = visitor.open(url, method=method)
        if url.startswith("/api/"):
            assert res.status_code == 401, (method, url, res.status_code)
        else:  # a form sent with no session is refused before it is read (its CSRF token), then the same
            assert res.status_code in (302, 303) and urlsplit(res.location).path in ("/login", "/portal/login"), \
                (method, url, res.status_code, res.location)


@pytest.mark.parametrize("login", ["agent", "reviewer", "taxman", "lead", "supervisor", "clerk"])
def test_no_one_but_an_administrator_or_a_designer_opens_their_pages(app, org, login):
    if login == "agent":
        users.add_user("agent", "何芳", "village", ["agent"], "pass-agent")
    page = signed_in(app, login)
    for endpoint, method, url in _urls(app):
        if endpoint.startswith(("admin.", "designer.")):
            assert page.open(url, method=method).status_code == 403, (login, method, url)


def test_a_visitor_checking_a_seal_sends_one_document_not_a_hundred_megabytes(csrf_app, org):
    import io
    visitor = csrf_app.test_client()
    token = csrf_token(visitor.get("/portal/verify").text)
    big = visitor.post("/portal/verify", data={"csrf_token": token,
                                               "document": (io.BytesIO(b"%PDF" + bytes(files.MAX_BYTES + files.MB)), "x.pdf")})
    assert big.status_code == 413
    small = visitor.post("/portal/verify", data={"csrf_token": token, "document": (io.BytesIO(b"%PDF x"), "x.pdf")})
    assert small.status_code == 200  # checked: no sealed document is this one
