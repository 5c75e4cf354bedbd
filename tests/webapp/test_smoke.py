from __future__ import annotations

from flask.testing import FlaskClient


def test_healthz_answers_ok_when_the_database_answers(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_home_page_is_dutch_by_default(client: FlaskClient) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert 'lang="nl"' in response.text
    assert "Aanmelden als vrijwilliger" in response.text
