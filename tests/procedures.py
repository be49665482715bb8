"""Shared steps for the scenario tests of the shipped procedures (processes/, rules/, items)."""
from pathlib import Path

from sqlalchemy import select

from engine import agency_reports, catalogue, intake, regional, report_kinds, things
from engine.services import deploy, tasks, users
from engine.store import session_scope
from engine.store.models import Clock, Event, Task

ROOT = Path(__file__).resolve().parent.parent
# One reviewer per department the shipped rules can name.
DEPARTMENTS = ("devreform", "natres", "eco", "water", "emergency", "meteo", "quake", "relics", "fire",
               "airdef", "health", "telecom", "drawing", "realestate", "watersupply", "power", "gas", "network")


def install(org) -> dict:
    """Add a reviewer per department; deploy processes/ and rules/, load the items, things and zones."""
    people = dict(org)
    for dept in DEPARTMENTS:
        if dept not in {u.department.code for u in org.values() if u.department}:
            people[f"r_{dept}"] = users.add_user(f"r_{dept}", f"{dept} reviewer", dept, ["reviewer", "lead"],
                                                 f"pass-r_{dept}")
    deploy.deploy(deploy.collect_files([ROOT / "processes", ROOT / "rules"]), org["designer"])
    catalogue.load_folder(ROOT / "processes" / "items")
    things.load_folder(ROOT / "processes" / "things")
    regional.load_zones(ROOT / "processes" / "zones")
    return people


def promised_item(code: str, process: str, department: str) -> dict:
    """A small service item with a 10-working-day promise (20 by law) run by `process`."""
    return {"code": code, "name": f"测试事项{code}", "kind": "licence", "department": department,
            "case_type": "promised", "statutory_days": 20, "promised_days": 10, "process": process,
            "materials": [{"code": "id_card", "name": "身份证明", "mandatory": True}]}


def uploads(item_code: str, skip=(), form: dict | None = None):
    """A file for each mandatory material; for an entry made of the agency reports, one for each kind
    the project of `form` needs (report:<kind>)."""
    item = catalogue.get(item_code)
    wanted = [m["code"] for m in item.data["materials"] if m.get("mandatory") and m["code"] not in skip]
    made_of = agency_reports.entry(item.data)
    if made_of and made_of["code"] in wanted:
        wanted.remove(made_of["code"])
        wanted += [report_kinds.REPORT + kind for kind in report_kinds.needs(item.data, form)[0]]
    return [intake.Upload(code, f"{code.replace(':', '-')}.pdf", f"%PDF {item_code} {code}".encode()) for code in wanted]


def take_in(item_code: str, form: dict, clerk, applicant=None, **accept):
    applicant = applicant or {"name": "某某科技有限公司", "kind": "company", "id_type": "uscc",
                              "id_number": "91110000MA01ABCD2Q", "phone": "13900000000"}
    case = intake.submit(item_code, applicant, uploads(item_code, accept.pop("skip", ()), form), clerk, form=form)
    return intake.accept(case.id, clerk, **accept)


def open_tasks(instance_id: int) -> dict:
    """Open tasks of the case keyed by '<name>@<group>'."""
    with session_scope() as session:
        rows = session.scalars(select(Task).where(Task.instance_id == instance_id, Task.state == "ready")
                               .order_by(Task.id)).all()
        return {f"{t.name}@{t.group}": t for t in rows}


def work(task: Task, person, data: dict, document: bool = True):
    tasks.claim(task.id, person)
    docs = [intake.Upload("result", f"{task.name}.pdf", f"%PDF result of {task.id}".encode())] if document else None
    return tasks.complete(task.id, person, data, docs)


def event_types(instance_id: int) -> list[str]:
    with session_scope() as session:
        return list(session.scalars(select(Event.type).where(Event.instance_id == instance_id).order_by(Event.id)))


def step_clocks(instance_id: int) -> list[Clock]:
    with session_scope() as session:
        return session.scalars(select(Clock).where(Clock.instance_id == instance_id, Clock.task_id.is_not(None))
                               .order_by(Clock.id)).all()


PERMIT = "1105-NRES-005"  # 建设工程规划许可证核发: natres's single-department approval


def decided_permit(people, decision: str = "approve", applicant=None):
    """A planning permit case through natres's review and its head's decision (install()'s people)."""
    case = take_in(PERMIT, {}, people["clerk"], applicant=applicant)
    agrees = decision != "reject"
    work(open_tasks(case.instance_id)["department_review@natres"], people["r_natres"],
         {"opinion": "approve" if agrees else "reject", "comment": "符合规划条件" if agrees else "不符合规划条件"})
    work(open_tasks(case.instance_id)["lead_decision@natres"], people["r_natres"],
         {"decision": decision, "decision_comment": "准予核发" if agrees else "不符合控制性详细规划"})
    return case
