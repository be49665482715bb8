"""Hostile and malformed input is refused with a clear error and nothing is stored."""
import json
import tracemalloc

import pytest

from engine import expressions
from engine.errors import EngineFailure, Invalid
from engine.expressions import interpreter
from engine.services import cases, deploy
from tests.bpmn_builder import approval, process

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">&xxe;</bpmn:definitions>"""
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">&lol3;</bpmn:definitions>"""
IMPORT = process("evil", [("start", "s", "s"), ("xor", "g", "g", {"default": "e"}), ("end", "e", "e"),
                          ("end", "e2", "e2")],
                 [("s", "g"), ("g", "e2", "__import__('os').system('touch /tmp/pwned')"), ("g", "e")])
FOREVER = process("forever", [("start", "s", "s"), ("script", "spin", "spin", {"script": "while True:\n    pass"}),
                              ("end", "e", "e")], [("s", "spin"), ("spin", "e")])
HEAVY = process("heavy", [("start", "s", "s"),
                          ("script", "spin", "spin", {"script": "for i in range(99999):\n    for j in range(99999):\n        x = i"}),
                          ("end", "e", "e")], [("s", "spin"), ("spin", "e")])
DMN_NOT_BPMN = b'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="x" name="x"/>'


@pytest.mark.parametrize("name,content,needle", [
    ("xxe.bpmn", XXE, "DOCTYPE"),
    ("bomb.bpmn", BOMB, "DOCTYPE"),
    ("import.bpmn", IMPORT.encode(), "_"),
    ("forever.bpmn", FOREVER.encode(), "While"),
    ("broken.bpmn", b"<bpmn:definitions xmlns:bpmn='x'><unclosed>", "well-formed"),
    ("other.bpmn", DMN_NOT_BPMN, "not a BPMN 2.0 definitions document"),
    ("empty.bpmn", b"", "empty"),
], ids=["xxe", "entity-bomb", "import", "while-loop", "malformed", "not-bpmn", "empty"])
def test_refused_with_a_clear_error_and_nothing_stored(org, name, content, needle):
    with pytest.raises(Invalid) as err:
        deploy.deploy([(name, content)], org["designer"])
    [said] = [d for d in err.value.details if d["file"] == name and needle in d["message"]]
    assert name not in str(said["message"])  # the file is named once, by the problem, not again in its text
    assert deploy.latest_definitions() == []


def test_a_gateway_no_flow_leaves_is_refused_with_its_id(org):
    dead = process("dead", [("start", "s", "s"), ("and", "split", "分"), ("end", "e", "e")],
                   [("s", "split")])
    with pytest.raises(Invalid) as err:
        deploy.deploy([("dead.bpmn", dead.encode())], org["designer"])
    assert any(d["element_id"] == "split" and "no outgoing sequence flow" in d["message"] for d in err.value.details)


def test_one_bad_file_stores_nothing_of_the_good_ones(org):
    form = ("intake.json", json.dumps({"type": "object"}).encode())
    with pytest.raises(Invalid):
        deploy.deploy([("good.bpmn", approval().encode()), form, ("bad.bpmn", XXE)], org["designer"])
    assert deploy.latest_definitions() == []


def test_a_script_that_runs_too_long_is_stopped(org):
    with pytest.raises(Invalid) as err:  # the dry start at deploy time already stops it
        deploy.deploy([("heavy.bpmn", HEAVY.encode())], org["designer"])
    assert any("too long" in d["message"] for d in err.value.details)


def test_bad_json_form_and_unknown_file_kind(org):
    with pytest.raises(Invalid) as err:
        deploy.deploy([("approval.bpmn", approval().encode()), ("intake.json", b"{not json"),
                       ("notes.txt", b"hello")], org["designer"])
    files = {d["file"] for d in err.value.details}
    assert {"intake.json", "notes.txt"} <= files


def test_a_form_nested_too_deeply_is_refused_as_a_problem_of_its_file(org):
    with pytest.raises(Invalid) as err:
        deploy.deploy([("approval.bpmn", approval().encode()), ("deep.json", b"[" * 100000)], org["designer"])
    assert any(d["file"] == "deep.json" and "nested too deeply" in d["message"] for d in err.value.details)


def test_runtime_expression_failure_is_an_incident(org):
    proc = process("needs", [("start", "s", "s"), ("script", "calc", "calc", {"script": "y = x / divisor"}),
                             ("user", "u", "u"), ("end", "e", "e")], [("s", "calc"), ("calc", "u"), ("u", "e")])
    deploy.deploy([("needs.bpmn", proc.encode())], org["designer"])
    with pytest.raises(EngineFailure):
        cases.start_instance("needs", org["clerk"], data={"x": 1, "divisor": 0})


SHARED = "big = ['a' * 99999] * 200\n"  # 200 references to one string: small until printed
MB = 1024 * 1024


@pytest.mark.parametrize("script, refusal, peak_mb", [
    ("x = [0] * 100000\nfor i in range(4):\n    x.extend(x)", "too large", 8),
    ("s = 'a' * 100000\nt = s.replace('a', 'b' * 200)", "too large", 8),
    ("t = ','.join(['a' * 99999] * 200)", "too large", 8),
    ("s = 'a' * 99999\nd = {i: s for i in range(200)}\nt = ','.join(d.values())", "too large", 8),
    ("t = '%020000000d' % 1", "too large", 8),
    ("t = '%.20000000f' % 1.5", "too large", 8),
    ("t = '%0" + "9" * 5000 + "d' % 1", "too large", 8),
    ("b = 'a' * 99999\nt = f'" + "{b}" * 200 + "'", "too large", 8),
    (SHARED + "t = str(big)", "too large", 8),
    (SHARED + "t = f'{big}'", "too large", 8),
    (SHARED + "t = '%s' % ({'k': big},)", "too large", 8),
    ("t = b'a' * 20000000", "bytes are not allowed", 8),
    ("big = list(range(99999))\ncopies = [list(big) for i in range(300)]", "builds too much", 120),
    # Slices, a comprehension's results and a list grown in place are new values too.
    ("a = 'x' * 99999\nkept = []\nfor i in range(3000):\n    kept.append(a[1:])", "builds too much", 40),
    ("a = 'x' * 99999\nkept = [a[1:] for i in range(3000)]", "builds too much", 40),
    ("a = [0] * 99999\nkept = []\nfor i in range(300):\n    b = []\n    b.extend(a)\n    kept.append(b)",
     "builds too much", 120),
], ids=["extend-in-place", "replace", "join", "join-dict-values", "format-width", "format-precision",
        "format-width-digits", "f-string", "str-of-shared-parts", "f-string-of-list", "format-of-dict", "bytes",
        "copies-in-a-loop", "slices-in-a-loop", "slices-in-a-comprehension", "lists-grown-in-place"])
def test_a_script_cannot_build_a_value_beyond_the_size_limit(script, refusal, peak_mb):
    """Refused before the value is built: building it first would take gigabytes with a bigger
    number, in the server that runs the step."""
    tracemalloc.start()
    try:
        with pytest.raises(expressions.ExpressionError, match=refusal):
            interpreter.execute(script, {})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < peak_mb * MB


@pytest.mark.parametrize("script, refusal", [
    # Adding lists one by one inside sum() takes time growing with the square of their count.
    ("x = [[1]] * 50000\ny = sum(x, [])", "sum adds numbers"),
    # A helper handed to another runs under the same limits: str of a big list is refused.
    ("x = [list(range(20000))] * 50\ny = sorted(x, key=str)", "too large"),
    # 65,536 references to one big list: comparing it walks 3 billion elements in native code.
    ("big = list(range(50000))\nx = [big, big]\nfor i in range(15):\n    x = x + x\n"
     "y = x[:-1] + [list(range(50000))]\nsame = x == y", "too large to compare"),
    ("big = list(range(50000))\nx = [big, big]\nfor i in range(15):\n    x = x + x\nn = x.count([1])",
     "too large to compare"),
    # Each comparison walks a big list: counted as steps, the loop stops as a slow loop does.
    ("L = []\nfor j in range(10):\n    L.append(list(range(100000)))\nn = 0\nfor i in range(100000):\n"
     "    if 1 in L:\n        n += 1", "ran too long"),
    # A tuple of tuples sharing one big tuple: hashing it as a key walks billions of elements.
    ("big = tuple(range(100000))\nt1 = tuple([big for i in range(100)])\nt2 = tuple([t1 for i in range(100)])\n"
     "x = {}.get(t2)", "too large to compare"),
    ("big = tuple(range(100000))\nt1 = tuple([big for i in range(100)])\nt2 = tuple([t1 for i in range(100)])\n"
     "s = {t2}", "too large to compare"),
], ids=["sum-of-lists", "sorted-key-str", "compare-shared", "count-shared", "compare-in-a-loop", "hash-by-get",
        "hash-in-a-set"])
def test_native_work_on_values_is_bounded(script, refusal):
    """What helpers and comparisons do in native code, out of the step count's reach, is refused
    before it starts when it would take long."""
    with pytest.raises(expressions.ExpressionError, match=refusal):
        interpreter.execute(script, {})


def test_ordinary_formatting_and_loops_still_work():
    data = {}
    interpreter.execute("s = 'x' * 20000\nt = '%s-%05d-%.2f' % ('a', 7, 1.5) + '%(n)s' % {'n': 'x'}\n"
                        "u = f'{s}!' + str(s)\nacc = []\nfor i in range(3000):\n    acc = acc + [i]\n"
                        "v = str([1, 'a', {'k': None}])", data)
    assert data["t"] == "a-00007-1.50x" and len(data["u"]) == 40001 and len(data["acc"]) == 3000
    assert data["v"] == "[1, 'a', {'k': None}]"
    # Printing many short values is measured by what they print, not refused by a rough guess.
    interpreter.execute("names = ['张三%d' % i for i in range(2000)]\nt = str(names) + f'{[1.5] * 3000}'", data)
    assert len(data["t"]) == len(str(data["names"])) + len(str([1.5] * 3000))
    interpreter.execute("total = sum([1, 2.5]) + sum([3], 1)\nlate = sum([timedelta(days=1)], timedelta(0))\n"
                        "order = sorted([2, 10, 1], key=str) == [1, 10, 2] and sorted([3, 1]) == [1, 3] and [1] in [[1], [2]]", data)
    assert data["total"] == 7.5 and data["late"].days == 1 and data["order"] is True


@pytest.mark.parametrize("prop, value, says", [
    ("titleExpression", "3 +", "syntax"),
    ("groupExpression", "__import__('os')", "_"),
    ("promisedDaysExpression", "open('x')", "'open' is not a function"),
    ("titleExpression", "'{0.__class__}'.format(1)", "'format' is not allowed"),  # no value has .format
    ("refusalExpression", "'x' if opinion.__class__ else ''", "_"),
])
def test_an_orchestrator_expression_that_breaks_the_rules_is_refused_at_deploy(org, prop, value, says):
    """Property values the orchestrator evaluates when a case reaches the task are checked like
    conditions and scripts: refused at deploy time with the task's id, not failing a case later."""
    bpmn = approval().replace('<bpmn:userTask id="review" name="住建审查">',
                              '<bpmn:userTask id="review" name="住建审查"><bpmn:extensionElements><spiffworkflow:properties>'
                              f'<spiffworkflow:property name="{prop}" value="{value.replace(chr(39), "&apos;")}"/>'
                              '</spiffworkflow:properties></bpmn:extensionElements>')
    form = ("intake.json", json.dumps({"type": "object"}).encode())
    with pytest.raises(Invalid) as err:
        deploy.deploy([("props.bpmn", bpmn.encode()), form], org["designer"])
    assert any(d["element_id"] == "review" and prop in d["message"] and says in d["message"]
               for d in err.value.details), err.value.details
    assert deploy.latest_definitions() == []


def test_a_chain_too_long_to_follow_is_refused_in_words(org):
    """SpiffWorkflow follows a sequence of elements by recursion: thousands in a row exhaust it."""
    nodes = [("start", "s", "s"), *[("script", f"t{i}", f"t{i}", {"script": "x = 1"}) for i in range(3000)],
             ("end", "e", "e")]
    ids = [n[1] for n in nodes]
    with pytest.raises(Invalid) as err:
        deploy.deploy([("long.bpmn", process("long", nodes, list(zip(ids, ids[1:]))).encode())], org["designer"])
    assert "too long to follow" in err.value.details[0]["message"]
    assert "RecursionError" not in str(err.value.details)


def test_a_form_refers_only_inside_itself(org, tmp_path):
    """jsonschema would fetch a $ref elsewhere (a file on the server, a URL) when data is checked:
    such a form is refused at deploy, and a stored one fetches nothing."""
    from engine import catalogue, forms
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"properties": {"a": {"enum": ["leak"]}}}))
    leaky = {"type": "object", "properties": {"a": {"$ref": f"file://{secret}#/properties/a"}}}
    with pytest.raises(Invalid) as err:
        deploy.deploy([("approval.bpmn", approval().encode()), ("intake.json", json.dumps(leaky).encode())],
                      org["designer"])
    assert any(d["file"] == "intake.json" and "outside the form" in d["message"] for d in err.value.details)
    assert deploy.latest_definitions() == []
    with pytest.raises(Invalid) as err:
        forms.check(leaky, {"a": 1}, "bad")
    assert "leak" not in str(err.value.details) and err.value.details[0]["rule"] == "$ref"
    inside = {"$defs": {"n": {"type": "integer"}}, "properties": {"a": {"$ref": "#/$defs/n"}}}
    forms.check(inside, {"a": 1}, "bad")
    with pytest.raises(Invalid, match="outside the form"):
        catalogue.validate({"code": "x", "name": "x", "kind": "licence", "department": "d", "case_type": "promised",
                            "promised_days": 1, "materials": [{"code": "m", "name": "m"}], "form": leaky})


def test_a_composed_form_takes_only_its_fields_and_a_forms_own_rule_stands(org):
    from engine import forms
    composed = {"$defs": {"base": {"properties": {"decision": {"type": "string"}}}},
                "allOf": [{"$ref": "#/$defs/base"}, {"properties": {"comment": {"type": "string"}}}]}
    forms.check(composed, {"decision": "approve", "comment": "同意"}, "bad")
    with pytest.raises(Invalid) as err:
        forms.check(composed, {"decision": "approve", "tax_paid": True}, "bad")
    assert [(d["field"], d["rule"]) for d in err.value.details] == [("tax_paid", "additionalProperties")]
    patterned = {"properties": {"a": {}}, "patternProperties": {"^x_": {"type": "integer"}},
                 "additionalProperties": False}
    forms.check(patterned, {"a": 1, "x_1": 2}, "bad")  # a field by pattern is a field
    with pytest.raises(Invalid) as err:
        forms.check(patterned, {"a": 1, "x_1": 2, "y": 3}, "bad")
    assert "x_1" not in str(err.value.details) and "'y'" in str(err.value.details)
    assert "points at nothing" in forms.problem({"properties": {"a": {"$ref": "#/$defs/nope"}}})
    assert forms.problem({"$defs": {"n": {"type": "integer"}}, "properties": {"a": {"$ref": "#/$defs/n"}}}) is None
