"""电子监察: on-time rates, open cases by clock level, overdue cases, cards and orders (督办单),
rectifications of bad ratings (整改) and the appeals against them (申诉), pledges not checked by their
date (告知承诺核查) and the credit records of false ones (信用记录), the monthly report."""
from datetime import date, datetime, timezone
from urllib.parse import quote

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _

from engine import clock, pledge_checks, rating_appeals, ratings, supervision
from engine.clock import levels
from engine.errors import Invalid
from engine.services import progress

from web.inbox.access import actor, register_error_page, roles_required

bp = Blueprint("supervision", __name__, url_prefix="/supervision")
register_error_page(bp)
WATCHERS = ("supervisor", "lead")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _per_department(rows: list[dict]) -> list[dict]:
    """overview() counts per department and item; the bar chart shows departments."""
    departments: dict[str, dict] = {}
    for r in rows:
        d = departments.setdefault(r["department"] or "", {
            "department": r["department"], "name": r["department_name"] or _("未指定"),
            "open": dict.fromkeys(levels.LEVELS, 0), "finished": 0, "on_time": 0})
        for level, n in r["open"].items():
            d["open"][level] += n
        d["finished"] += r["finished"]
        d["on_time"] += r["on_time"]
    for d in departments.values():
        d["on_time_rate"] = round(d["on_time"] / d["finished"], 4) if d["finished"] else None
    return sorted(departments.values(), key=lambda d: d["department"] or "")


def _periods() -> dict[str, str]:
    """The board's finished figures count a period's handlings: their names, as the chooser shows them."""
    return {"month": _("本月"), "quarter": _("本季度"), "year": _("本年"), "all": _("全部")}


@bp.get("/")
@roles_required(*WATCHERS)
def index():
    period = request.args.get("period", supervision.DEFAULT_PERIOD)
    data = supervision.overview(actor(), period)
    departments = _per_department(data["rows"])
    by_level = progress.open_cases_by_level()
    cards = {card: sum(c["count"] for c in data["cards"] if c["card"] == card) for card in ("yellow", "red")}
    # A head's counter is their department's orders, as their list below: not every department's.
    own = None if actor().has_role("supervisor") else (actor().department.code if actor().department else "")
    open_orders = sum(c["count"] for c in data["cards"] if c["state"] == "open" and own in (None, c["department"]))
    last_month = (clock.today().replace(day=1).toordinal() - 1)
    return render_template("supervision/index.html", data=data, departments=departments, by_level=by_level,
                           cards=cards, open_orders=open_orders, orders=supervision.orders(actor()),
                           fixes=ratings.overview(actor()),
                           overdue_checks=pledge_checks.checks(actor(), "overdue"),
                           pending_appeals=rating_appeals.pending_count(actor())
                           if actor().has_role("supervisor") else None,
                           now=datetime.now(timezone.utc), period=period, periods=_periods(),
                           default_month=date.fromordinal(last_month).strftime("%Y-%m"))


def _month() -> tuple[int, int]:
    """?month=YYYY-MM, as the year and the month."""
    try:
        year, month = (int(part) for part in request.args.get("month", "").split("-"))
    except ValueError:
        raise Invalid(_("请选择月份（YYYY-MM）")) from None
    return year, month


@bp.get("/report/view")
@roles_required(*WATCHERS)
def report_page():
    """The monthly report on a page (a phone opens no spreadsheet); ?month=YYYY-MM."""
    year, month = _month()
    return render_template("supervision/report.html", rows=supervision.monthly(year, month),
                           month=f"{year}-{month:02d}")


@bp.get("/report")
@roles_required(*WATCHERS)
def report():
    """The monthly report as .xlsx; ?month=YYYY-MM."""
    year, month = _month()
    # Saved under a Chinese name (RFC 6266's filename*), an ASCII one for the oldest browsers.
    name = _("政务服务监察月报-%(year)s-%(month)s.xlsx", year=year, month=f"{month:02d}")
    return Response(supervision.monthly_xlsx(year, month), mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=report-{year}-{month:02d}.xlsx; "
                               f"filename*=UTF-8''{quote(name)}"})


from . import agencies, appeals, cases, credit  # noqa: E402,F401  (register their routes on bp)
