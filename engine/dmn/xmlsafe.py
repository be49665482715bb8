"""Parse untrusted XML (uploaded rule files) without entity expansion, DTDs or network access."""
from lxml import etree

from engine.errors import Message
from engine.xml_problems import not_well_formed

from .errors import DmnParseError


def parse_xml(data: bytes, filename: str | None) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                             remove_comments=True, remove_pis=True)
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as error:
        raise DmnParseError(not_well_formed(error), filename=filename) from error
    # DMN never needs a DTD, and a DOCTYPE is how entity bombs and external entities (XXE) get in,
    # so refuse it even though the parser above would not expand them.
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise DmnParseError(Message("DOCTYPE declarations are not allowed in DMN files"), filename=filename)
    return tree.getroot()
