"""表格下载 and 填表示例: a material's blank form and filled-in example, uploaded by an administrator
or loaded beside the item files, offered by the guide to anyone; and the guide's other facts of a
material (来源渠道, 受理标准, 填报须知, 依据)."""
import io
import os
import time

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

import run
from engine import catalogue, file_check, files, material_templates
from engine.config import ROOT
from engine.errors import Forbidden, Invalid, NotFound
from engine.services import activity
from engine.store.db import read_session
from engine.store.models import Event, MaterialTemplate, utcnow
from tests.procedures import install
from tests.web import csrf_token, signed_in

ITEM = {"code": "Q-001", "name": "资料查询", "kind": "public_service", "department": "housing",
        "case_type": "immediate", "promised_days": 0,
        "materials": [{"code": "form", "name": "查询申请书", "mandatory": True, "source": "applicant",
                       "standard": "各栏填写完整并签名", "instructions": "不知道单元号的可不填",
                       "basis": "《不动产登记资料查询暂行办法》"},
                      {"code": "id", "name": "身份证明", "mandatory": True, "source": "government"}]}
PDF, DOCX = b"%PDF-1.4 blank form", b"PK\x03\x04 an example"
SHIPPED = ROOT / "processes" / "items" / "forms"


@pytest.fixture
def item(org):
    catalogue.save(ITEM, None)
    return ITEM["code"]


@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def rows() -> int:
    with read_session() as session:
        return session.scalar(select(func.count()).select_from(MaterialTemplate))


def events(type_: str) -> list[dict]:
    with read_session() as session:
        return [e.data for e in session.scalars(select(Event).where(Event.type == type_).order_by(Event.id))]


@pytest.mark.parametrize("change, named", [
    ({"source": "bought"}, "source (来源渠道) is one of applicant, government, agency, other"),
    ({"standard": "长" * 1001}, "standard is a text of at most 1000 characters"),
    ({"instructions": 3}, "instructions is a text of at most 1000 characters"),
])
def test_the_catalogue_refuses_a_materials_facts_it_cannot_show(db, change, named):
    item = {**ITEM, "materials": [{**ITEM["materials"][0], **change}]}
    with pytest.raises(Invalid) as refused:
        catalogue.validate(item, "q.yaml")
    assert "materials[0]" in refused.value.message and named in refused.value.message


def test_an_administrator_uploads_replaces_and_removes_a_form(item, org):
    admin = org["admin"]
    material_templates.put(admin, item, "form", "blank", PDF, "查询申请书.pdf")
    material_templates.put(admin, item, "form", "example", DOCX, "示例.docx")
    assert material_templates.of_item(item) == {"form": {"blank": {"filename": "查询申请书.pdf", "size": len(PDF)},
                                                         "example": {"filename": "示例.docx", "size": len(DOCX)}}}
    filename, sha, _name = material_templates.stored(item, "form", "blank")
    assert filename == "查询申请书.pdf" and files.read(sha) == PDF

    material_templates.put(admin, item, "form", "blank", PDF, "查询申请书.pdf")  # the same again: nothing new
    assert len(events("material_template_saved")) == 2
    material_templates.put(admin, item, "form", "blank", b"%PDF-1.7 revised", "申请书2026版.pdf")
    assert material_templates.stored(item, "form", "blank")[0] == "申请书2026版.pdf" and rows() == 2
    assert events("material_template_saved")[-1] == {
        "code": item, "material": "form", "kind": "blank", "filename": "申请书2026版.pdf",
        "sha256": material_templates.stored(item, "form", "blank")[1]}

    material_templates.remove(admin, item, "form", "example")
    assert material_templates.of_item(item)["form"].keys() == {"blank"}
    with pytest.raises(NotFound):
        material_templates.remove(admin, item, "form", "example")
    logged = activity.listed(admin, what="processes")["events"]
    assert [e["type"] for e in logged[:2]] == ["material_template_removed", "material_template_saved"]
    assert logged[0]["name"] == "资料查询"  # the item named in the log by its name


@pytest.mark.parametrize("who, material, kind, content, name, error", [
    ("clerk", "form", "blank", PDF, "a.pdf", Forbidden),
    ("admin", "photo", "blank", PDF, "a.pdf", NotFound),   # the item has no such material
    ("admin", "form", "draft", PDF, "a.pdf", Invalid),
    ("admin", "form", "blank", b"AC1032 drawing", "a.dwg", Invalid),  # a drawing is no form to fill in
    ("admin", "form", "blank", b"<script>alert(1)</script>", "a.pdf", Invalid),  # a web page named .pdf
    ("admin", "form", "blank", b"", "a.pdf", Invalid),
])
def test_a_wrong_upload_is_refused_and_keeps_nothing(item, org, who, material, kind, content, name, error):
    with pytest.raises(error):
        material_templates.put(org[who], item, material, kind, content, name)
    assert rows() == 0 and events("material_template_saved") == []


def test_the_guide_shows_the_materials_facts_and_anyone_downloads_its_forms(app, item, org):
    material_templates.put(org["admin"], item, "form", "blank", PDF, "blank.pdf")
    client = app.test_client()  # no one signed in
    page = client.get(f"/portal/items/{item}").get_data(as_text=True)
    for shown in ("来源渠道：申请人自备", "来源渠道：政府部门核发", "受理标准：各栏填写完整并签名",
                  "填报须知：不知道单元号的可不填", "依据：《不动产登记资料查询暂行办法》", 'id="form-form-blank"'):
        assert shown in page, shown
    assert 'id="form-form-example"' not in page  # none uploaded: no link

    got = client.get(f"/portal/items/{item}/materials/form/blank")
    assert got.status_code == 200 and got.data == PDF
    assert got.headers["Content-Type"] == "application/octet-stream"
    assert "attachment" in got.headers["Content-Disposition"]
    assert "%E6%9F%A5%E8%AF%A2%E7%94%B3%E8%AF%B7%E4%B9%A6%EF%BC%88%E7%A9%BA%E7%99%BD%E8%A1%A8%E6%A0%BC%EF%BC%89.pdf" \
        in got.headers["Content-Disposition"]  # 查询申请书（空白表格）.pdf
    for missing in ("form/example", "id/blank", "nothing/blank"):
        assert client.get(f"/portal/items/{item}/materials/{missing}").status_code == 404
    assert client.get("/portal/items/NO-SUCH/materials/form/blank").status_code == 404

    english = client.get(f"/portal/items/{item}", query_string={"lang": "en"}).get_data(as_text=True)
    assert "Blank form" in english and "Source: Provided by the applicant" in english


def test_the_administrators_page_uploads_and_removes_forms(app, item, org):
    admin = signed_in(app, "admin")
    page = admin.get(f"/admin/items/{item}/forms")
    assert page.status_code == 200 and "查询申请书" in page.get_data(as_text=True)
    assert f'href="/admin/items/{item}/forms"' in admin.get("/admin/items").get_data(as_text=True)

    done = admin.post(f"/admin/items/{item}/forms", data={"material": "form", "kind": "example",
                                                          "file": (io.BytesIO(DOCX), "示例.docx")})
    assert done.status_code == 303 and material_templates.of_item(item)["form"]["example"]["filename"] == "示例.docx"
    refused = admin.post(f"/admin/items/{item}/forms", data={"material": "form", "kind": "blank",
                                                             "file": (io.BytesIO(b"MZ program"), "setup.exe")})
    assert refused.status_code == 422 and "setup.exe" in refused.get_data(as_text=True)
    assert admin.post(f"/admin/items/{item}/forms", data={"material": "form", "kind": "blank"}).status_code == 422
    assert admin.post(f"/admin/items/{item}/forms/form/example/delete").status_code == 303
    assert material_templates.of_item(item) == {}

    clerk = signed_in(app, "clerk")
    assert clerk.get(f"/admin/items/{item}/forms").status_code == 403
    assert clerk.post(f"/admin/items/{item}/forms", data={"material": "form", "kind": "blank",
                                                          "file": (io.BytesIO(PDF), "a.pdf")}).status_code == 403
    assert rows() == 0


def test_the_form_needs_its_csrf_token(item, org):
    from web import create_app
    admin = create_app({"TESTING": True}).test_client()
    assert admin.post("/login", data={"login": "admin", "password": "pass-admin",
                                      "csrf_token": csrf_token(admin.get("/login").text)}).status_code == 302
    refused = admin.post(f"/admin/items/{item}/forms", data={"material": "form", "kind": "blank",
                                                             "file": (io.BytesIO(PDF), "a.pdf")})
    assert refused.status_code == 400 and rows() == 0
    token = csrf_token(admin.get(f"/admin/items/{item}/forms").get_data(as_text=True))
    assert admin.post(f"/admin/items/{item}/forms", data={"csrf_token": token, "material": "form", "kind": "blank",
                                                          "file": (io.BytesIO(PDF), "a.pdf")}).status_code == 303


def test_the_shipped_forms_load_beside_the_items_and_an_administrators_upload_stays(org):
    install(org)
    assert material_templates.load_folder(SHIPPED, replace=False) == 2
    assert material_templates.of_item("1104-NRES-004")["query_form"].keys() == {"blank", "example"}
    blank = load_workbook(io.BytesIO(files.read(material_templates.stored("1104-NRES-004", "query_form", "blank")[1])))
    assert blank.active["A1"].value == "不动产登记资料查询申请书"

    material_templates.put(org["admin"], "1104-NRES-004", "query_form", "blank", PDF, "本地版申请书.pdf")
    assert material_templates.load_folder(SHIPPED, replace=False) == 0  # the demo's start does not undo it
    assert material_templates.stored("1104-NRES-004", "query_form", "blank")[0] == "本地版申请书.pdf"
    assert run.main(["items", str(ROOT / "processes" / "items")]) == 0  # the command puts the files back
    assert material_templates.stored("1104-NRES-004", "query_form", "blank")[0] == "query_form.blank.xlsx"


def test_a_folder_with_a_misnamed_file_loads_nothing(item, tmp_path):
    (tmp_path / item).mkdir()
    (tmp_path / item / "form.blank.pdf").write_bytes(PDF)
    (tmp_path / item / "申请书.pdf").write_bytes(PDF)
    with pytest.raises(Invalid) as refused:
        material_templates.load_folder(tmp_path)
    assert "申请书.pdf" in refused.value.message and rows() == 0
    (tmp_path / item / "申请书.pdf").unlink()
    (tmp_path / item / "photo.blank.pdf").write_bytes(PDF)  # a material the item does not list
    with pytest.raises(NotFound) as refused:
        material_templates.load_folder(tmp_path)
    assert "photo" in refused.value.message and rows() == 0


def test_the_files_check_knows_the_forms_and_never_removes_them(item, org):
    material_templates.put(org["admin"], item, "form", "blank", PDF, "blank.pdf")
    sha = material_templates.stored(item, "form", "blank")[1]
    hour_ago = time.time() - 2 * 3600
    os.utime(files.path_of(sha), (hour_ago, hour_ago))
    found = file_check.check(repair_orphans=True)  # other tests' files are orphans here
    assert sha not in {o["path"].split("/")[-1] for o in found["orphans"]} and files.read(sha) == PDF
    files.path_of(sha).unlink()
    found = file_check.check()
    assert found["missing"] == [{"sha256": sha, "cases": [], "instances": [], "forms": [f"{item}/form/blank"]}]


def test_two_administrators_uploading_one_form_at_once_get_a_refusal_not_a_server_error(item, org):
    from sqlalchemy import insert

    from engine.errors import Conflict
    from tests.meanwhile import written_meanwhile
    other = insert(MaterialTemplate).values(item_code=item, material_code="form", kind="blank", filename="other.pdf",
                                            sha256="0" * 64, size=1, uploaded_at=utcnow())
    with written_meanwhile(other), pytest.raises(Conflict, match="at the same moment"):
        material_templates.put(org["admin"], item, "form", "blank", PDF, "mine.pdf")
    assert rows() == 0 and events("material_template_saved") == []
