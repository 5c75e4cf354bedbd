"""A bare Flask app: the baseline that bench/web_bench.py measures beside Samen, under the same gunicorn and load.

Every GET answers one small fixed HTML page (whatever the path, so the staff clicks and the sign-up form's GET
reach it unchanged); a POST to /aanmelden reads the form and answers 302 to /aanmelden/bedankt, as Samen does
after a sign-up. No database, templates, sessions or CSRF: what is left is Flask, Werkzeug and gunicorn.

Served by ``gunicorn --workers 2 bench.bare_app:app`` from the repository root.
"""

from __future__ import annotations

from flask import Flask, redirect, request
from werkzeug.wrappers import Response

PAGE = """<!doctype html>
<html lang="nl">
<head><meta charset="utf-8"><title>Kale pagina</title></head>
<body>
<h1>Kale pagina</h1>
<p>Een Flask-pagina zonder database of sjablonen: de ondergrens voor de webbenchmark.</p>
<form method="post" action="/aanmelden"><input name="csrf_token" type="hidden" value="kaal"></form>
</body>
</html>
"""

app = Flask(__name__)


@app.get("/", defaults={"path": ""})
@app.get("/<path:path>")
def page(path: str) -> str:
    return PAGE


@app.post("/aanmelden")
def signup() -> Response:
    if not request.form.get("csrf_token"):
        return Response("csrf_token ontbreekt", status=400)
    return redirect("/aanmelden/bedankt")
