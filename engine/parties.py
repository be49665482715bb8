"""The other parties of a joint application (共同申请): a transfer's seller beside its buyer.

The applicant is the case's owner (they follow it, online too); the others are named on the
item's form, each a form field holding {name, id_number, id_type}. An item declares them:

    parties:
      applicant: 买方                   # what the applicant is among the parties
      others: [{field: seller, role: 卖方}]

A party is another person than the applicant: the same ID number on both sides is a slip (the
seller signed in and applied as the buyer, or typed their own number twice), refused before
anything is stored. Its number is checked as the applicant's is (engine/identity.py), by its type.
The written notices name every party (engine/notices.py).
"""
from engine import identity
from engine.errors import Message

MAX_ROLE = 20
# The roles of a joint application's parties by the Chinese an item writes, in the engine's
# English: a message naming one is an English sentence in the API and, from the engine catalogue
# (which says each role back in the item's Chinese), a Chinese one on the pages. A role an item
# writes outside this list is named as written.
ROLES = {"买方": Message("buyer"), "卖方": Message("seller"), "转让方": Message("transferor"),
         "受让方": Message("transferee"), "赠与人": Message("donor"), "受赠人": Message("donee"),
         "抵押人": Message("mortgagor"), "抵押权人": Message("mortgagee"), "共有人": Message("co-owner")}


def others(item_data: dict) -> list[dict]:
    """The item's other parties, [{field, role}], none for an item one applicant applies for."""
    return list((item_data.get("parties") or {}).get("others") or [])


def applicant_role(item_data: dict) -> str | None:
    return (item_data.get("parties") or {}).get("applicant") or None


def role_name(role: str) -> str:
    """A role as a message names it: translated with the message where the engine knows it."""
    return ROLES.get(role, role)


def declaration_problem(parties, form: dict | None) -> str | None:
    """Why an item's `parties` cannot be used, or None: each other party is an object field of its
    form with a name and an id_number."""
    if not isinstance(parties, dict) or not isinstance(parties.get("others"), list) or not parties["others"]:
        return "parties is {applicant: role (optional), others: [{field, role}, ...]}"
    role = parties.get("applicant")
    if role is not None and not (isinstance(role, str) and 0 < len(role) <= MAX_ROLE):
        return f"parties.applicant is the applicant's role, at most {MAX_ROLE} characters"
    fields = (form or {}).get("properties") or {}
    for i, party in enumerate(parties["others"]):
        if not (isinstance(party, dict) and isinstance(party.get("role"), str) and 0 < len(party["role"]) <= MAX_ROLE
                and isinstance(party.get("field"), str)):
            return f"parties.others[{i}] needs a field and a role (at most {MAX_ROLE} characters)"
        named = (fields.get(party["field"]) or {}).get("properties") or {}
        if not {"name", "id_number"} <= named.keys():
            return f"parties.others[{i}]: the form has no object field {party['field']!r} with name and id_number"
    return None


def problems(item_data: dict, form: dict | None, applicant_id_number) -> list[dict]:
    """What is wrong with the parties the form names, one detail per field (as engine.forms
    gives them); their ID numbers are written as the applicant's is stored (upper case, no spaces)."""
    own = _normal(applicant_id_number)
    found = []
    for party in others(item_data):
        given = (form or {}).get(party["field"])
        if not isinstance(given, dict) or not _normal(given.get("id_number")):
            continue  # the form's own check says what is missing
        given["id_number"] = number = _normal(given["id_number"])
        wrong = identity.problem(given.get("id_type") or "id_card", number)
        if wrong is None and number == own:
            wrong = Message("The %(role)s's ID number is the applicant's own: the %(role)s is another party than the "
                            "applicant; check the number (online, whoever is signed in applies)",
                            role=role_name(party["role"]))
        if wrong is not None:
            found.append({"field": f"{party['field']}/id_number", "message": wrong, "rule": "party",
                          "expected": None})
    return found


def named(item_data: dict, form: dict | None) -> list[dict]:
    """The other parties as a notice names them: [{role, name, id_number}]."""
    rows = []
    for party in others(item_data):
        given = (form or {}).get(party["field"])
        if isinstance(given, dict) and given.get("name"):
            rows.append({"role": party["role"], "name": str(given["name"]), "id_number": str(given.get("id_number") or "")})
    return rows


def _normal(number) -> str:
    return "".join(str(number or "").split()).upper()
