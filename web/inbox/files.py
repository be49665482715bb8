"""Materials and diagrams behind a permission check: what the page shows, the URL serves."""
import io

from flask import Response, request, send_file

from engine import files
from engine.services import progress

from . import WORKERS, bp
from .access import actor, roles_required

VIEWERS = (*WORKERS, "supervisor")


@bp.get("/materials/<int:material_id>")
@roles_required(*VIEWERS)
def material(material_id):
    """Download; ?view=1 opens it in the browser instead."""
    filename, sha256 = progress.material_file(material_id, actor())
    return send_file(io.BytesIO(files.read(sha256)), download_name=filename,
                     as_attachment=not request.args.get("view"))


@bp.get("/instances/<int:instance_id>/diagram.xml")
@roles_required(*VIEWERS)
def diagram(instance_id):
    return Response(progress.diagram_xml(instance_id, actor()), mimetype="application/xml")
