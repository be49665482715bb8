"""The public 中介超市 page on a phone: no sign-in, filtered by kind, nothing wider than the screen."""
from engine import agencies
from tests.test_agencies import CODE, OTHER


def test_the_marketplace_reads_on_a_phone_without_signing_in(org, live_server, new_page):
    agencies.register(org["admin"], name="甘肃华测环境安全评价技术服务有限责任公司", credit_code=CODE,
                      services={"seismic_safety": 10, "environmental_impact": 20}, price_note="按工程规模议价，详询")
    agencies.register(org["admin"], name="乙节能公司", credit_code=OTHER, services={"energy": 4})
    page = new_page(390, 844)
    page.goto(f"{live_server}/portal/agencies")
    assert page.locator("#agencies > li").count() == 2
    page.select_option("#agency-filter select[name=kind]", "seismic_safety")
    page.click("#agency-filter button[type=submit]")
    page.wait_for_url(f"{live_server}/portal/agencies?kind=seismic_safety")
    card = page.locator("#agencies > li")
    assert card.count() == 1
    assert "地震安全性评价：10 个工作日" in card.inner_text() and "暂无评价" in card.inner_text()
    assert "环境影响评价" not in card.inner_text()  # only the kind asked for
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
