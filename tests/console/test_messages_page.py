"""The message-template editor: roles, saving (hostile input too), preview, reset, scoping."""
import html

import pytest
from sqlalchemy import select

from tracking.extensions import db
from tests.messages.conftest import save_template, shipment  # noqa: F401  (fixtures)
from tracking.messages import render
from tracking.messages.defaults import default_texts
from tracking.messages.rules import MAX_SMS_SEGMENTS
from tracking.models import MessageTemplate


def text(response) -> str:
    return response.get_data(as_text=True)


def saved(merchant) -> dict:
    db.session.expire_all()
    rows = db.session.scalars(select(MessageTemplate).filter_by(merchant_id=merchant.id))
    return {(t.channel, t.locale): (t.subject, t.body) for t in rows}


@pytest.fixture
def client(console_client, owner):
    return console_client(owner)


# --- access ---

def test_managers_open_every_page_agents_get_403(console_client, owner, admin, agent):
    urls = ["/console/messages", "/console/messages/sms/en", "/console/messages/email/fr"]
    for user in (owner, admin):
        assert all(console_client(user).get(url).status_code == 200 for url in urls)
    as_agent = console_client(agent)
    assert all(as_agent.get(url).status_code == 403 for url in urls)
    for url in ("/console/messages/sms/en", "/console/messages/sms/en/preview", "/console/messages/sms/en/reset"):
        assert as_agent.post(url, data={"body": "agent {tracking_link}"}).status_code == 403
    assert saved(owner.merchant) == {}


def test_anonymous_visitors_are_sent_to_sign_in(app):
    anonymous = app.test_client()
    assert anonymous.get("/console/messages").status_code in (302, 401)
    assert anonymous.post("/console/messages/sms/en", data={"body": "{tracking_link}"}).status_code in (302, 401)


def test_menu_shows_messages_to_managers_only(console_client, owner, agent):
    assert 'href="/console/messages"' in text(console_client(owner).get("/console/"))
    assert 'href="/console/messages"' not in text(console_client(agent).get("/console/"))


@pytest.mark.parametrize("url", ["/console/messages/fax/en", "/console/messages/sms/xx",
                                 "/console/messages/sms/de"])
def test_unknown_channel_unknown_or_unoffered_language_is_404(client, merchant, url):
    merchant.locales_offered = "en,fr"
    db.session.commit()
    assert client.get(url).status_code == 404
    assert client.post(url, data={"body": "{tracking_link}"}).status_code == 404


# --- the table ---

def test_table_lists_each_offered_language_and_channel(client, merchant, save_template):
    merchant.locales_offered = "en,es"
    db.session.commit()
    save_template(merchant, "sms", "es", "Hola {tracking_link}")
    page = text(client.get("/console/messages"))
    for url in ("/console/messages/sms/en", "/console/messages/email/en",
                "/console/messages/sms/es", "/console/messages/email/es"):
        assert f'href="{url}"' in page
    assert "/console/messages/sms/fr" not in page
    assert page.count("Built-in text") == 3 and page.count("Your own text") == 1


# --- saving ---

def test_editor_starts_from_the_default_and_saves_a_custom_text(client, merchant):
    page = text(client.get("/console/messages/sms/en"))
    assert html.escape("{shop_name}: follow your order", quote=True) in page
    response = client.post("/console/messages/sms/en", data={"body": "Hi {first_name}! {tracking_link}\r\n"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/messages")
    assert saved(merchant) == {("sms", "en"): (None, "Hi {first_name}! {tracking_link}")}
    assert "Hi {first_name}! {tracking_link}" in text(client.get("/console/messages/sms/en"))
    # saving again updates the same row
    client.post("/console/messages/sms/en", data={"body": "Again {tracking_link}"})
    assert saved(merchant) == {("sms", "en"): (None, "Again {tracking_link}")}


def test_email_saves_subject_and_body(client, merchant, shipment):
    response = client.post("/console/messages/email/es", data={
        "subject": "Pedido {order_number}", "body": "Sigue tu paquete: {tracking_link}"})
    assert response.status_code == 302
    assert saved(merchant) == {("email", "es"): ("Pedido {order_number}", "Sigue tu paquete: {tracking_link}")}
    assert render(shipment, "email", "es").subject == "Pedido A-1001"


def test_saving_the_built_in_text_keeps_the_default(client, merchant, save_template):
    save_template(merchant, "sms", "en", "Old {tracking_link}")
    default = default_texts("sms", "en")[1]
    assert client.post("/console/messages/sms/en", data={"body": default}).status_code == 302
    assert saved(merchant) == {}


@pytest.mark.parametrize("data, field, words", [
    ({"body": "Hello {order.__class__} {tracking_link}"}, "body", "without dots"),
    ({"body": "{0} {tracking_link}"}, "body", "is not a placeholder"),
    ({"body": "{x!r} {tracking_link}"}, "body", "is not a placeholder"),
    ({"body": "{eta:>99999} {tracking_link}"}, "body", "no formatting"),
    ({"body": "{password} {tracking_link}"}, "body", "is not a placeholder"),
    ({"body": "No link here"}, "body", "Include {tracking_link}"),
    ({"body": "x" * (MAX_SMS_SEGMENTS * 160) + "{tracking_link}"}, "body", "Too long for an SMS"),
    ({"body": ""}, "body", "cannot be empty"),
])
def test_hostile_sms_text_is_refused_and_nothing_is_lost(client, merchant, save_template, data, field, words):
    save_template(merchant, "sms", "en", "Kept {tracking_link}")
    response = client.post("/console/messages/sms/en", data=data)
    page = text(response)
    assert response.status_code == 422
    assert "Nothing was saved" in page and html.escape(words, quote=True) in page
    assert 'aria-invalid="true"' in page
    if data["body"]:
        assert html.escape(data["body"], quote=True)[:500] in page  # what was typed stays in the form
    assert saved(merchant) == {("sms", "en"): (None, "Kept {tracking_link}")}


@pytest.mark.parametrize("subject, words", [("", "Write a subject"), ("Hi\nBcc: x@y.z", "one line"),
                                            ("x" * 151, "within 150"), ("{order.number}", "without dots")])
def test_bad_email_subjects_are_refused(client, merchant, subject, words):
    response = client.post("/console/messages/email/en", data={"subject": subject, "body": "{tracking_link}"})
    assert response.status_code == 422 and html.escape(words, quote=True) in text(response)
    assert saved(merchant) == {}


def test_reset_brings_the_default_back(client, merchant, save_template):
    save_template(merchant, "sms", "en", "Mine {tracking_link}")
    assert "Reset to the built-in text" in text(client.get("/console/messages/sms/en"))
    response = client.post("/console/messages/sms/en/reset")
    assert response.status_code == 302 and saved(merchant) == {}
    assert "Reset to the built-in text" not in text(client.get(response.headers["Location"]))


# --- preview ---

def test_preview_fills_the_unsaved_text_for_the_latest_shipment(client, merchant, shipment):
    response = client.post("/console/messages/sms/en/preview", headers={"HX-Request": "true"},
                           data={"body": "Hi {first_name}, {tracking_link}"})
    page = text(response)
    assert response.status_code == 200 and "<html" not in page
    assert f"Hi Ada, https://track.test/t/{shipment.public_token}" in page
    assert "1 SMS segment" in page and "GSM-7" in page
    assert saved(merchant) == {}


def test_preview_uses_a_sample_shipment_for_a_new_shop(client):
    page = text(client.post("/console/messages/email/en/preview",
                            data={"subject": "{order_number}", "body": "{customer_name} {tracking_link}"}))
    assert "Alex Example https://track.test/t/sample" in page


def test_preview_escapes_everything(client, shipment):
    page = text(client.post("/console/messages/email/en/preview", data={
        "subject": "<img src=x onerror=alert(1)>", "body": "<script>alert(1)</script> {tracking_link}"}))
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_preview_lists_problems_instead_of_a_message(client):
    page = text(client.post("/console/messages/sms/en/preview", data={"body": "{order.__class__}"}))
    assert "The preview appears once these are fixed" in page and "without dots" in page
    assert "message-body" not in page


def test_sms_counter_shows_segments_and_encoding(client, shipment):
    link = f"https://track.test/t/{shipment.public_token}"  # 43 characters
    page = text(client.post("/console/messages/sms/en/preview",
                            data={"body": "ç" * 150 + " {tracking_link}"}))
    assert link in page and f"{150 + 1 + len(link)} characters, 3 SMS segments" in page and "UCS-2" in page and "GSM alphabet" in page


def test_preview_never_shows_another_merchants_shipment_or_text(client, make_merchant, make_shipment,
                                                               save_template):
    other = make_merchant("other", name="Other Shop")
    theirs = make_shipment(other, number="DEMOONTIMEX", order_number="THEIR-ORDER-77")
    save_template(other, "sms", "en", "THEIR SECRET WORDING {tracking_link}")
    for url in ("/console/messages", "/console/messages/sms/en"):
        page = text(client.get(url))
        assert "THEIR SECRET WORDING" not in page and "THEIR-ORDER-77" not in page
    page = text(client.post("/console/messages/sms/en/preview", data={"body": "{order_number} {tracking_link}"}))
    assert "THEIR-ORDER-77" not in page and theirs.public_token not in page
