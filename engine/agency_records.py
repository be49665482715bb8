"""电子监察 › 中介服务: what supervisors watch of the marketplace (中介超市). The open commissions
past the agency's promised date, the longest overdue first, with how late in working days (the
unit of the promise); and each agency's record: how many it was commissioned, delivered on time or
late, has open and overdue now, were cancelled or ended with their case, and its rating. Agencies that overrun are known by it, and an
administrator can suspend them (engine/agencies.py)."""
from sqlalchemy import case, func, select

from engine import clock
from engine.services import calendars
from engine.services.users import require
from engine.store.db import read_session
from engine.store.models import Agency, Commission, User

WATCHERS = ("supervisor",)


def overdue(actor: User) -> list[Commission]:
    """Open commissions past their date, the longest overdue first: the agencies that overrun."""
    require(actor, *WATCHERS)
    with read_session() as session:
        return list(session.scalars(select(Commission).where(Commission.state == "open",
                                                             Commission.due_on < clock.today())
                                    .order_by(Commission.due_on, Commission.id)))


def late_by(row: Commission) -> int:
    """How many working days (the promise's unit) an open commission is past its date."""
    return calendars.current().workdays_between(row.due_on, clock.today())


def records(actor: User) -> list[dict]:
    """Every agency, suspended ones too, with its record in the marketplace, by name."""
    require(actor, *WATCHERS)
    today = clock.today()

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
    with read_session() as session:
        agencies = session.scalars(select(Agency).order_by(Agency.name, Agency.id)).all()
        counted = {row.agency_id: row for row in session.execute(select(
            Commission.agency_id, func.count().label("commissions"),
            count(Commission.state == "open").label("open"),
            count((Commission.state == "open") & (Commission.due_on < today)).label("overdue"),
            count(Commission.state == "delivered").label("delivered"),
            count((Commission.state == "delivered") & (Commission.delivered_on > Commission.due_on)).label("late"),
            count(Commission.state == "cancelled").label("cancelled"),
            count(Commission.state == "ended").label("ended"),
            func.avg(Commission.rating).label("average"), func.count(Commission.rating).label("ratings"))
            .group_by(Commission.agency_id))}
    rows = []
    for agency in agencies:
        got = counted.get(agency.id)
        numbers = {k: int(getattr(got, k)) if got else 0
                   for k in ("commissions", "open", "overdue", "delivered", "late", "cancelled", "ended", "ratings")}
        average = getattr(got, "average", None) if got else None
        rows.append({"id": agency.id, "name": agency.name, "active": agency.active, "contact": agency.contact,
                     "suspended_reason": agency.suspended_reason, **numbers,
                     "average": round(float(average), 1) if average is not None else None})
    return rows
