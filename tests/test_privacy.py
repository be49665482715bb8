"""Personal data kept out of where it does not belong: no cache keeps what a signed-in person or the
API is answered (Cache-Control: no-store; the product's own files keep their caching), and the
window's searches by ID number or phone send their text by POST, never in an address (access logs,
history, Referer). And /favicon.ico is the product's icon, not a 404."""
import json
import struct
from urllib.parse import parse_qs, urlsplit

import pytest

from engine import catalogue, intake, portal
from engine.services import deploy, tokens, users
from tests.test_web_intake import APPLICANT, ITEM, OTHER, REVIEW, case_id_of, listed, submit, two_cases
from tests.web import csrf_token, element, signed_in

ZHANG = dict(name="张三", id_type="id_card", id_number="11010119900101127X", phone="13900000002",
             password="secret-pw")


@pytest.fixture
def app(org):
    from web import create_app
    deploy.deploy([("review.bpmn", REVIEW.encode())], org["designer"])
    catalogue.save(ITEM, None)
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def applicant(app):
    portal.register(**ZHANG)
    client = app.test_client()
    assert client.post("/portal/login", data={"identifier": ZHANG["phone"], "password": "secret-pw"}).status_code == 302
    return client


def test_no_cache_keeps_what_a_signed_in_person_is_shown(app, org):
    users.add_user("agent", "何芳", "village", ["agent"], "pass-agent")
    clerk = signed_in(app, "clerk")
    case_id = case_id_of(submit(clerk, "id_card", "form", "land", "marriage"))
    [material] = [m for m in intake.describe(case_id)["materials"] if m["code"] == "id_card"]
    shown = {"clerk": (clerk, ["/intake/", f"/intake/cases/{case_id}", f"/inbox/materials/{material['material_id']}",
                               f"/inbox/materials/{material['material_id']}?view=1", "/intake/cases/999999"]),
             "reviewer": (signed_in(app, "reviewer"), ["/inbox/", "/account/password"]),
             "agent": (signed_in(app, "agent"), ["/intake/"]),
             "applicant": (applicant(app), ["/portal/cases", "/portal/account/password", "/portal/"])}
    for who, (client, paths) in shown.items():
        for path in paths:
            res = client.get(path)
            assert res.headers["Cache-Control"] == "no-store", (who, path, res.status_code)
    # The product's own files keep their caching, whoever asks.
    for path in ("/static/app.css", "/vendor/htmx/htmx.min.js", "/favicon.ico"):
        res = clerk.get(path)
        assert res.status_code == 200 and "no-store" not in res.headers.get("Cache-Control", ""), path
    assert "max-age=86400" in clerk.get("/vendor/htmx/htmx.min.js").headers["Cache-Control"]
    # Signed out, the sign-in page holds nothing of anyone's.
    assert "no-store" not in app.test_client().get("/login").headers.get("Cache-Control", "")
    # A document's verification is open to anyone, but names the document's holder.
    assert app.test_client().get("/portal/verify?code=NOSUCHCODE").headers["Cache-Control"] == "no-store"


def test_no_cache_keeps_an_api_answer(app, org):
    token = tokens.issue_token("clerk")
    api = app.test_client()
    for path, status in (("/api/tasks", 200), ("/api/openapi.json", 200), ("/api/instances/999999", 404)):
        res = api.get(path, headers={"Authorization": f"Bearer {token}"})
        assert (res.status_code, res.headers["Cache-Control"]) == (status, "no-store"), path
    assert api.get("/api/tasks").headers["Cache-Control"] == "no-store"  # refused without a token, too


def found_key(res) -> str:
    """The key the list's address names a search by; the text itself is nowhere in it."""
    assert res.status_code == 303
    return parse_qs(urlsplit(res.location).query)["found"][0]


def test_the_windows_case_search_keeps_its_text_out_of_the_address(app, org):
    clerk = signed_in(app, "clerk")
    first, second = two_cases(clerk)
    form = element(clerk.get("/intake/").text, "find-cases")
    assert 'method="post"' in form and 'name="csrf_token"' in form
    res = clerk.post("/intake/", data={"q": OTHER["id_number"], "status": ""})
    assert OTHER["id_number"] not in res.location and "q=" not in res.location
    page = clerk.get(res.location).text
    assert listed(page) == {second["number"]}
    assert f'value="{OTHER["id_number"]}"' in element(page, "find-cases")  # the box keeps it, to search on
    # The status filter rides in the address beside the key; the list is the same on a reload (Back).
    res = clerk.post("/intake/", data={"q": "1370", "status": "submitted"})
    assert "status=submitted" in res.location and "1370" not in res.location
    assert listed(clerk.get(res.location).text) == set()
    key = found_key(clerk.post("/intake/", data={"q": APPLICANT["phone"]}))
    assert listed(clerk.get(f"/intake/?found={key}").text) == listed(clerk.get(f"/intake/?found={key}").text) \
        == {first["number"]}
    # A text in the address searches nothing any more.
    assert listed(clerk.get("/intake/", query_string={"q": OTHER["id_number"]}).text) == {first["number"],
                                                                                          second["number"]}
    # A search is this session's: another clerk's browser, or this one after signing out, has it not.
    assert "不再保留" in (gone := signed_in(app, "clerk").get(f"/intake/?found={key}").text)
    assert listed(gone) == {first["number"], second["number"]}
    clerk.post("/logout")
    clerk = signed_in(app, "clerk")
    assert listed(clerk.get(f"/intake/?found={key}").text) == {first["number"], second["number"]}


def test_the_search_form_needs_its_csrf_token(org):
    from web import create_app
    app = create_app({"TESTING": True})
    clerk = app.test_client()
    assert clerk.post("/login", data={"login": "clerk", "password": "pass-clerk",
                                      "csrf_token": csrf_token(clerk.get("/login").text)}).status_code == 302
    assert clerk.post("/intake/", data={"q": "13900000000"}).status_code == 400
    token = csrf_token(element(clerk.get("/intake/").text, "find-cases"))
    assert clerk.post("/intake/", data={"q": "13900000000", "csrf_token": token}).status_code == 303


def test_the_windows_applicant_search_keeps_its_text_out_of_the_address(app, org):
    portal.register(**ZHANG)
    clerk = signed_in(app, "clerk")
    assert 'method="post"' in element(clerk.get("/intake/applicants").text, "find-applicants")
    res = clerk.post("/intake/applicants", data={"q": ZHANG["phone"]})
    assert ZHANG["phone"] not in res.location and "q=" not in res.location
    page = clerk.get(res.location).text
    assert "张三" in element(page, "applicants") and f'value="{ZHANG["phone"]}"' in page
    # Nor in the session cookie the browser may keep on disk: it is signed, not secret.
    stored = app.session_interface.get_signing_serializer(app).loads(clerk.get_cookie("session").value)
    assert stored["searches"] and ZHANG["phone"] not in json.dumps(stored)
    assert "张三" not in element(clerk.get("/intake/applicants", query_string={"q": ZHANG["phone"]}).text, "applicants")
    assert signed_in(app, "reviewer").post("/intake/applicants", data={"q": ZHANG["phone"]}).status_code == 403


def test_the_favicon_is_the_products_icon_cached_as_static(app, org):
    res = app.test_client().get("/favicon.ico")
    assert res.status_code == 200 and res.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    reserved, kind, count = struct.unpack("<HHH", res.data[:6])
    assert (reserved, kind) == (0, 1)  # an icon, not a cursor
    sizes = [res.data[6 + 16 * n] for n in range(count)]
    assert sizes == [16, 32, 48]
    for n in range(count):
        length, offset = struct.unpack("<II", res.data[6 + 16 * n + 8:6 + 16 * n + 16])
        assert res.data[offset:offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + length <= len(res.data)
    static = app.test_client().get("/static/favicon.svg")
    assert res.headers["Cache-Control"] == static.headers["Cache-Control"] and res.headers["ETag"]
    assert app.test_client().get("/favicon.ico", headers={"If-None-Match": res.headers["ETag"]}).status_code == 304


def test_a_search_sent_again_keeps_its_address_and_old_ones_are_let_go(app, org):
    from web.searches import KEPT
    clerk = signed_in(app, "clerk")
    key = found_key(clerk.post("/intake/", data={"q": "13900000000"}))
    other = found_key(clerk.post("/intake/", data={"q": "王五"}))
    # Sent again (the status changed, say): the earlier list's address, where Back goes, still shows it.
    assert found_key(clerk.post("/intake/", data={"q": "13900000000", "status": "accepted"})) == key != other
    for n in range(KEPT - 1):
        clerk.post("/intake/", data={"q": f"search {n}"})
    assert 'value="13900000000"' in element(clerk.get(f"/intake/?found={key}").text, "find-cases")
    assert "不再保留" in clerk.get(f"/intake/?found={other}").text  # the oldest, past the last KEPT
    assert clerk.post("/intake/", data={"q": "  "}).location == "/intake/"  # no text: the whole list


def test_the_key_the_searches_are_sealed_with_is_drawn_once(app, org, monkeypatch):
    """A search opens every one the session keeps (the same text keeps its key): with the key drawn
    from the secret once, not once a search kept."""
    from web import searches
    drawn = []

    class Counted(searches.Fernet):
        def __init__(self, key):
            drawn.append(key)
            super().__init__(key)
    monkeypatch.setattr(searches, "Fernet", Counted)
    clerk = signed_in(app, "clerk")
    keys = [found_key(clerk.post("/intake/", data={"q": f"search {n}"})) for n in range(searches.KEPT + 1)]
    assert 'value="search 10"' in element(clerk.get(f"/intake/?found={keys[-1]}").text, "find-cases")
    assert len(drawn) <= 1  # none if this secret's key was drawn before
