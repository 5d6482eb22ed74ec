"""The console layout: its own stylesheet, landmarks and labels, translated."""
import re

import pytest


def test_console_pages_load_only_the_console_stylesheet(client, owner, logged_in):
    for page in (client.get("/console/login"), client.get("/console/reset")):
        html = page.get_data(as_text=True)
        assert "css/console.css" in html and "css/track.css" not in html
    logged_in(client, owner)
    html = client.get("/console/").get_data(as_text=True)
    assert "css/console.css" in html and "css/track.css" not in html


def test_shopper_pages_never_load_the_console_stylesheet(client, merchant, make_shipment):
    shipment = make_shipment(merchant)
    for url in (f"/t/{shipment.public_token}", "/acme/track", "/t/nope"):
        html = client.get(url).get_data(as_text=True)
        assert "css/track.css" in html and "console.css" not in html, url


def test_landmarks_skip_link_and_labels(client, owner, logged_in):
    html = client.get("/console/login").get_data(as_text=True)
    assert '<a class="skip" href="#main">' in html and '<main id="main"' in html
    assert '<html lang="en">' in html and 'name="viewport"' in html
    for field in ("email", "password"):
        assert re.search(rf'<label for="{field}">', html) and f'id="{field}"' in html
    logged_in(client, owner)
    html = client.get("/console/").get_data(as_text=True)
    assert '<nav class="sections" aria-label="Console sections">' in html
    assert 'aria-current="page"' in html and "<header" in html


def test_field_errors_are_tied_to_their_inputs(client, owner):
    from tracking.console.auth import make_reset_token
    html = client.post(f"/console/reset/{make_reset_token(owner)}",
                       data={"password": "short", "confirm": "short"}).get_data(as_text=True)
    assert re.search(r'aria-describedby="password-hint password-error"[^>]*aria-invalid="true"'
                     r'|aria-invalid="true"[^>]*aria-describedby="password-hint password-error"', html)
    assert 'id="password-error"' in html


@pytest.mark.parametrize("lang, words", [
    ("de", "Anmelden"), ("fr", "Se connecter"), ("es", "Iniciar sesión"),
    ("pt_BR", "Entrar"), ("ja", "ログイン"),
])
def test_the_sign_in_page_is_translated(client, lang, words):
    html = client.get(f"/console/login?lang={lang}").get_data(as_text=True)
    assert words in html, lang


def test_the_merchants_language_is_the_fallback(client, make_merchant, make_user, logged_in):
    shop = make_merchant("laden", name="Laden", default_locale="de")
    logged_in(client, make_user(shop, "owner"))
    assert "Übersicht" in client.get("/console/").get_data(as_text=True)
