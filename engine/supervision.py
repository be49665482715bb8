"""E-supervision (电子监察): the numbers behind the dashboard and the monthly report.

Everything here is SQL over the clocks and supervision_orders tables, whose levels the timer
tick keeps current, so the overview costs the same whether or not anything is due.
"""
import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import case, func, select

from engine.services.users import department_names, require
from engine.store import session_scope
from engine.store.models import Clock, SupervisionOrder, User

OVERDUE_LIST_LIMIT = 200


def overview(actor: User) -> dict:
    require(actor, "supervisor", "lead")
    with session_scope() as session:
        open_by_level = session.execute(
            select(Clock.department, Clock.item_code, Clock.level, func.count())
            .where(Clock.state != "stopped").group_by(Clock.department, Clock.item_code, Clock.level)).all()
        finished = session.execute(
            select(Clock.department, Clock.item_code, func.count(),
                   func.sum(case((Clock.stopped_on <= Clock.promised_due, 1), else_=0)),
                   func.avg(Clock.used_days), func.avg(Clock.promised_days))
            .where(Clock.state == "stopped").group_by(Clock.department, Clock.item_code)).all()
        overdue = session.scalars(
            select(Clock).where(Clock.state != "stopped", Clock.level.in_(("yellow", "red")))
            .order_by(Clock.promised_due, Clock.id).limit(OVERDUE_LIST_LIMIT)).all()
        cards = session.execute(select(SupervisionOrder.department, SupervisionOrder.card,
                                       SupervisionOrder.state, func.count())
                                .group_by(SupervisionOrder.department, SupervisionOrder.card,
                                          SupervisionOrder.state)).all()
        names = department_names(session)
    rows: dict[tuple, dict] = {}

    def row(dept, item):
        return rows.setdefault((dept, item), {
            "department": dept, "department_name": names.get(dept, dept), "item_code": item,
            "open": {"normal": 0, "warning": 0, "yellow": 0, "red": 0},
            "finished": 0, "on_time": 0, "on_time_rate": None,
            "avg_workdays_used": None, "avg_promised_days": None})
    for dept, item, level, count in open_by_level:
        row(dept, item)["open"][level] = count
    for dept, item, count, on_time, used, promised in finished:
        r = row(dept, item)
        r.update(finished=count, on_time=int(on_time or 0),
                 on_time_rate=round((on_time or 0) / count, 4) if count else None,
                 avg_workdays_used=round(float(used), 2) if used is not None else None,
                 avg_promised_days=round(float(promised), 2) if promised is not None else None)
    return {
        "rows": sorted(rows.values(), key=lambda r: (r["department"] or "", r["item_code"] or "")),
        "overdue": [{"clock_id": c.id, "instance_id": c.instance_id, "label": c.label,
                     "department": c.department, "level": c.level,
                     "promised_due": c.promised_due.isoformat(),
                     "statutory_due": c.statutory_due.isoformat() if c.statutory_due else None}
                    for c in overdue],
        "cards": [{"department": d, "card": card, "state": state, "count": n} for d, card, state, n in cards],
    }


def monthly(year: int, month: int) -> list[dict]:
    """Per department: volume started, finished, on time, overdue, average working days used."""
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    with session_scope() as session:
        names = department_names(session)
        started = dict(session.execute(select(Clock.department, func.count()).where(
            Clock.started_on >= first, Clock.started_on < nxt).group_by(Clock.department)).all())
        done = session.execute(select(
            Clock.department, func.count(), func.sum(case((Clock.stopped_on <= Clock.promised_due, 1), else_=0)),
            func.avg(Clock.used_days)).where(Clock.stopped_on >= first, Clock.stopped_on < nxt)
            .group_by(Clock.department)).all()
        overdue = dict(session.execute(select(Clock.department, func.count()).where(
            Clock.started_on < nxt, Clock.promised_due < nxt, Clock.promised_due >= first,
            (Clock.stopped_on.is_(None)) | (Clock.stopped_on > Clock.promised_due))
            .group_by(Clock.department)).all())
    report = {}
    for dept in set(started) | {d[0] for d in done} | set(overdue):
        report[dept] = {"department": dept, "name": names.get(dept, dept or "—"),
                        "volume": started.get(dept, 0), "finished": 0, "on_time": 0,
                        "on_time_rate": None, "overdue": overdue.get(dept, 0), "avg_workdays": None}
    for dept, count, on_time, used in done:
        report[dept].update(finished=count, on_time=int(on_time or 0),
                            on_time_rate=round((on_time or 0) / count, 4) if count else None,
                            avg_workdays=round(float(used), 2) if used is not None else None)
    return sorted(report.values(), key=lambda r: r["department"] or "")


def monthly_xlsx(year: int, month: int) -> bytes:
    rows = monthly(year, month)
    book = Workbook()
    sheet = book.active
    sheet.title = f"{year}-{month:02d}"
    sheet.append([f"部门办件月报 {year}年{month}月"])
    sheet["A1"].font = Font(bold=True, size=14)
    headers = ["部门代码", "部门", "受理量", "办结量", "按时办结", "按时办结率", "超期件", "平均用时（工作日）"]
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for r in rows:
        sheet.append([r["department"], r["name"], r["volume"], r["finished"], r["on_time"],
                      r["on_time_rate"], r["overdue"], r["avg_workdays"]])
        sheet.cell(sheet.max_row, 6).number_format = "0.0%"
    for column, width in zip("ABCDEFGH", (14, 24, 10, 10, 10, 12, 10, 18)):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
