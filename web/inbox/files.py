"""Materials and diagrams behind a permission check: what the page shows, the URL serves."""
import io
import mimetypes

from flask import Response, request, send_file

from engine import files
from engine.services import progress

from . import WORKERS, bp
from .access import actor, roles_required

VIEWERS = (*WORKERS, "supervisor")
# Applicants upload materials: the browser opens only types that cannot carry script (an HTML or
# SVG file would run on staff pages, with the reviewer's session); everything else is downloaded.
VIEWABLE = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain"}


@bp.get("/materials/<int:material_id>")
@roles_required(*VIEWERS, "agent")  # an agent, of the cases they filed (progress.material_file)
def material(material_id):
    """Download; ?view=1 opens it in the browser instead, when its type is safe to open."""
    filename, sha256 = progress.material_file(material_id, actor())
    mimetype = mimetypes.guess_type(filename)[0]
    viewable = bool(request.args.get("view")) and mimetype in VIEWABLE
    return send_file(io.BytesIO(files.read(sha256)), download_name=files.clean_name(filename),
                     as_attachment=not viewable, mimetype=mimetype if viewable else "application/octet-stream")  # never sniffed: web/__init__


@bp.get("/instances/<int:instance_id>/diagram.xml")
@roles_required(*VIEWERS)
def diagram(instance_id):
    # Fetched by the viewer's script; opened on its own, a designer's XML (documentation may hold
    # XHTML) must not run script with the reader's session.
    return Response(progress.diagram_xml(instance_id, actor()), mimetype="application/xml",
                    headers={"Content-Security-Policy": "sandbox; default-src 'none'"})
