"""The privacy page is generated from the data catalogue (webapp/privacy.py): every table with personal data is
covered by a kind of record, the retention periods on the page are the settings the retention job reads, and the
page renders in Dutch and in English."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.test_i18n import compile_english_catalogue
from webapp import privacy
from webapp.extensions import db
from webapp.i18n import LANGUAGE_COOKIE
from webapp.models import Organisation, OrganisationKind
from webapp.services.retention import RetentionPolicy


@pytest.fixture(autouse=True, scope="module")
def english_catalogue() -> None:
    compile_english_catalogue()


def page(client: FlaskClient) -> str:
    response = client.get("/privacy")
    assert response.status_code == 200
    return html.unescape(response.text)


# -- the catalogue against the models ----------------------------------------------------------------------------


def test_every_table_with_personal_data_is_covered_by_the_catalogue() -> None:
    uncovered = sorted(set(db.metadata.tables) - privacy.covered_tables() - privacy.TABLES_WITHOUT_PERSONAL_DATA)

    assert uncovered == [], (
        "add these tables to a kind of record in webapp/privacy.py (CATALOGUE), or, when they hold no personal "
        "data, to TABLES_WITHOUT_PERSONAL_DATA"
    )


def test_the_catalogue_names_only_tables_that_exist() -> None:
    named = privacy.covered_tables() | privacy.TABLES_WITHOUT_PERSONAL_DATA

    assert sorted(named - set(db.metadata.tables)) == []


def test_a_table_is_either_personal_data_or_not() -> None:
    assert sorted(privacy.covered_tables() & privacy.TABLES_WITHOUT_PERSONAL_DATA) == []


def test_every_kind_of_record_says_what_why_how_long_and_who() -> None:
    keys = [kind.key for kind in privacy.CATALOGUE]

    assert len(keys) == len(set(keys))
    for kind in privacy.CATALOGUE:
        assert kind.fields, kind.key
        assert kind.retention, kind.key
        assert kind.audiences or kind.others, kind.key


def test_every_retention_setting_is_on_the_page(app: Flask) -> None:
    """A new SAMEN_RETAIN_* setting (a new rule of the retention job) needs its sentence in the catalogue."""
    shown = {
        period.setting for kind in privacy.CATALOGUE for retention in kind.retention for period in retention.periods
    }

    assert {name for name in app.config if name.startswith("SAMEN_RETAIN_")} <= shown
    assert shown <= set(app.config)


# -- the page ----------------------------------------------------------------------------------------------------


def test_the_page_shows_every_kind_of_record(client: FlaskClient) -> None:
    text = page(client)

    for kind in privacy.CATALOGUE:
        assert f'id="{kind.key}"' in text
        assert str(kind.title) in text


def test_the_page_shows_the_default_retention_periods(client: FlaskClient) -> None:
    text = page(client)

    assert "Tot 1 jaar nadat je gestopt bent als vrijwilliger" in text
    assert "Tot 2 jaar na het laatste contact" in text
    assert "dan tot 3 maanden na de laatste keer" in text
    assert "'Ingelogd blijven' stopt na 14 dagen" in text


def test_the_retention_periods_on_the_page_follow_the_configuration(app: Flask, client: FlaskClient) -> None:
    app.config.update(
        SAMEN_RETAIN_REFERRAL_MONTHS=5,
        SAMEN_RETAIN_RESIDENT_MONTHS=30,
        SAMEN_RETAIN_VOLUNTEER_MONTHS=1,
        SAMEN_REMEMBER_DAYS=7,
    )

    text = page(client)

    assert "dan tot 5 maanden na de laatste keer" in text
    assert "Tot 30 maanden na het laatste contact" in text
    assert "Tot 1 maand nadat je gestopt bent als vrijwilliger" in text
    assert "'Ingelogd blijven' stopt na 7 dagen" in text
    assert "2 jaar" not in text
    # The retention job reads the same settings.
    assert RetentionPolicy.from_config(app.config) == RetentionPolicy(
        referral_months=5, resident_months=30, volunteer_months=1
    )


def test_the_page_names_the_controller_from_the_database(client: FlaskClient) -> None:
    db.session.add(Organisation(name="Stichting Welzijn Voorbeeld", kind=OrganisationKind.WELZIJN, is_controller=True))
    db.session.commit()

    text = page(client)

    assert "Stichting Welzijn Voorbeeld is verantwoordelijk voor de gegevens in Samen" in text


def test_without_a_controller_in_the_database_the_page_names_welzijn_rijswijk(client: FlaskClient) -> None:
    assert "Welzijn Rijswijk is verantwoordelijk voor de gegevens in Samen" in page(client)


def test_the_page_lists_the_rights_how_to_ask_and_where_to_complain(client: FlaskClient) -> None:
    text = page(client)

    for kind in privacy.RIGHTS:
        assert str(privacy.RIGHTS[kind]) in text
    assert "binnen een maand" in text
    assert 'href="mailto:' in text
    assert 'href="tel:' in text
    assert f'href="{privacy.COMPLAINT_URL}"' in text
    assert "Autoriteit Persoonsgegevens" in text


def test_the_page_shows_roles_and_legal_bases_with_their_labels(client: FlaskClient) -> None:
    text = page(client)

    assert "Coördinator</strong>: alles" in text
    assert "Verwijzer (partnermedewerker)</strong>:" in text
    assert "Beheerder</strong>:" in text
    assert "Toestemming, per doel." in text
    assert "Gerechtvaardigd belang." in text
    assert "Wettelijke plicht." in text


def test_the_page_has_no_inline_styles(client: FlaskClient) -> None:
    """The Content-Security-Policy refuses inline styles; the page's own rules are in static/css/privacy.css."""
    text = page(client)

    assert "style=" not in text
    assert "css/privacy.css" in text


def test_the_page_renders_in_dutch(client: FlaskClient) -> None:
    text = page(client)

    assert '<html lang="nl">' in text
    assert "Privacyverklaring Samen" in text


def test_the_page_renders_in_english(client: FlaskClient) -> None:
    client.set_cookie(LANGUAGE_COOKIE, "en")

    text = page(client)

    assert '<html lang="en">' in text
    assert "Samen privacy statement" in text
    assert "3 months" in text
    assert "14 days" in text
