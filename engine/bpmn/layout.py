"""Diagram layout for BPMN files that have none, so bpmn-js can show and edit them.

Nodes go in columns by their longest distance from a start event (loops ignored), rows
within each lane band; a file with lanes gets a pool (bpmn-js draws lanes only inside one).
A file whose diagram leaves elements out (edited by hand) gets them in a row below it.
"""
import uuid

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI = {"bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI"}
SIZES = {"event": (36, 36), "gateway": (50, 50), "task": (100, 80)}
COLUMN, ROW, LEFT, TOP = 170, 110, 200, 60


def _size(tag: str):
    if tag.endswith("Event"):
        return SIZES["event"]
    if tag.endswith("Gateway"):
        return SIZES["gateway"]
    return SIZES["task"]


def _columns(nodes: dict, flows: list) -> dict:
    succ = {n: [] for n in nodes}
    for src, dst in flows:
        if src in succ and dst in nodes:
            succ[src].append(dst)
    back, state = set(), {}

    def visit(n):  # depth-first, to find the edges that close a loop
        state[n] = "open"
        for m in succ[n]:
            if state.get(m) == "open":
                back.add((n, m))
            elif m not in state:
                visit(m)
        state[n] = "done"
    for n in nodes:
        if n not in state:
            visit(n)
    column = {n: 0 for n in nodes}
    order = [n for n in nodes]
    for _ in range(len(nodes)):  # longest path over the acyclic rest
        changed = False
        for n in order:
            for m in succ[n]:
                if (n, m) not in back and column[m] < column[n] + 1:
                    column[m] = column[n] + 1
                    changed = True
        if not changed:
            break
    return column


def add_diagram(xml: bytes) -> bytes:
    """Return the document with a generated BPMNDiagram for each process that has none."""
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    if not draw(root):
        return xml
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def draw(root) -> bool:
    """add_diagram on a parsed document, in place; whether it drew anything."""
    if root.find(f"{{{DI['bpmndi']}}}BPMNDiagram") is not None:
        return False
    for name, uri in DI.items():
        etree.register_namespace(name, uri)
    for process in root.findall(f"{{{BPMN}}}process"):
        _layout(root, process)
    return True


NOT_DRAWN = ("laneSet", "extensionElements", "documentation", "dataObject", "dataObjectReference",
             "textAnnotation", "association", "sequenceFlow", "boundaryEvent")


def place_undrawn(xml: bytes) -> tuple[bytes, list[str]]:
    """The document with a shape for each element of a process's top level that its diagram leaves
    out (not boundary events, nor what a subprocess holds), in a row below the rest, and an edge
    for each flow between shapes that has none; and the ids it placed. bpmn-js shows nothing,
    and says nothing, of an element without a shape."""
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    plane = root.find(f"{{{DI['bpmndi']}}}BPMNDiagram/{{{DI['bpmndi']}}}BPMNPlane")
    if plane is None:
        return xml, []
    boxes = {}  # drawn on any of the document's diagrams (one per process when generated)
    for shape in root.iter(f"{{{DI['bpmndi']}}}BPMNShape"):
        bounds = shape.find(f"{{{DI['dc']}}}Bounds")
        if bounds is not None:
            boxes[shape.get("bpmnElement")] = tuple(float(bounds.get(k, 0)) for k in ("x", "y", "width", "height"))
    drawn_edges = {edge.get("bpmnElement") for edge in root.iter(f"{{{DI['bpmndi']}}}BPMNEdge")}
    bottom = max((y + h for _x, y, _w, h in boxes.values()), default=TOP) + 60
    placed = []
    for process in root.findall(f"{{{BPMN}}}process"):
        for el in process:
            if isinstance(el.tag, str) and etree.QName(el).localname not in NOT_DRAWN and el.get("id") not in boxes:
                w, h = _size(etree.QName(el).localname)
                boxes[el.get("id")] = (LEFT + len(placed) * COLUMN, bottom, w, h)
                _shape(plane, el.get("id"), boxes[el.get("id")])
                placed.append(el.get("id"))
    if not placed:
        return xml, []
    for process in root.findall(f"{{{BPMN}}}process"):
        for flow in process.findall(f"{{{BPMN}}}sequenceFlow"):
            src, dst = boxes.get(flow.get("sourceRef")), boxes.get(flow.get("targetRef"))
            if flow.get("id") not in drawn_edges and src and dst:
                edge = etree.SubElement(plane, f"{{{DI['bpmndi']}}}BPMNEdge", id=f"{flow.get('id')}_di",
                                        bpmnElement=flow.get("id"))
                for x, y in ((src[0] + src[2] / 2, src[1] + src[3] / 2), (dst[0] + dst[2] / 2, dst[1] + dst[3] / 2)):
                    etree.SubElement(edge, f"{{{DI['di']}}}waypoint", x=str(round(x)), y=str(round(y)))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8"), placed


def _layout(root, process):
    pid = process.get("id")
    nodes, boundaries, flows, edges = {}, [], [], []
    for el in process:
        tag = etree.QName(el).localname
        if tag == "sequenceFlow":
            flows.append((el.get("sourceRef"), el.get("targetRef")))
            edges.append(el)
        elif tag == "boundaryEvent":
            boundaries.append(el)
        elif tag not in NOT_DRAWN:
            nodes[el.get("id")] = tag
    lane_of, lanes = {}, process.findall(f"{{{BPMN}}}laneSet/{{{BPMN}}}lane")
    for i, lane in enumerate(lanes):
        for ref in lane.findall(f"{{{BPMN}}}flowNodeRef"):
            lane_of[ref.text] = i
    column = _columns(nodes, flows)
    rows, bands = {}, [0] * max(1, len(lanes))
    for n in nodes:
        key = (lane_of.get(n, 0), column[n])
        rows[n] = rows.get(key, 0)
        rows[key] = rows[n] + 1
        bands[key[0]] = max(bands[key[0]], rows[n] + 1)
    band_top = [TOP + sum(bands[:i]) * ROW + 20 * i for i in range(len(bands))]
    boxes = {}
    for n, tag in nodes.items():
        w, h = _size(tag)
        cx = LEFT + column[n] * COLUMN + 50
        cy = band_top[lane_of.get(n, 0)] + rows[n] * ROW + 55
        boxes[n] = (cx - w / 2, cy - h / 2, w, h)
    for b in boundaries:
        x, y, w, h = boxes.get(b.get("attachedToRef"), (LEFT, TOP, 100, 80))
        boxes[b.get("id")] = (x + w - 30, y + h - 18, 36, 36)

    diagram = etree.SubElement(root, f"{{{DI['bpmndi']}}}BPMNDiagram", id=f"Diagram_{pid}")
    plane_owner = pid
    width = LEFT + (max(column.values(), default=0) + 1) * COLUMN
    if lanes:
        collab = etree.Element(f"{{{BPMN}}}collaboration", id=f"Collaboration_{pid}")
        etree.SubElement(collab, f"{{{BPMN}}}participant", id=f"Participant_{pid}",
                         name=process.get("name") or pid, processRef=pid)
        root.insert(list(root).index(process), collab)
        plane_owner = collab.get("id")
    plane = etree.SubElement(diagram, f"{{{DI['bpmndi']}}}BPMNPlane", id=f"Plane_{pid}", bpmnElement=plane_owner)
    if lanes:
        total = sum(bands) * ROW + 20 * len(bands)
        _shape(plane, f"Participant_{pid}", (LEFT - 130, TOP, width, total), horizontal=True)
        for i, lane in enumerate(lanes):
            _shape(plane, lane.get("id"), (LEFT - 100, band_top[i], width - 30, bands[i] * ROW + 20),
                   horizontal=True)
    for n, box in boxes.items():
        _shape(plane, n, box)
    for el in edges:
        src, dst = boxes.get(el.get("sourceRef")), boxes.get(el.get("targetRef"))
        if src is None or dst is None:
            continue
        edge = etree.SubElement(plane, f"{{{DI['bpmndi']}}}BPMNEdge", id=f"{el.get('id')}_di",
                                bpmnElement=el.get("id"))
        start = (src[0] + src[2], src[1] + src[3] / 2)
        end = (dst[0], dst[1] + dst[3] / 2)
        points = [start, ((start[0] + end[0]) / 2, start[1]), ((start[0] + end[0]) / 2, end[1]), end]
        if end[0] <= start[0]:  # a loop back: go below both
            low = max(src[1] + src[3], dst[1] + dst[3]) + 30
            points = [(src[0] + src[2] / 2, src[1] + src[3]), (src[0] + src[2] / 2, low),
                      (dst[0] + dst[2] / 2, low), (dst[0] + dst[2] / 2, dst[1] + dst[3])]
        for x, y in points:
            etree.SubElement(edge, f"{{{DI['di']}}}waypoint", x=str(round(x)), y=str(round(y)))


def _shape(plane, element_id, box, horizontal=False):
    attrs = {"id": f"{element_id}_di_{uuid.uuid4().hex[:6]}", "bpmnElement": element_id}
    if horizontal:
        attrs["isHorizontal"] = "true"
    shape = etree.SubElement(plane, f"{{{DI['bpmndi']}}}BPMNShape", **attrs)
    x, y, w, h = box
    etree.SubElement(shape, f"{{{DI['dc']}}}Bounds", x=str(round(x)), y=str(round(y)), width=str(w),
                     height=str(h))
