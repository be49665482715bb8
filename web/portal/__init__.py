from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.get("/")
def index():
    return "建设中", 200
