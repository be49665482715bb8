"""人员名册导入: a roster checked whole (every row new, changed or unchanged, every problem by row and
column), applied whole or not at all, refused when stale; .xlsx and .csv (UTF-8, with a BOM, GBK);
the command line; and the new people's temporary passwords."""
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

import run
from engine import roster_file
from engine.errors import Conflict, Forbidden, Invalid
from engine.services import admin, cases, deploy, roster, tasks, users
from engine.store import session_scope
from engine.store.models import Department, Event, Task, User
from tests.bpmn_builder import one_review

HEADER = ["登录名", "姓名", "部门代码", "部门名称", "角色"]
# A new person, one who moves and is renamed, one already as the file says, one in a new department.
ROWS = [["zhangsan", "张三", "housing", "", "审批人员、部门负责人"],
        ["reviewer", "李强", "tax", "", "reviewer lead"],
        ["clerk", "clerk", "window", "", "窗口受理人员"],
        ["wangwu", "王五", "land", "自然资源局", "department head, 审批人员"]]


def xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    for row in [header, *rows]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Made once: a workbook records when it was saved, and a preview's digest covers the file's bytes.
ROSTER = xlsx(ROWS)


def csv_text(rows, header=HEADER) -> str:
    return "\r\n".join(",".join(f'"{cell}"' if "," in cell else cell for cell in row) for row in [header, *rows])


def stored() -> dict:
    """What an import could change: everyone, every department, and the events."""
    with session_scope() as session:
        return {"users": {u.login: (u.name, u.department.code if u.department else None, u.roles, u.password_hash)
                          for u in session.scalars(select(User))},
                "departments": dict(session.execute(select(Department.code, Department.name)).all()),
                "events": session.scalar(select(func.count()).select_from(Event))}


def test_the_preview_says_what_each_row_does_and_stores_nothing(org):
    before = stored()
    preview = roster.preview(ROSTER, "名册.xlsx", org["admin"])
    assert not preview.problems
    assert [(e.row, e.login, e.status) for e in preview.entries] == [
        (2, "zhangsan", "new"), (3, "reviewer", "changed"), (4, "clerk", "unchanged"), (5, "wangwu", "new")]
    zhangsan, moved, _same, wangwu = preview.entries
    assert zhangsan.roles == ["lead", "reviewer"] and wangwu.roles == ["lead", "reviewer"]
    assert moved.changes == {"name": ["reviewer", "李强"], "department": ["housing", "tax"],
                             "roles": [["reviewer"], ["lead", "reviewer"]]}
    assert preview.departments == {"land": "自然资源局"}
    assert stored() == before
    # Checked again, the same file and the same people give the same digest.
    assert roster.preview(ROSTER, "名册.xlsx", org["admin"]).digest == preview.digest


def test_applying_stores_everything_and_records_each_change(org):
    untouched = stored()["users"]["lead"]
    preview = roster.preview(ROSTER, "名册.xlsx", org["admin"])
    applied = roster.apply(ROSTER, "名册.xlsx", org["admin"], preview.digest)
    assert [(g.login, g.name, g.department) for g in applied.given] == [("zhangsan", "张三", "housing"),
                                                                         ("wangwu", "王五", "自然资源局")]
    now = stored()
    assert now["users"]["reviewer"][:3] == ("李强", "tax", ["lead", "reviewer"])
    assert now["users"]["wangwu"][:3] == ("王五", "land", ["lead", "reviewer"])
    assert now["departments"]["land"] == "自然资源局"
    assert now["users"]["lead"] == untouched  # not in the file: left as it was
    # Each new person's password is theirs to replace, and kept only as a hash.
    for given in applied.given:
        user = users.check_password(given.login, given.password)
        assert user.login == given.login and user.temporary_until is not None
        assert given.password not in now["users"][given.login][3]
    with session_scope() as session:
        events = [(e.type, e.actor.login, e.data.get("login") or e.data.get("code") or e.data.get("file"))
                  for e in session.scalars(select(Event).where(Event.id > 0).order_by(Event.id))
                  if e.actor is not None]
    assert events == [("department_created", "admin", "land"), ("user_created", "admin", "zhangsan"),
                      ("user_changed", "admin", "reviewer"), ("user_created", "admin", "wangwu"),
                      ("roster_imported", "admin", "名册.xlsx")]
    with session_scope() as session:
        imported = session.scalar(select(Event).where(Event.type == "roster_imported")).data
        changed = session.scalar(select(Event).where(Event.type == "user_changed")).data
    assert imported == {"file": "名册.xlsx", "created": 2, "changed": 1, "unchanged": 1, "departments": 1,
                        "released_tasks": 0}
    assert changed["name"] == "李强" and changed["old_name"] == "reviewer" and changed["department"] == "tax"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_csv_is_read_in_utf8_with_or_without_bom_and_in_gbk(org, encoding):
    data = csv_text(ROWS).encode(encoding)
    preview = roster.preview(data, "名册.csv", org["admin"])
    expected = roster.preview(ROSTER, "名册.xlsx", org["admin"])
    assert preview.entries == expected.entries and preview.departments == expected.departments
    roster.apply(data, "名册.csv", org["admin"], preview.digest)
    assert users.get_user("zhangsan").name == "张三"


def test_a_deactivated_person_is_changed_and_stays_deactivated(org):
    admin.set_active("clerk", False, org["admin"])
    data = xlsx([["clerk", "王敏", "window", "", "clerk"]])
    preview = roster.preview(data, "名册.xlsx", org["admin"])
    assert [(e.status, e.active) for e in preview.entries] == [("changed", False)]
    roster.apply(data, "名册.xlsx", org["admin"], preview.digest)
    clerk = users.get_user("clerk")
    assert clerk.name == "王敏" and not clerk.active


def test_english_headers_and_other_columns(org):
    header = ["Login", "Name", "Department code", "Department Name", "Roles", "电话"]
    preview = roster.preview(xlsx([[*row, "0931-1234567"] for row in ROWS], header), "roster.xlsx", org["admin"])
    assert len(preview.entries) == 4 and preview.ignored == ["电话"]


def test_every_problem_is_said_by_row_and_column_and_nothing_is_stored(org):
    users.add_user("wang.fang", "王芳", "housing", ["reviewer"])
    rows = [["zhang san", "张三", "housing", "", "reviewer"],  # a login with a space
            ["lisi", "李四", "housing", "", "reviewer, 科长"],  # a role no one has
            ["lisi", "李四", "tax", "", "reviewer"],  # the same login again
            ["Wang.Fang", "王芳", "housing", "", "reviewer"],  # an existing login in other letters
            ["zhaoliu", "", "housing", "", "reviewer"],  # no name
            ["sunqi", "孙七", "9land", "自然资源局", "reviewer"],  # a code the rule refuses
            ["zhouba", "周八", "water", "", "reviewer"],  # a new department without its name
            ["wujiu", "吴九", "Housing", "住建", "reviewer"],  # a known code in other letters
            ["zhengshi", "郑十", "land", "税务局", "reviewer"],  # a new department under a name in use
            ["admin", "系统管理员", "supervision", "", "supervisor"],  # the administrator's own admin role
            ["", "无名", "housing", "", ""]]  # empty cells
    users.add_user("taxdept", "税务", "tax", ["reviewer"])
    with session_scope() as session:
        session.scalar(select(Department).where(Department.code == "tax")).name = "税务局"
    before = stored()
    preview = roster.preview(xlsx(rows), "名册.xlsx", org["admin"])
    said = {(p.row, p.column): str(p.message) for p in preview.problems}
    assert said == {
        (2, "登录名"): "Login 'zhang san': letters, digits, '_', '.', '@' or '-' only, at most 64",
        (3, "角色"): said[(3, "角色")],
        (4, "登录名"): "lisi is on row 3 too",
        (5, "登录名"): "Wang.Fang differs from the existing login wang.fang only in case",
        (6, "姓名"): "This cell is required",
        (7, "部门代码"): "Department code '9land': a letter, then letters, digits, '_', '.' or '-' (at most 64)",
        (8, "部门名称"): "Department water is new: give its name",
        (9, "部门代码"): "No department Housing; did you mean housing?",
        (10, "部门名称"): "A department is already named '税务局'",
        (11, "角色"): "You cannot take the admin role from yourself",
        (12, "登录名"): "This cell is required",
        (12, "角色"): "This cell is required",
    }
    assert said[(3, "角色")].startswith("Unknown role(s) 科长; known roles: window clerk (clerk), reviewer (reviewer)")
    assert [e.login for e in preview.entries] == []
    with pytest.raises(Invalid, match="12 problem"):
        roster.apply(xlsx(rows), "名册.xlsx", org["admin"], preview.digest)
    assert stored() == before
    # One good row among bad ones is not imported either: the file goes in whole or not at all.
    mixed = xlsx([*ROWS, rows[1]])
    with pytest.raises(Invalid):
        roster.apply(mixed, "名册.xlsx", org["admin"], roster.preview(mixed, "名册.xlsx", org["admin"]).digest)
    assert stored() == before


@pytest.mark.parametrize("data, name, message", [
    (b"", "r.xlsx", "is empty"),
    (b"%PDF-1.7\n\x00\x01binary", "r.csv", "is not a spreadsheet"),
    (b"\x89PNG\r\n\x1a\n", "r.xlsx", "is not a spreadsheet"),
    (b"PK\x03\x04 not really a zip", "r.xlsx", "is not a workbook that can be read"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "r.xls", "Excel 97-2003"),
    ("姓名,部门代码,角色\n张三,housing,reviewer\n".encode(), "r.csv", "has no column 登录名"),
    ("登录名,姓名,部门代码,角色\n".encode(), "r.csv", "names no one"),
    (b"\xff\xfe\xfa\xfb\x80\x81", "r.csv", "neither UTF-8 nor GBK"),
])
def test_a_file_that_is_no_roster_is_refused(org, data, name, message):
    with pytest.raises(Invalid, match=message):
        roster.preview(data, name, org["admin"])


def test_too_many_rows_are_refused(org):
    rows = [[f"p{n}", f"人{n}", "housing", "", "reviewer"] for n in range(roster_file.MAX_ROWS + 1)]
    with pytest.raises(Invalid, match="more than 2000 people"):
        roster.preview(csv_text(rows).encode(), "r.csv", org["admin"])
    assert len(roster.preview(csv_text(rows[:-1]).encode(), "r.csv", org["admin"]).entries) == roster_file.MAX_ROWS


def test_only_an_administrator_imports(org):
    for login in ("clerk", "reviewer", "lead", "supervisor", "designer"):
        with pytest.raises(Forbidden):
            roster.preview(ROSTER, "r.xlsx", org[login])
        with pytest.raises(Forbidden):
            roster.apply(ROSTER, "r.xlsx", org[login], "any digest")


@pytest.mark.parametrize("meanwhile", [
    lambda org: admin.change_user("reviewer", ["reviewer"], "devreform", org["admin"]),  # a person in the file
    lambda org: users.add_user("zhangsan", "另一个张三", "tax", ["clerk"]),  # a login the file gives
    lambda org: admin.add_department("land", "国土局", org["admin"]),  # a department the file makes
])
def test_a_preview_made_stale_by_a_change_meanwhile_is_refused(org, meanwhile):
    preview = roster.preview(ROSTER, "名册.xlsx", org["admin"])
    meanwhile(org)
    before = stored()
    with pytest.raises(Conflict, match="changed since its preview"):
        roster.apply(ROSTER, "名册.xlsx", org["admin"], preview.digest)
    assert stored() == before


def test_a_change_elsewhere_leaves_the_preview_good(org):
    preview = roster.preview(ROSTER, "名册.xlsx", org["admin"])
    admin.change_user("lead", ["lead"], "devreform", org["admin"])  # not in the file
    assert roster.apply(ROSTER, "名册.xlsx", org["admin"], preview.digest).given


def test_a_person_moved_away_gives_back_the_steps_they_may_no_longer_work(org):
    deploy.deploy([("h.bpmn", one_review("housing_review", "部门审查", "housing").encode())], org["designer"])
    instance = cases.start_instance("housing_review", org["clerk"])
    task_id = instance["tasks"][0]["id"]
    tasks.claim(task_id, org["reviewer"])
    applied = roster.apply(ROSTER, "名册.xlsx", org["admin"], roster.preview(ROSTER, "名册.xlsx", org["admin"]).digest)
    assert applied.released == 1
    with session_scope() as session:
        assert session.get(Task, task_id).assignee_id is None
        unclaimed = session.scalar(select(Event).where(Event.type == "task_unclaimed"))
        assert unclaimed.instance_id == instance["id"] and unclaimed.actor.login == "admin"
        assert unclaimed.data == {"released_from": "reviewer", "reason": "user_changed"}
        assert session.scalar(select(Event).where(Event.type == "roster_imported")).data["released_tasks"] == 1


def test_the_template_is_a_roster_to_fill_in(org):
    book = load_workbook(io.BytesIO(roster.template()))
    assert [cell.value for cell in book.worksheets[0][1]] == HEADER
    notes = [[cell.value for cell in row] for row in book["说明"].iter_rows()]
    assert ["审批人员", "reviewer"] in notes and ["housing", "housing"] in notes
    # Filled in, it imports.
    sheet = book.worksheets[0]
    sheet.append(ROWS[0])
    buffer = io.BytesIO()
    book.save(buffer)
    assert [e.login for e in roster.preview(buffer.getvalue(), "模板.xlsx", org["admin"]).entries] == ["zhangsan"]


def test_the_command_line_prints_the_preview_and_applies_with_apply(org, tmp_path, capsys):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(ROSTER)
    before = stored()
    assert run.main(["user", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "row 2\tnew\tzhangsan\t张三\thousing\tlead, reviewer" in out
    assert "row 3\tchanged\treviewer\tname: reviewer -> 李强; department: housing -> tax; roles: reviewer -> lead, reviewer" in out
    assert "row 4\tunchanged\tclerk" in out and "new department land: 自然资源局" in out
    assert "2 new, 1 changed, 1 unchanged" in out and "nothing stored" in out
    assert stored() == before
    assert run.main(["user", "import", str(path), "--apply"]) == 0
    out = capsys.readouterr().out
    given = dict(line.split("\t")[::3] for line in out.splitlines() if line.startswith(("zhangsan\t", "wangwu\t")))
    assert users.check_password("zhangsan", given["zhangsan"]).temporary_until is not None
    with session_scope() as session:
        event = session.scalar(select(Event).where(Event.type == "roster_imported"))
        assert event.actor is None and event.data["created"] == 2


def test_the_command_line_refuses_a_roster_with_problems(org, tmp_path, capsys):
    path = tmp_path / "名册.csv"
    path.write_text(csv_text([*ROWS, ["lisi", "李四", "housing", "", "科长"]]), encoding="utf-8")
    before = stored()
    assert run.main(["user", "import", str(path), "--apply"]) == 1
    captured = capsys.readouterr()
    assert "row 6, 角色: Unknown role(s) 科长" in captured.err and "nothing was imported" in captured.err
    assert "row 2\tnew\tzhangsan" in captured.out  # the rest of the preview all the same
    assert stored() == before
    assert run.main(["user", "import", str(tmp_path / "none.csv")]) == 1
