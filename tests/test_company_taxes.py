"""二手房转移登记 with a company (单位) as seller or buyer: each side's taxes follow who it is
(rules/transfer_taxes.dmn). The reliefs for individuals (a family's first or second home, 满五唯一,
VAT after two years, the exemptions from 土地增值税 and 印花税 for a home) are not a company's; a
company seller pays no 个人所得税 but VAT on the difference, 土地增值税 and its half of 印花税; a
company buyer pays the province's 契税 rate and its half of 印花税. VAT (简易计税) is charged on a
price that includes it: base ÷ (1 + 5%) × 5%; the other taxes on the price without that VAT
(财税〔2016〕43号; 印花税法 第五条, the contract taken to state the VAT apart)."""
import re

import pytest

from engine import intake
from engine.errors import Invalid
from engine.rules import decide
from tests.procedures import open_tasks, take_in, work
from tests.test_api import auth
from tests.test_joint_parties import app, people  # noqa: F401 (the same fixtures)
from tests.test_real_estate import BUYER, FLAT, ITEM, _checks_pass
from tests.web import signed_in

SELLER_CO = {"name": "某某置业有限公司", "id_type": "uscc", "id_number": "91110000MA01PQRT1F"}
BUYER_CO = {"name": "某某科技有限公司", "kind": "company", "id_type": "uscc", "id_number": "91110000MA02KYJK3M",
            "phone": "13900000009"}
# Held six years, not the seller's only home, a first home of 90 m2 for the buyer: an individual
# seller would owe only 个人所得税 (VAT exempt after two years), an individual buyer 1% 契税.
HOME = {**FLAT, "property": {**FLAT["property"], "seller_only_home": False}}
SHOP = {**FLAT, "property": {**FLAT["property"], "type": "non_housing"}}
# The base of every tax but VAT: the price less the VAT (财税〔2016〕43号; 印花税法 第五条).
NET = "price_without_vat"


def _lines(seller, buyer, property_type="housing", **facts):
    inputs = {"propertyType": property_type, "holdingYears": 6, "sellerOnlyHome": False, "buyerHomeCount": 0,
              "areaM2": 90, "sellerKind": seller, "buyerKind": buyer, **facts}
    return [(line["tax"], line["rate"], line["base"], line["taxpayer"])
            for line in decide("transfer_taxes", inputs)]


@pytest.mark.parametrize("seller, buyer, property_type, expected", [
    ("person", "person", "housing", [("income_tax", 0.01, NET, "seller"), ("deed_tax", 0.01, NET, "buyer")]),
    ("company", "person", "housing", [("vat", 0.05, "difference", "seller"), ("land_vat", 0.03, NET, "seller"),
                                      ("stamp_duty", 0.0005, NET, "seller"), ("deed_tax", 0.01, NET, "buyer")]),
    ("person", "company", "housing", [("income_tax", 0.01, NET, "seller"), ("deed_tax", 0.03, NET, "buyer"),
                                      ("stamp_duty", 0.0005, NET, "buyer")]),
    ("company", "company", "housing", [("vat", 0.05, "difference", "seller"), ("land_vat", 0.03, NET, "seller"),
                                       ("stamp_duty", 0.0005, NET, "seller"), ("deed_tax", 0.03, NET, "buyer"),
                                       ("stamp_duty", 0.0005, NET, "buyer")]),
    # Not a home: no individual's exemption from 土地增值税 or 印花税 either.
    ("person", "person", "non_housing", [
        ("vat", 0.05, "difference", "seller"), ("income_tax", 0.01, NET, "seller"),
        ("land_vat", 0.05, NET, "seller"), ("stamp_duty", 0.0005, NET, "seller"),
        ("deed_tax", 0.03, NET, "buyer"), ("stamp_duty", 0.0005, NET, "buyer")]),
    ("company", "company", "non_housing", [
        ("vat", 0.05, "difference", "seller"), ("land_vat", 0.05, NET, "seller"),
        ("stamp_duty", 0.0005, NET, "seller"), ("deed_tax", 0.03, NET, "buyer"),
        ("stamp_duty", 0.0005, NET, "buyer")]),
])
def test_each_sides_taxes_follow_whether_it_is_a_person_or_a_company(people, seller, buyer, property_type,
                                                                    expected):
    assert _lines(seller, buyer, property_type) == expected


def test_vat_alone_is_divided_by_one_plus_its_rate_first(people):
    """The assessed price includes the VAT (销售额 = 含税销售额 ÷ (1 + 征收率)); no other tax's does."""
    for seller, property_type, years in [("person", "housing", 1), ("person", "non_housing", 6),
                                         ("company", "housing", 6), ("company", "non_housing", 6)]:
        lines = decide("transfer_taxes", propertyType=property_type, holdingYears=years, sellerOnlyHome=False,
                       buyerHomeCount=0, areaM2=90, sellerKind=seller, buyerKind="company")
        assert len(lines) > 2 and [line["tax"] for line in lines if line.get("inclusive")] == ["vat"]
        # Every other tax is on the price without the VAT (财税〔2016〕43号; 印花税法 第五条): the table says so.
        assert [line["tax"] for line in lines if line["base"] != NET] == ["vat"]


def test_no_individuals_relief_reaches_a_company(people):
    # 满五唯一 and the two-year VAT exemption: an individual's home owes nothing, a company's the same taxes.
    assert _lines("person", "person", holdingYears=6, sellerOnlyHome=True)[:-1] == []
    assert _lines("company", "person", holdingYears=6, sellerOnlyHome=True)[:-1] == \
        _lines("company", "person", holdingYears=1, sellerOnlyHome=False)[:-1]
    # A family's first or second home, by area: an individual buyer's 1%, 1.5%, 2%; a company's 3%.
    for count, area, rate in [(0, 90, 0.01), (0, 160, 0.015), (1, 160, 0.02), (2, 90, 0.03)]:
        assert _lines("person", "person", buyerHomeCount=count, areaM2=area)[-1] == ("deed_tax", rate, NET, "buyer")
        assert _lines("person", "company", buyerHomeCount=count, areaM2=area)[-2:] == [
            ("deed_tax", 0.03, NET, "buyer"), ("stamp_duty", 0.0005, NET, "buyer")]


def test_a_party_not_said_to_be_a_company_is_taxed_as_a_person(people):
    """A procedure that passes no kinds (one written before them) keeps the individuals' taxes."""
    assert _lines(None, None) == _lines("person", "person")


def _api(app, path: str) -> dict:
    """The answer, held to the OpenAPI document as every test's is (tests/conftest.py)."""
    answer = app.test_client().get(path, headers=auth("clerk"))
    assert answer.status_code == 200
    return answer.get_json()


def _told(app, case) -> tuple[list, float, list, list]:
    """The 缴款通知书 as the case's API gives it (its lines and total) and as the window prints it
    (its rows), and the assessed taxes in the case's data (GET /api/instances/{id})."""
    [notice] = [n for n in _api(app, f"/api/cases/{case.id}")["notices"] if n["kind"] == "payment"]
    printed = signed_in(app, "clerk").get(f"/intake/notices/{notice['id']}").text
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td class=\"amount\">(.*?)</td></tr>", printed)
    taxes = _api(app, f"/api/instances/{case.instance_id}")["data"]["taxes"]
    lines = [(line["name"], line["payer_role"], line["payer"], line["amount"]) for line in notice["data"]["lines"]]
    return lines, notice["data"]["total"], rows, taxes


def test_a_company_seller_pays_vat_on_the_difference_land_vat_and_stamp_duty_but_no_income_tax(people, app):
    case = take_in(ITEM, {**HOME, "seller": SELLER_CO}, people["clerk"], applicant=BUYER)
    _checks_pass(case, people)
    assessment = open_tasks(case.instance_id)["tax_assessment@tax"]
    assert assessment.title == "计税核定（增值税、土地增值税、印花税、契税）"
    # VAT is on the price less what the seller paid for it: without that price the step does not close,
    # on the page (which says what the field is for and keeps what was typed) as in the service.
    with pytest.raises(Invalid, match="增值税按差额计征：请填写卖方取得原价"):
        work(assessment, people["taxman"], {"assessed_price": 2_000_000})
    taxman = signed_in(app, "taxman")
    page = taxman.get(f"/inbox/tasks/{assessment.id}").text
    assert "卖方取得原价（元）" in page and "按差额计税的（单位卖方、个人出售非住房的增值税）必填" in page
    refused = taxman.post(f"/inbox/tasks/{assessment.id}/complete", data={"assessed_price": "2000000"})
    assert refused.status_code == 422 and "增值税按差额计征：请填写卖方取得原价" in refused.text
    assert 'value="2000000"' in refused.text
    # The reason is the procedure's own words, as its titles and form are: as written in English too.
    refused = taxman.post(f"/inbox/tasks/{assessment.id}/complete", data={"assessed_price": "2000000"},
                          query_string={"lang": "en"})
    assert refused.status_code == 422 and "增值税按差额计征：请填写卖方取得原价" in refused.text
    assert 'lang="en"' in refused.text
    assert set(open_tasks(case.instance_id)) == {"tax_assessment@tax"}
    assert "payment" not in [n["kind"] for n in intake.describe(case.id)["notices"]]
    work(assessment, people["taxman"], {"assessed_price": 2_000_000, "acquisition_price": 1_000_000})
    # VAT by the simplified method on a price that includes it: (2,000,000 - 1,000,000) ÷ 1.05 × 5%
    # = 47,619.047... = 47,619.05, not 5% of the difference (50,000). The others on the price without
    # that VAT, 2,000,000 - 47,619.05 = 1,952,380.95: 土地增值税 × 3% = 58,571.4285 = 58,571.43,
    # 印花税 × 0.05% = 976.190475 = 976.19, 契税 (a first home of 90 m2) × 1% = 19,523.8095 = 19,523.81.
    seller, buyer = ("卖方", "某某置业有限公司"), ("买方", "李四")
    lines, total, rows, taxes = _told(app, case)
    assert lines == [("增值税", *seller, 47619.05), ("土地增值税", *seller, 58571.43), ("印花税", *seller, 976.19),
                     ("契税", *buyer, 19523.81)]
    assert total == 126690.48  # 47,619.05 + 58,571.43 + 976.19 + 19,523.81
    assert rows == [("增值税", "卖方 某某置业有限公司", "47,619.05"), ("土地增值税", "卖方 某某置业有限公司", "58,571.43"),
                    ("印花税", "卖方 某某置业有限公司", "976.19"), ("契税", "买方 李四", "19,523.81")]
    assert [(t["tax"], t["rate"], t["base"], t.get("inclusive"), t["taxpayer"], t["amount"]) for t in taxes] == [
        ("vat", 0.05, "difference", True, "seller", 47619.05),
        ("land_vat", 0.03, "price_without_vat", False, "seller", 58571.43),
        ("stamp_duty", 0.0005, "price_without_vat", False, "seller", 976.19),
        ("deed_tax", 0.01, "price_without_vat", None, "buyer", 19523.81)]


def test_an_individual_selling_a_non_home_pays_vat_on_the_difference_too(people, app):
    """An individual who sells a non-home they acquired pays VAT on the price less what they paid for
    it (国家税务总局公告2016年第14号), as a company does, not on the whole price."""
    case = take_in(ITEM, SHOP, people["clerk"], applicant=BUYER)
    _checks_pass(case, people)
    assessment = open_tasks(case.instance_id)["tax_assessment@tax"]
    with pytest.raises(Invalid, match="增值税按差额计征：请填写卖方取得原价"):
        work(assessment, people["taxman"], {"assessed_price": 2_000_000})
    work(assessment, people["taxman"], {"assessed_price": 2_000_000, "acquisition_price": 1_500_000})
    # VAT: (2,000,000 - 1,500,000) ÷ 1.05 × 5% = 23,809.523... = 23,809.52. The others on the whole
    # price without it, not on the difference: 2,000,000 - 23,809.52 = 1,976,190.48; 个人所得税 1%
    # = 19,761.9048 = 19,761.90 (held six years, but 满五唯一 is a home's), 土地增值税 5% = 98,809.524
    # = 98,809.52, each side's 印花税 0.05% = 988.09524 = 988.10, 契税 3% (a non-home) = 59,285.7144
    # = 59,285.71.
    seller, buyer = ("卖方", "王五"), ("买方", "李四")
    lines, total, _, _ = _told(app, case)
    assert lines == [("增值税", *seller, 23809.52), ("个人所得税", *seller, 19761.9), ("土地增值税", *seller, 98809.52),
                     ("印花税", *seller, 988.1), ("契税", *buyer, 59285.71), ("印花税", *buyer, 988.1)]
    assert total == 203642.85  # 23,809.52 + 19,761.90 + 98,809.52 + 988.10 + 59,285.71 + 988.10


def test_a_company_buyer_pays_the_provinces_deed_tax_rate_and_its_stamp_duty(people, app):
    case = take_in(ITEM, HOME, people["clerk"], applicant=BUYER_CO)
    _checks_pass(case, people)
    work(open_tasks(case.instance_id)["tax_assessment@tax"], people["taxman"], {"assessed_price": 2_000_000})
    seller, buyer = ("卖方", "王五"), ("买方", "某某科技有限公司")
    lines, total, rows, taxes = _told(app, case)
    # A first home of 90 m2 would be 1% for a family: a company pays the province's 3%. Held six years,
    # the seller owes no VAT: the others are on the whole price, 2,000,000.
    assert lines == [("个人所得税", *seller, 20000.0), ("契税", *buyer, 60000.0), ("印花税", *buyer, 1000.0)]
    assert total == 81000.0
    assert rows == [("个人所得税", "卖方 王五", "20,000.00"), ("契税", "买方 某某科技有限公司", "60,000.00"),
                    ("印花税", "买方 某某科技有限公司", "1,000.00")]
    assert [(t["tax"], t["rate"], t["taxpayer"]) for t in taxes] == [
        ("income_tax", 0.01, "seller"), ("deed_tax", 0.03, "buyer"), ("stamp_duty", 0.0005, "buyer")]


def test_two_companies_each_pay_their_half_of_stamp_duty(people, app):
    case = take_in(ITEM, {**SHOP, "seller": SELLER_CO}, people["clerk"], applicant=BUYER_CO)
    _checks_pass(case, people)
    assessment = open_tasks(case.instance_id)["tax_assessment@tax"]
    assert assessment.title == "计税核定（增值税、土地增值税、印花税、契税）"  # each tax named once
    # Bought for more than it sells for: no VAT on a difference that is not there, so none to take
    # from the price the others are charged on (2,000,000 × 5%, × 0.05%, × 3%).
    work(assessment, people["taxman"], {"assessed_price": 2_000_000, "acquisition_price": 2_500_000})
    seller, buyer = ("卖方", "某某置业有限公司"), ("买方", "某某科技有限公司")
    lines, total, rows, taxes = _told(app, case)
    assert lines == [("增值税", *seller, 0.0), ("土地增值税", *seller, 100000.0), ("印花税", *seller, 1000.0),
                     ("契税", *buyer, 60000.0), ("印花税", *buyer, 1000.0)]
    assert total == 162000.0
    assert rows[-2:] == [("契税", "买方 某某科技有限公司", "60,000.00"), ("印花税", "买方 某某科技有限公司", "1,000.00")]
    assert [(t["name"], t["taxpayer"], t["payer_role"], t["payer"]) for t in taxes] == [
        ("增值税", "seller", *seller), ("土地增值税", "seller", *seller), ("印花税", "seller", *seller),
        ("契税", "buyer", *buyer), ("印花税", "buyer", *buyer)]
    [notice] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "payment"]
    printed = signed_in(app, "clerk").get(f"/intake/notices/{notice['id']}").text
    assert '<p id="addressee">卖方 某某置业有限公司、买方 某某科技有限公司：</p>' in printed  # handed to both companies
    work(open_tasks(case.instance_id)["tax_payment@tax"], people["taxman"], {"tax_paid": True, "receipt_no": "T9"})
    fee = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "payment"][-1]
    assert fee["data"]["lines"] == [{"name": "非住宅登记费", "amount": 550.0, "payer": "某某科技有限公司", "payer_role": "买方"}]


def test_a_case_keeps_the_tax_lines_it_was_accepted_with_even_moved_to_a_new_version(people, app):
    """The rules in force when a case was accepted decide its taxes: a table revised since (here the
    VAT of an individual's home at 3%) decides the cases accepted after it, and moving a case to a
    new version of the procedure does not work its tax lines out again."""
    from engine.services import deploy, migration
    from tests.procedures import ROOT
    held_one_year = {**FLAT, "property": {**FLAT["property"], "holding_years": 1}}
    before = take_in(ITEM, held_one_year, people["clerk"], applicant=BUYER)
    rules = (ROOT / "rules" / "transfer_taxes.dmn").read_text(encoding="utf-8")
    vat = '<outputEntry id="transfer_taxes_seller_r1_o2"><text>0.05</text></outputEntry>'
    assert vat in rules
    deploy.deploy([("transfer_taxes.dmn", rules.replace(vat, vat.replace("0.05", "0.03")).encode())],
                  people["designer"])
    procedure = (ROOT / "processes" / "real_estate_transfer.bpmn").read_text(encoding="utf-8")
    revised = procedure.replace('name="并行办理"', 'name="并行办理（交易核验、登记审查）"')
    assert revised != procedure
    deploy.deploy([("real_estate_transfer.bpmn", revised.encode())], people["designer"])
    old, new = [v.version for v in deploy.versions("real_estate_transfer")][-2:]
    moved = migration.migrate("real_estate_transfer", old, new, [before.instance_id], people["admin"])
    assert moved["moved"] == [before.instance_id]
    after = take_in(ITEM, held_one_year, people["clerk"], applicant=BUYER)
    for case in (before, after):
        _checks_pass(case, people)
        work(open_tasks(case.instance_id)["tax_assessment@tax"], people["taxman"], {"assessed_price": 2_000_000})
    # Accepted before: 2,000,000 ÷ 1.05 × 5% = 95,238.10. Accepted after: 2,000,000 ÷ 1.03 × 3% = 58,252.427... = 58,252.43.
    assert [_told(app, case)[0][0] for case in (before, after)] == [("增值税", "卖方", "王五", 95238.1),
                                                                   ("增值税", "卖方", "王五", 58252.43)]


def test_a_case_whose_lines_are_on_the_price_is_charged_on_the_whole_price(people, app):
    """Lines decided by a table from before the base price_without_vat (a case accepted then, its other
    taxes on base price) keep being charged on the price VAT included; a case accepted under this
    table is not."""
    from engine.services import deploy
    from tests.procedures import ROOT
    held_one_year = {**FLAT, "property": {**FLAT["property"], "holding_years": 1, "seller_only_home": False}}
    rules = (ROOT / "rules" / "transfer_taxes.dmn").read_text(encoding="utf-8")
    earlier = rules.replace('<text>"price_without_vat"</text>', '<text>"price"</text>')
    assert earlier != rules
    deploy.deploy([("transfer_taxes.dmn", earlier.encode())], people["designer"])
    before = take_in(ITEM, held_one_year, people["clerk"], applicant=BUYER)
    deploy.deploy([("transfer_taxes.dmn", rules.encode())], people["designer"])
    after = take_in(ITEM, held_one_year, people["clerk"], applicant=BUYER)
    for case in (before, after):
        _checks_pass(case, people)
        work(open_tasks(case.instance_id)["tax_assessment@tax"], people["taxman"], {"assessed_price": 2_000_000})
    # VAT 2,000,000 ÷ 1.05 × 5% = 95,238.10 for both. Before: 个人所得税 and 契税 2,000,000 × 1% = 20,000.
    # After: (2,000,000 - 95,238.10) × 1% = 19,047.619 = 19,047.62.
    assert [[line[3] for line in _told(app, case)[0]] for case in (before, after)] == [
        [95238.1, 20000.0, 20000.0], [95238.1, 19047.62, 19047.62]]
