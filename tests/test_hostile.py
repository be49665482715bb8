"""Hostile and malformed input is refused with a clear error and nothing is stored."""
import json

import pytest

from engine.errors import EngineFailure, Invalid
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
    assert any(d["file"] == name and needle in d["message"] for d in err.value.details), err.value.details
    assert deploy.latest_definitions() == []


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


def test_runtime_expression_failure_is_an_incident(org):
    proc = process("needs", [("start", "s", "s"), ("script", "calc", "calc", {"script": "y = x / divisor"}),
                             ("user", "u", "u"), ("end", "e", "e")], [("s", "calc"), ("calc", "u"), ("u", "e")])
    deploy.deploy([("needs.bpmn", proc.encode())], org["designer"])
    with pytest.raises(EngineFailure):
        cases.start_instance("needs", org["clerk"], data={"x": 1, "divisor": 0})
