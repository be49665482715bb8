"""FEEL expressions and unary tests, decision table hit policies, and hostile DMN files."""
from decimal import Context, Decimal, localcontext
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.dmn import DmnEvaluationError, DmnParseError, NoMatchingRule, RuleOverlap, load_dmn
from engine.dmn.errors import FeelError, FeelSyntaxError
from engine.dmn.feel import evaluate, matches

D = Decimal


@pytest.mark.parametrize("text, variables, expected", [
    ("1 + 2 * 3", {}, D(7)),
    ("2 ** 3 ** 2", {}, D(64)),  # ** is left-associative
    ("-2 ** 2", {}, D(4)),  # unary minus binds tighter than **
    ("1 / 3", {}, D("0." + "3" * 34)),  # decimal128: 34 significant digits
    ("0.1 + 0.2", {}, D("0.3")),  # decimal, not binary floating point
    ("10 / 0", {}, None),
    ("1 + null", {}, None),
    ('"a" + 1', {}, None),
    ('"申请" + "人"', {}, "申请人"),
    ('"say \\"hi\\"\\u0021"', {}, 'say "hi"!'),
    ("Monthly Salary * 12", {"Monthly Salary": 1000}, D(12000)),
    ("申请人年龄 >= 18", {"申请人年龄": 20}, True),
    ("loan.amount / loan.term", {"loan": {"amount": 1200, "term": 12}}, D(100)),
    ("loan.missing", {"loan": {}}, None),
    ("items.price", {"items": [{"price": 1}, {"price": 2}]}, [D(1), D(2)]),
    ("{a: 1, b: a + 1}.b", {}, D(2)),
    ("[1, 2] = [1, 2]", {}, True),
    ("1 = \"1\"", {}, None),
    ("null = null", {}, True),
    ("null != 1", {}, True),
    ("1 < null", {}, None),
    ('"abc" < "abd"', {}, True),
    ("true < false", {}, None),
    ("x between 1 and 10", {"x": 10}, True),
    ("x in [1..10)", {"x": 10}, False),
    ("x in (1, 2, 3)", {"x": 2}, True),
    ('if age >= 18 then "adult" else "minor"', {"age": 17}, "minor"),
    ("if null then 1 else 2", {}, D(2)),
    ("x = 1.5", {"x": 1.5}, True),  # floats from callers become the decimal they print as
])
def test_expressions(text, variables, expected):
    assert evaluate(text, variables) == expected
    assert type(evaluate(text, variables)) is type(expected)


@pytest.mark.parametrize("a", [True, False, None])
@pytest.mark.parametrize("b", [True, False, None])
def test_three_valued_logic(a, b):
    truth = {True: 1, None: 0.5, False: 0}
    back = {1: True, 0.5: None, 0: False}
    variables = {"a": a, "b": b}
    assert evaluate("a and b", variables) is back[min(truth[a], truth[b])]
    assert evaluate("a or b", variables) is back[max(truth[a], truth[b])]
    assert evaluate("not(a)", variables) is back[1 - truth[a]]


def test_non_booleans_count_as_null_in_logic():
    assert evaluate('1 and true') is None
    assert evaluate('"yes" or false') is None
    assert evaluate('not(1)') is None


@pytest.mark.parametrize("text, expected", [
    ('string length("横綱")', D(2)),
    ('substring("foobar", 3)', "obar"),
    ('substring("foobar", -2, 1)', "a"),
    ('substring("foobar", 0)', None),
    ('upper case("abc")', "ABC"),
    ('starts with("foobar", "foo")', True),
    ("abs(-3)", D(3)),
    ("floor(-1.5)", D(-2)),
    ("ceiling(1.2)", D(2)),
    ("decimal(2.345, 2)", D("2.34")),  # half-even
    ("modulo(-12, 5)", D(3)),
    ("modulo(1, 0)", None),
    ("sum([1, 2, 3])", D(6)),
    ("sum(1, 2, 3)", D(6)),
    ("sum([])", None),
    ("count([])", D(0)),
    ("mean([1, 2])", D("1.5")),
    ('min(["b", "a"])', "a"),
    ('max([1, "a"])', None),
    ("list contains([1, 2], 2)", True),
    ("list contains([1], true)", False),
    ("concatenate([1], [], [2, 3])", [D(1), D(2), D(3)]),
    ("concatenate([1], 2)", None),
    ('upper case(1)', None),
])
def test_builtins(text, expected):
    assert evaluate(text) == expected


@pytest.mark.parametrize("tests, value, expected", [
    ("-", None, True),
    ("-", "anything", True),
    (">= 18", D(18), True),
    ("< 18", D(18), False),
    ("< 18", None, False),
    ("[1..10]", D(10), True),
    ("[1..10)", D(10), False),
    ("]1..10]", D(1), False),
    ("(1..10]", D(1), False),
    ("[1..10]", "5", False),
    ('"Medium", "Low"', "Low", True),
    ('"Medium", "Low"', "High", False),
    ('not("Medium", "Low")', "High", True),
    ('not("Medium", "Low")', "Low", False),
    ("not(< 5)", None, False),  # not(null) is null, which does not match
    ("true", False, False),
    ("false", False, True),
    ("null", None, True),
    ("null", D(0), False),
    ("? > 3 and ? < 5", D(4), True),
    ("[1, 2, 3]", D(2), True),
    ("limit", D(7), True),
    ("< limit * 2", D(13), True),
    ("", D(1), True),  # an empty cell means "-"
])
def test_unary_tests(tests, value, expected):
    assert matches(tests, value, {"limit": 7}) is expected


@given(st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-1000, max_value=1000),
       st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-1000, max_value=1000),
       st.booleans(), st.booleans())
def test_intervals_agree_with_comparisons(value, low, low_closed, high_closed):
    high = low + 10
    text = f"{'[' if low_closed else '('}{low}..{high}{']' if high_closed else ')'}"
    inside = (low <= value if low_closed else low < value) and (value <= high if high_closed else value < high)
    assert matches(text, value) is inside


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**6, max_value=10**6),
       st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**6, max_value=10**6))
def test_arithmetic_is_decimal_arithmetic(a, b):
    variables = {"a": a, "b": b}
    with localcontext(Context(prec=34)):
        assert evaluate("a + b", variables) == a + b
        assert evaluate("a * b", variables) == a * b


@pytest.mark.parametrize("text", ["1 +", "(1", '"open', "a ? b", "if 1 then 2", "f(a: 1, 2)", "1 2 3"])
def test_syntax_errors(text):
    with pytest.raises(FeelSyntaxError):
        evaluate(text, {"a": 1, "f": 1})


def test_unknown_name_is_an_error_not_null():
    with pytest.raises(FeelError, match="Monthly Salry"):
        evaluate("Monthly Salry * 12", {"Monthly Salary": 1})


# Decision tables ---------------------------------------------------------------------------------

NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"


def table_model(hit_policy: str, rules: list[tuple[str, ...]], outputs=(("Fee", '"low","high"', None),),
                aggregation: str | None = None) -> bytes:
    """A model whose decision 'Fee' (id d_fee) is a table over input data 'Area' with the given rules."""
    output_xml = "".join(
        f'<output name="{name}">'
        + (f"<outputValues><text>{values}</text></outputValues>" if values else "")
        + (f"<defaultOutputEntry><text>{default}</text></defaultOutputEntry>" if default else "")
        + "</output>" for name, values, default in outputs)
    rules_xml = "".join(
        f'<rule id="r{i}"><inputEntry><text>{escape(test)}</text></inputEntry>'
        + "".join(f"<outputEntry><text>{escape(out)}</text></outputEntry>" for out in outs) + "</rule>"
        for i, (test, *outs) in enumerate(rules, 1))
    agg = f' aggregation="{aggregation}"' if aggregation else ""
    return f"""<definitions xmlns="{NS}" name="fees" namespace="urn:shenpi:test" id="defs">
      <inputData id="i_area" name="Area"/>
      <decision id="d_fee" name="Fee">
        <informationRequirement><requiredInput href="#i_area"/></informationRequirement>
        <decisionTable id="t_fee" hitPolicy="{hit_policy}"{agg}>
          <input id="in_area"><inputExpression><text>Area</text></inputExpression></input>
          {output_xml}{rules_xml}
        </decisionTable>
      </decision>
    </definitions>""".encode()


RULES = [("< 100", '"low"'), (">= 50", '"high"'), (">= 500", '"low"')]


@pytest.mark.parametrize("policy, area, expected", [
    ("FIRST", 60, "low"),
    ("FIRST", 600, "high"),
    ("PRIORITY", 60, "low"),  # "low" precedes "high" in the output values
    ("PRIORITY", 200, "high"),
    ("RULE ORDER", 600, ["high", "low"]),
    ("OUTPUT ORDER", 600, ["low", "high"]),
    ("COLLECT", 60, ["low", "high"]),
    ("RULE ORDER", -1, ["low"]),
])
def test_hit_policies(policy, area, expected):
    assert load_dmn(table_model(policy, RULES)).evaluate("Fee", {"Area": area}) == expected


@pytest.mark.parametrize("aggregation, expected", [("SUM", D(111)), ("MIN", D(1)), ("MAX", D(100)), ("COUNT", D(3))])
def test_collect_aggregations(aggregation, expected):
    rules = [("> 0", "1"), ("> 1", "10"), ("> 2", "100"), ("> 3", "1000")]
    model = load_dmn(table_model("COLLECT", rules, outputs=(("Fee", None, None),), aggregation=aggregation))
    assert model.evaluate("Fee", {"Area": 3}) == expected


def test_collect_with_no_hits():
    rules = [("> 10", "1")]
    assert load_dmn(table_model("COLLECT", rules, (("Fee", None, None),), "COUNT")).evaluate("Fee", {"Area": 1}) == 0
    assert load_dmn(table_model("COLLECT", rules, (("Fee", None, None),), "SUM")).evaluate("Fee", {"Area": 1}) is None
    assert load_dmn(table_model("COLLECT", rules, (("Fee", None, None),))).evaluate("Fee", {"Area": 1}) == []


def test_unique_overlap_is_always_an_error():
    model = load_dmn(table_model("UNIQUE", RULES), filename="fees.dmn")
    assert model.evaluate("Fee", {"Area": 10}) == "low"
    with pytest.raises(RuleOverlap) as raised:
        model.evaluate("Fee", {"Area": 60})
    assert (raised.value.element_id, raised.value.filename) == ("d_fee", "fees.dmn")
    assert "r1, r2" in str(raised.value)


def test_any_allows_overlap_only_with_equal_outputs():
    model = load_dmn(table_model("ANY", [("> 0", '"low"'), ("> 5", '"low"'), ("> 10", '"high"')]))
    assert model.evaluate("d_fee", {"Area": 7}) == "low"
    with pytest.raises(RuleOverlap):
        model.evaluate("d_fee", {"Area": 11})


@pytest.mark.parametrize("policy", ["UNIQUE", "ANY", "PRIORITY", "FIRST"])
def test_no_matching_rule_is_null_unless_strict(policy):
    model = load_dmn(table_model(policy, [("> 1000", '"high"')]), filename="fees.dmn")
    assert model.evaluate("Fee", {"Area": 1}) is None
    with pytest.raises(NoMatchingRule) as raised:
        model.evaluate("Fee", {"Area": 1}, strict=True)
    assert (raised.value.element_id, raised.value.filename) == ("d_fee", "fees.dmn")


def test_default_output_answers_when_no_rule_matches_even_in_strict_mode():
    outputs = (("Fee", None, '"standard"'), ("Rate", None, None))
    model = load_dmn(table_model("UNIQUE", [("> 1000", '"high"', "2")], outputs))
    assert model.evaluate("Fee", {"Area": 1}, strict=True) == {"Fee": "standard", "Rate": None}
    assert model.evaluate("Fee", {"Area": 2000}, strict=True) == {"Fee": "high", "Rate": D(2)}


def test_bkm_invocation_with_named_arguments_and_decision_chain():
    model = load_dmn(f"""<definitions xmlns="{NS}" name="m" namespace="urn:m">
      <inputData id="i_x" name="Base Amount"/>
      <businessKnowledgeModel id="b_scale" name="scale">
        <encapsulatedLogic>
          <formalParameter name="amount"/><formalParameter name="factor"/>
          <literalExpression><text>amount * factor</text></literalExpression>
        </encapsulatedLogic>
      </businessKnowledgeModel>
      <decision id="d_double" name="Doubled">
        <informationRequirement><requiredInput href="#i_x"/></informationRequirement>
        <knowledgeRequirement><requiredKnowledge href="#b_scale"/></knowledgeRequirement>
        <literalExpression><text>scale(factor: 2, amount: Base Amount)</text></literalExpression>
      </decision>
      <decision id="d_plus" name="Plus One">
        <informationRequirement><requiredDecision href="#d_double"/></informationRequirement>
        <literalExpression><text>Doubled + 1</text></literalExpression>
      </decision>
    </definitions>""")
    assert model.evaluate("Plus One", {"Base Amount": 20}) == 41
    assert model.find("d_plus").name == "Plus One"


def test_a_decision_sees_only_what_it_requires():
    model = load_dmn(f"""<definitions xmlns="{NS}" name="m" namespace="urn:m">
      <inputData id="i_x" name="x"/>
      <decision id="d" name="d"><literalExpression><text>x + 1</text></literalExpression></decision>
    </definitions>""", filename="m.dmn")
    with pytest.raises(DmnEvaluationError) as raised:
        model.evaluate("d", {"x": 1})
    assert (raised.value.element_id, raised.value.filename) == ("d", "m.dmn")


def test_inputs_are_checked_against_allowed_values():
    model = load_dmn(f"""<definitions xmlns="{NS}" name="m" namespace="urn:m">
      <itemDefinition name="tStatus"><typeRef>string</typeRef>
        <allowedValues><text>"EMPLOYED","STUDENT"</text></allowedValues></itemDefinition>
      <inputData id="i_s" name="Status"><variable name="Status" typeRef="tStatus"/></inputData>
      <decision id="d" name="d">
        <informationRequirement><requiredInput href="#i_s"/></informationRequirement>
        <literalExpression><text>"You are " + Status</text></literalExpression>
      </decision>
    </definitions>""")
    assert model.evaluate("d", {"Status": "STUDENT"}) == "You are STUDENT"
    for wrong in ("RETIRED", 5):
        with pytest.raises(DmnEvaluationError, match="i_s"):
            model.evaluate("d", {"Status": wrong})


# Refused files -----------------------------------------------------------------------------------

ENTITY_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE definitions [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" name="&d;" namespace="urn:x"/>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE definitions [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" name="x" namespace="urn:x">
  <decision id="d" name="d"><literalExpression><text>"&secret;"</text></literalExpression></decision>
</definitions>"""


@pytest.mark.parametrize("data", [ENTITY_BOMB, XXE], ids=["entity-bomb", "xxe"])
def test_hostile_xml_is_refused(data):
    with pytest.raises(DmnParseError, match="DOCTYPE") as raised:
        load_dmn(data, filename="evil.dmn")
    assert raised.value.filename == "evil.dmn"
    assert "root:" not in str(raised.value)


@pytest.mark.parametrize("body, element_id, message", [
    ('<decision id="d1" name="d"><literalExpression><text>1 +</text></literalExpression></decision>',
     "d1", "invalid FEEL"),
    ('<decision id="d1" name="d"><decisionTable id="t" hitPolicy="SOMETIMES"><output/></decisionTable></decision>',
     "t", "hit policy"),
    ('<decision id="d1" name="d"><decisionTable id="t">'
     '<input label="年龄"><inputExpression><text>1</text></inputExpression></input><output/>'
     '<rule id="r0"><inputEntry><text>1</text></inputEntry><outputEntry><text>1</text></outputEntry></rule>'
     '<rule id="r9"><inputEntry id="e9"><text>[1..</text></inputEntry><outputEntry><text>1</text></outputEntry></rule>'
     "</decisionTable></decision>", "e9", "^row 2, 年龄: invalid FEEL"),  # as the editor numbers rows
    ('<inputData id="x" name="Age"/><decision id="d1" name="Age"><literalExpression><text>1</text>'
     "</literalExpression></decision>", None, "duplicate names"),
    ('<decision id="d1" name="d"><informationRequirement><requiredDecision href="#d2"/></informationRequirement>'
     "<literalExpression><text>1</text></literalExpression></decision>"
     '<decision id="d2" name="e"><informationRequirement><requiredDecision href="#d1"/></informationRequirement>'
     "<literalExpression><text>1</text></literalExpression></decision>", "d1", "cycle"),
    ('<decision id="d1" name="d"><variable name="d" typeRef="tNowhere"/>'
     "<literalExpression><text>1</text></literalExpression></decision>", "d1", "unknown type"),
    ('<decision id="d1" name="d"><context/></decision>', "d1", "only literal expressions"),
    ('<decision id="d1" name="d"><literalExpression id="deep"><text>' + "(" * 50000 + "1" + ")" * 50000
     + "</text></literalExpression></decision>", "deep", "nested too deeply"),
])
def test_invalid_models_name_file_and_element(body, element_id, message):
    with pytest.raises(DmnParseError, match=message) as raised:
        load_dmn(f'<definitions xmlns="{NS}" name="m" namespace="urn:m">{body}</definitions>', filename="bad.dmn")
    assert (raised.value.element_id, raised.value.filename) == (element_id, "bad.dmn")


def test_non_dmn_xml_is_refused():
    with pytest.raises(DmnParseError, match="not DMN"):
        load_dmn(b"<definitions xmlns='http://www.omg.org/spec/BPMN/20100524/MODEL'/>")
