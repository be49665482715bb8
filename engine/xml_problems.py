"""What is wrong with an uploaded BPMN or DMN file's XML, said as engine Messages.

lxml (libxml2) reports malformed XML and schema violations in its own English sentences, naming
elements by {namespace}name. The common kinds are read here into sentences with their element,
attribute, value and line, which the engine's catalogue translates like any other; a rare kind
keeps libxml2's text as the detail of a sentence that still gives the line.
"""
import re

from lxml import etree

from engine.errors import Message

# How a sentence names an element of a known namespace: as the modelers write it.
PREFIXES = {
    "http://www.omg.org/spec/BPMN/20100524/MODEL": "bpmn",
    "http://www.omg.org/spec/BPMN/20100524/DI": "bpmndi",
    "http://www.omg.org/spec/DD/20100524/DC": "dc",
    "http://www.omg.org/spec/DD/20100524/DI": "di",
    "http://spiffworkflow.org/bpmn/schema/1.0/core": "spiffworkflow",
}
_QNAME = re.compile(r"\{([^}]*)\}([\w.\-]+)")
_WHERE = re.compile(r", line \d+, column \d+$")


def short(text: str) -> str:
    """{namespace}name as prefix:name (a known namespace) or name (another)."""
    return _QNAME.sub(lambda m: f"{PREFIXES[m[1]]}:{m[2]}" if m[1] in PREFIXES else m[2], text)


def _syntax_reason(code: int, text: str) -> Message | str:
    """Why libxml2 stopped reading, from its error code and the values in its sentence; a rare
    kind in libxml2's words."""
    kinds = etree.ErrorTypes
    if code == kinds.ERR_TAG_NAME_MISMATCH and (m := re.match(r"Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)", text)):
        return Message("<%(opened)s> opened on line %(opened_line)s is closed by </%(closed)s>",
                       opened=m[1], opened_line=m[2], closed=m[3])
    if code == kinds.ERR_TAG_NOT_FINISHED and (m := re.match(r"Premature end of data in tag (\S+) line (\d+)", text)):
        return Message("the file ends before <%(opened)s> opened on line %(opened_line)s is closed",
                       opened=m[1], opened_line=m[2])
    if code == kinds.ERR_GT_REQUIRED and (m := re.match(r"Couldn't find end of Start Tag (\S+) line (\d+)", text)):
        return Message("the tag <%(opened)s> on line %(opened_line)s does not end with >", opened=m[1], opened_line=m[2])
    if code == kinds.ERR_UNDECLARED_ENTITY and (m := re.match(r"Entity '([^']+)' not defined", text)):
        return Message("entity &%(entity)s; is not allowed: write the character itself (& as &amp;)", entity=m[1])
    if code == kinds.ERR_ATTRIBUTE_WITHOUT_VALUE and (m := re.match(r"Specification mandates value for attribute (\S+)", text)):
        return Message("attribute %(attribute)s has no value", attribute=m[1])
    if code == kinds.ERR_ATTRIBUTE_REDEFINED and (m := re.match(r"Attribute (\S+) redefined", text)):
        return Message("attribute %(attribute)s is given twice", attribute=m[1])
    if code == kinds.NS_ERR_UNDEFINED_NAMESPACE and (m := re.match(r"Namespace prefix (\S+)", text)):
        return Message("namespace prefix %(prefix)s is not declared", prefix=m[1])
    plain = {
        kinds.ERR_ATTRIBUTE_NOT_STARTED: Message("an attribute's value must be in quotes"),
        kinds.ERR_ATTRIBUTE_NOT_FINISHED: Message("an attribute's value does not end with its quote"),
        kinds.ERR_SPACE_REQUIRED: Message("attributes are written name=\"value\", separated by spaces"),
        kinds.ERR_ENTITYREF_SEMICOL_MISSING: Message("a bare & in text: write it as &amp;"),
        kinds.ERR_LT_IN_ATTRIBUTE: Message("a bare < in an attribute's value: write it as &lt;"),
        kinds.ERR_DOCUMENT_END: Message("there is more after the end of the root element"),
        kinds.ERR_DOCUMENT_EMPTY: Message("no XML element where one should start"),
        kinds.ERR_INVALID_CHAR: Message("a character XML does not allow"),
        kinds.ERR_INVALID_ENCODING: Message("bytes that are not text in the file's encoding (save it as UTF-8)"),
        kinds.ERR_NAME_REQUIRED: Message("a tag or attribute without a valid name"),
    }
    return plain.get(code) or text


def not_well_formed(error: etree.XMLSyntaxError) -> Message:
    """Malformed XML, with where libxml2 stopped reading."""
    text = _WHERE.sub("", error.msg or "")
    line, column = error.position if error.position else (error.lineno, error.offset)
    return Message("not well-formed XML at line %(line)s, column %(column)s: %(reason)s",
                   line=line, column=column, reason=_syntax_reason(error.code, text))


_ELEMENT = r"Element '([^']+)'(?:, attribute '([^']+)')?: "


def schema_problem(entry) -> Message:
    """One schema violation of libxml2's error log, with its line."""
    text, line = entry.message, entry.line
    m = re.match(_ELEMENT + "(.*)$", text, re.S)
    if not m:
        return Message("line %(line)s: %(detail)s", line=line, detail=short(text))
    element, attribute, said = short(m[1]), m[2], m[3]
    if found := re.match(r"This element is not expected\. Expected is (?:one of )?\( (.*) \)\.", said):
        return Message("line %(line)s: <%(element)s> is not allowed here; expected: %(expected)s",
                       line=line, element=element, expected=short(found[1]))
    if said.startswith("This element is not expected."):
        return Message("line %(line)s: <%(element)s> is not allowed here", line=line, element=element)
    if found := re.match(r"Missing child element\(s\)\. Expected is (?:one of )?\( (.*) \)\.", said):
        return Message("line %(line)s: <%(element)s> lacks a child element; expected: %(expected)s",
                       line=line, element=element, expected=short(found[1]))
    if found := re.match(r"The attribute '([^']+)' is required but missing\.", said):
        return Message("line %(line)s: <%(element)s> lacks the required attribute %(attribute)s",
                       line=line, element=element, attribute=found[1])
    if attribute and re.match(r"The attribute '[^']+' is not allowed\.", said):
        return Message("line %(line)s: <%(element)s> may not have the attribute %(attribute)s",
                       line=line, element=element, attribute=short(attribute))
    if attribute and (found := re.match(r"'(.*)' is not a valid value of the atomic type '([^']+)'\.", said, re.S)):
        if found[2] == "xs:ID":  # libxml2 says the same of an id used twice and of one that is no name
            if re.fullmatch(r"[^\W\d][\w.\-]*", found[1]):
                return Message("line %(line)s: the id %(value)s of <%(element)s> is used by another element too",
                               line=line, element=element, value=found[1])
            return Message("line %(line)s: %(value)s is not a valid id for <%(element)s> (a letter or _ first, "
                           "no spaces)", line=line, element=element, value=repr(found[1]))
        return Message("line %(line)s: attribute %(attribute)s of <%(element)s> is %(value)s, not a valid %(type)s",
                       line=line, element=element, attribute=short(attribute), value=repr(found[1]), type=found[2])
    if attribute and (found := re.match(r"\[facet 'enumeration'\] The value '(.*)' is not an element of the set "
                                        r"\{(.*)\}\.", said, re.S)):
        return Message("line %(line)s: attribute %(attribute)s of <%(element)s> is %(value)s; allowed: %(expected)s",
                       line=line, element=element, attribute=short(attribute), value=repr(found[1]),
                       expected=found[2])
    if said.startswith("Character content other than whitespace is not allowed"):
        return Message("line %(line)s: <%(element)s> holds text where only elements may be", line=line, element=element)
    return Message("line %(line)s: %(detail)s", line=line, detail=short(text))


def located(root, entry):
    """The element a schema violation is about (its path in the log), or the first on its line."""
    if entry.path:
        try:
            found = root.getroottree().xpath(entry.path, namespaces={k: v for k, v in root.nsmap.items() if k})
        except etree.XPathError:
            found = []
        if found and isinstance(found[0], etree._Element):
            return found[0]
    return next((el for el in root.iter() if getattr(el, "sourceline", None) == entry.line), None)
