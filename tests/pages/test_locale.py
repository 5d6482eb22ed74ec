"""Locale negotiation: ?lang= > Accept-Language > order locale > merchant default."""
import pytest
from flask_babel import force_locale, gettext

from tracking.extensions import db


def html_lang(response) -> str:
    text = response.get_data(as_text=True)
    return text.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.fixture
def shipment(merchant, make_shipment):
    merchant.default_locale = "de"
    shipment = make_shipment(merchant, locale="fr")
    db.session.commit()
    return shipment


def test_query_beats_header(client, shipment):
    url = f"/t/{shipment.public_token}?lang=ja"
    assert html_lang(client.get(url, headers={"Accept-Language": "es"})) == "ja"


def test_header_beats_order_locale(client, shipment):
    url = f"/t/{shipment.public_token}"
    assert html_lang(client.get(url, headers={"Accept-Language": "pt-BR,pt;q=0.9"})) == "pt-BR"
    assert html_lang(client.get(url, headers={"Accept-Language": "es-MX"})) == "es"


def test_order_locale_beats_merchant_default(client, shipment):
    assert html_lang(client.get(f"/t/{shipment.public_token}")) == "fr"


def test_merchant_default_last(client, shipment):
    shipment.locale = shipment.order.locale = None
    db.session.commit()
    assert html_lang(client.get(f"/t/{shipment.public_token}")) == "de"


def test_unsupported_values_fall_through(client, shipment):
    url = f"/t/{shipment.public_token}?lang=xx"
    assert html_lang(client.get(url, headers={"Accept-Language": "zz"})) == "fr"


@pytest.mark.parametrize("lang", ["es", "fr", "de", "pt_BR", "ja"])
def test_page_text_is_translated(client, app, shipment, lang):
    with app.test_request_context():
        with force_locale(lang):
            expected = gettext("Tracking history")
    assert expected != "Tracking history", f"no compiled {lang} catalog: run make translations"
    page = client.get(f"/t/{shipment.public_token}?lang={lang}").get_data(as_text=True)
    assert expected in page


def test_only_the_languages_the_merchant_offers(client, shipment, merchant):
    merchant.locales_offered = "de,es"
    db.session.commit()
    url = f"/t/{shipment.public_token}"
    assert html_lang(client.get(url + "?lang=ja")) == "de"  # not offered: the order's fr neither
    assert html_lang(client.get(url + "?lang=es")) == "es"
    assert html_lang(client.get(url, headers={"Accept-Language": "ja, es;q=0.5"})) == "es"
    assert html_lang(client.get(url, headers={"Accept-Language": "fr"})) == "de"
    merchant.locales_offered, merchant.default_locale = "es,pt_BR", "ja"  # default not offered
    db.session.commit()
    assert html_lang(client.get(url, headers={"Accept-Language": "fr"})) == "es"


def test_the_lookup_page_offers_the_merchants_languages_only(client, merchant):
    merchant.locales_offered = "fr"
    db.session.commit()
    assert html_lang(client.get(f"/{merchant.slug}/track?lang=ja")) == "fr"
