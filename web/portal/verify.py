"""核验电子证照: anyone checks a result document by its verification code or by the file itself,
and a written notice by its code, without signing in; the office's public key is there for
checking a seal offline."""
from flask import Response, render_template, request

from engine import notice_seals, seals
from engine.errors import Invalid

from . import bp, failed


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    code = request.args.get("code", "").strip()
    upload = request.files.get("document")
    try:
        if request.method == "POST":
            if upload is None or not upload.filename:
                raise Invalid("Give a verification code or the document")
            found = seals.verify(content=upload.read())  # its size capped by MAX_CONTENT_LENGTH (413)
        else:
            found = (seals.verify(code=code) or notice_seals.verify(code)) if code else None
    except Invalid as exc:
        return failed(exc, "portal/verify.html", code=code, asked=False, found=None)  # the message says it
    return render_template("portal/verify.html", code=code, found=found,
                           asked=bool(code) or request.method == "POST")


@bp.get("/verify/key.pem")
def seal_key():
    return Response(seals.public_key_pem(), mimetype="application/x-pem-file",
                    headers={"Content-Disposition": "attachment; filename=shenpi-seal-public-key.pem"})
