"""English pages read as English: what joins a translated label to its value (a colon, brackets, a
list's commas) is part of the translation, so no Chinese punctuation stands between English words.
What people typed and the procedures' and items' own words stay as written: the checks take them
out first."""
import html
import re
from datetime import date, timedelta

from sqlalchemy import select

from engine import agencies, catalogue, clock, intake, operations, portal, timers
from engine.clock import extension, limits, pauses
from engine.services import calendars, users
from engine.services import tasks as task_service
from engine.store import session_scope
from engine.store.models import Task
from tests.procedures import open_tasks, step_clocks, take_in
from tests.test_agencies import CODE, OTHER, REPORT, applied
from tests.test_merged_assessments import ITEM
from tests.test_real_estate import BUYER, FLAT, ITEM as TRANSFER, _through_to_payment
from tests.test_web_agencies import app, people  # noqa: F401 (fixtures)
from tests.web import element, signed_in

CHINESE = re.compile("[：，（）。]")
COMPANY = dict(name="Acme Electronics", kind="company", id_type="uscc", id_number="91110000MA01ABCD2Q",
               phone="13900000000", password="company-pw")


def chinese_punctuation(fragment: str, *written: str) -> list[str]:
    """The bits of a page's text around Chinese punctuation, once what is shown as it was written
    is taken out."""
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
    for words in sorted(written, key=len, reverse=True):
        text = text.replace(words, "…")
    return [text[max(0, m.start() - 30):m.end() + 30] for m in CHINESE.finditer(text)]


def own_words(code: str, instance_id: int | None = None) -> list[str]:
    """What an item and its procedure write in their own words: the item's name, materials and
    fees, the steps' titles."""
    data = catalogue.get(code).data
    fees = [str(f.get(key, "")) for f in data.get("fees", []) for key in ("name", "unit", "basis")]
    with session_scope() as session:
        titles = session.scalars(select(Task.title).where(Task.instance_id == instance_id)).all()
    return [data["name"], *(m["name"] for m in data["materials"]), *fees, *filter(None, titles)]


def in_english(client, url: str) -> str:
    return client.get(url, query_string={"lang": "en"}).text


def signed_in_applicant(app, phone: str, password: str):
    me = app.test_client()
    assert me.post("/portal/login", data={"identifier": phone, "password": password}).status_code == 302
    return me


def test_a_case_reads_in_english_on_its_portal_timeline_and_in_its_history(app, people, monkeypatch):
    portal.register(**COMPANY)
    case = applied(people, applicant={k: v for k, v in COMPANY.items() if k != "password"})
    quake = agencies.register(people["admin"], name="Quake Lab", credit_code=CODE, contact="0931-1234567",
                              price_note="from 30,000 yuan", services={"seismic_safety": 10, "climate": 5})
    delivered = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    agencies.deliver(case.id, delivered.id, REPORT, applicant_id=case.applicant_id)
    agencies.rate(case.id, delivered.id, case.applicant_id, 4, "quick")
    cancelled = agencies.commission(case.id, quake.id, "climate", applicant_id=case.applicant_id)
    agencies.cancel(case.id, cancelled.id, "chose another", actor=people["clerk"])
    case = intake.accept(case.id, None, deemed=True)  # the climate study still to come (Art. 32)
    reviews = open_tasks(case.instance_id)
    review = {c.task_id: c.id for c in step_clocks(case.instance_id)}[reviews["department_review@quake"].id]
    pauses.pause(review, "expert_review", "expert panel", 5, people["r_quake"])
    pauses.resume(review, "passed", people["r_quake"], on=calendars.current().add_workdays(clock.today(), 2).date)
    case_clock = next(c for c in limits.clocks_of(case.instance_id) if c.task_id is None)
    extension.extend(case_clock.id, 15, "site visit", people["lead"], approval="county head, memo 7")
    operations.transfer(reviews["department_review@meteo"].id, people["r_meteo"], to_group="eco", reason="not ours")
    timers.tick(clock.end_of(clock.today()) + timedelta(days=40))  # late: yellow cards and orders
    timers.tick(clock.end_of(clock.today()) + timedelta(days=50))  # unanswered: second-level orders

    written = own_words(ITEM, case.instance_id)
    page = in_english(signed_in_applicant(app, COMPANY["phone"], COMPANY["password"]), f"/portal/cases/{case.number}")
    timeline = element(page, "timeline")
    assert "Expert review: expert panel (expected 5 working days)" in timeline
    assert "Extended by 15 working day(s): site visit" in timeline and "Quake Lab: chose another" in timeline
    assert "cancelled by staff on your behalf" in timeline
    assert chinese_punctuation(timeline, *written) == []
    # The commission cards: the report handed in, the rating in the 好差评's words with its comment, and
    # the agencies offered again for the cancelled kind, with their price.
    commissions = element(page, "commissions")
    assert "评价报告.pdf" in commissions and ": quick" in commissions and "Prices: from 30,000 yuan" in commissions
    assert chinese_punctuation(commissions, *written) == []
    window = in_english(signed_in(app, "clerk"), f"/intake/cases/{case.id}")
    history = element(window, "history")
    assert "→ eco: not ours" in history and "Second-level supervision: " in history
    assert chinese_punctuation(history, *written) == []
    staff = element(window, "commissions")
    assert "Cancelled: chose another" in staff and "评价报告.pdf" in staff
    assert chinese_punctuation(staff, *written) == []

    # The supervisors' watch over the marketplace: a commission past its date and each agency's record.
    late = agencies.commission(case.id, quake.id, "climate", applicant_id=case.applicant_id)
    monkeypatch.setattr(clock, "today", lambda: late.due_on + timedelta(days=3))
    watched = in_english(signed_in(app, "supervisor"), "/supervision/agencies")
    overdue, records = element(watched, "overdue-commissions"), element(watched, "agency-records")
    assert case.number in overdue and "Quake Lab" in records
    assert chinese_punctuation(overdue) == [] and chinese_punctuation(records) == []


def test_the_agency_market_and_a_guides_fees_read_in_english(app, people):
    agencies.register(people["admin"], name="Quake Lab", credit_code=CODE, services={"seismic_safety": 10})
    agencies.register(people["admin"], name="Energy Works", credit_code=OTHER, services={"energy": 4, "safety": 6})
    anyone = app.test_client()
    page = in_english(anyone, "/portal/agencies")
    market = page[page.index('id="agencies"'):page.index("</main>")]
    assert "Seismic safety assessment: 10 working day(s)" in market
    assert chinese_punctuation(market) == []
    guide = in_english(anyone, f"/portal/items/{TRANSFER}")
    fees = guide[guide.index("<h2>Fees</h2>"):]
    assert chinese_punctuation(fees[:fees.index("</ul>")], *own_words(TRANSFER)) == []
    services = element(in_english(anyone, f"/portal/items/{ITEM}"), "agency-services")  # 多评合一's reports
    assert "Seismic safety assessment" in services and chinese_punctuation(services) == []


def test_what_a_payment_asks_reads_in_english(app, people):
    held_one_year = {**FLAT, "property": {**FLAT["property"], "holding_years": 1}}  # the seller owes taxes too
    case = take_in(TRANSFER, held_one_year, people["clerk"], applicant=BUYER)
    payment = _through_to_payment(case, people)["tax_payment@tax"]
    portal.register(**BUYER, id_type="id_card", password="buyer-pw1", case_number=case.number)
    # The parties' names and the tax's name are as written; their roles are said in English.
    written = [*own_words(TRANSFER, case.instance_id), "增值税", "个人所得税", "契税", "李四", "王五"]
    page = in_english(signed_in_applicant(app, BUYER["phone"], "buyer-pw1"), f"/portal/cases/{case.number}")
    due = re.search(r'id="payment-due">.*?</ul>', page, re.S).group(0)
    # On the price without the VAT: (2,000,000 - 2,000,000 ÷ 1.05 × 5%) × 1% = 19,047.62.
    assert "契税 (buyer 李四): 19,047.62 yuan" in due
    assert "个人所得税 (seller 王五): 19,047.62 yuan" in due
    assert chinese_punctuation(due, *written) == [] and "买方" not in due and "卖方" not in due
    task_service.claim(payment.id, people["taxman"])
    taxman = signed_in(app, "taxman")
    asked = re.search(r'id="payment-asked">.*?</ul>', in_english(taxman, f"/inbox/tasks/{payment.id}"), re.S).group(0)
    assert "契税 (buyer 李四): 19,047.62 yuan" in asked
    assert chinese_punctuation(asked, *written) == []
    [notice] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "payment"]
    printed = in_english(taxman, f"/intake/notices/{notice['id']}")
    assert element(printed, "addressee") == '<p id="addressee">seller 王五, buyer 李四: </p>'
    assert re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td>", printed) == [
        ("增值税", "seller 王五"), ("个人所得税", "seller 王五"), ("契税", "buyer 李四")]
    assert chinese_punctuation(printed[printed.index('class="number"'):printed.index("</table>")], *written) == []


def test_provisional_dates_and_their_recount_read_in_english(app, people, monkeypatch):
    """A date counted into a year whose holidays are only estimated is said to be provisional, and
    why; once the year's notice is entered, the history says which date moved, from what to what."""
    from tests.test_portal_review_correction import AIR, ITEM as REVIEWED, WATER, in_review_correction
    from tests.test_year_end import ASSUMED_2027, ESTIMATE, NOTICE
    with session_scope() as session:
        users.ensure_department(session, "eco", "生态环境局")
        users.ensure_department(session, "water", "水务局")
    monkeypatch.setattr(clock, "today", lambda: date(2027, 1, 27))
    case = in_review_correction(people, portal.register(**COMPANY))
    written = [*own_words(REVIEWED, case.instance_id), AIR, WATER, "材料不全，需补正"]
    me = signed_in_applicant(app, COMPANY["phone"], COMPANY["password"])
    page = in_english(me, f"/portal/cases/{case.number}")
    assert "(provisional)" in element(page, "review-due")
    assert chinese_punctuation(element(page, "provisional-note")) == []
    assert chinese_punctuation(element(page, "review-due")) == []

    calendars.import_notice(ASSUMED_2027, people["admin"])
    history = element(in_english(signed_in(app, "clerk"), f"/intake/cases/{case.id}"), "history")
    printed, moved = (calendar.add_workdays(date(2027, 1, 27), 10).date for calendar in (ESTIMATE, NOTICE))
    assert f"Date for the corrections: {printed} → {moved} (extended with the working-day calendar)" in history
    assert "(settled by the State Council's holiday notice)" in history  # a clock recounted on the notice
    assert chinese_punctuation(history, *written) == []


def test_a_guides_kind_case_type_and_service_objects_read_in_english(app, people):
    page = in_english(app.test_client(), f"/portal/items/{TRANSFER}")
    facts = html.unescape(re.sub(r"<[^>]+>", " ", page[page.index('class="facts"'):page.index("</dl>")]))
    said = dict(line.strip().split("  ", 1) for line in facts.splitlines() if "  " in line.strip())
    assert (said["Item type"], said["Case type"], said["Served"]) == (
        "Confirmation", "Promised case", "Individual, Enterprise legal person")


def test_how_a_material_is_handed_in_reads_in_the_pages_language(app, people):
    anyone = app.test_client()
    chinese, english = (html.unescape(re.sub(r"<[^>]+>", " ", client_page)) for client_page in (
        anyone.get(f"/portal/items/{TRANSFER}").text, in_english(anyone, f"/portal/items/{TRANSFER}")))
    assert "原件1份（纸质）" in chinese and "原件2份（纸质或电子）" in chinese and "原件和复印件各1份" in chinese
    assert "Original: 1 (paper)" in english and "Original and copy, each: 1 (paper or electronic)" in english
    window = element(signed_in(app, people["clerk"].login).get(f"/intake/new/{TRANSFER}").text, "checklist")
    assert "原件1份（纸质）" in window and "复印件" not in window.replace("原件和复印件各", "")


def test_a_guide_says_how_its_case_is_handled(app, people):
    """办理流程 and 特别程序, from the item's own facts (GB/T 39046 表4's guide elements)."""
    anyone = app.test_client()

    def flow(code, english=False):
        page = in_english(anyone, f"/portal/items/{code}") if english else anyone.get(f"/portal/items/{code}").text
        return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", li)).split())
                for li in re.findall(r"<li>(.*?)</li>", element(page, "flow"), re.S)], page
    steps, page = flow(ITEM)  # 多评合一: a 联办件, a licence
    assert len(steps) == 5 and "牵头，相关部门并联审查" in steps[2] and "15 个工作日内作出决定" in steps[3]
    assert "听证、招标、拍卖" in element(page, "special-procedures")
    steps, page = flow("1104-NRES-004")  # records query: 即办件, a public service
    assert len(steps) == 3 and steps[1].startswith("受理并当场办结") and 'id="special-procedures"' not in page
    steps, page = flow("1106-NRES-006")  # forest land: 上报件
    assert "初审后报上级机关决定" in steps[2]
    steps, page = flow(TRANSFER, english=True)  # a confirmation: no Art. 45 list
    assert steps[-1] == "Delivery: the result within 1 working day(s) of the decision (collected at the window, by post or electronically)."
    assert "site survey" in element(page, "special-procedures") and chinese_punctuation(element(page, "flow")) == []
