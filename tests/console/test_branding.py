"""The branding editor: validation (hostile input too), logos, roles, scoping, live page, preview."""
import html
import io
import os
import re

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import stream_encode_multipart

from tracking.extensions import db
from tracking.models import Merchant
from tracking.pages.routes import page_cache


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    page_cache.clear()
    yield tmp_path / "uploads" / "logos"
    page_cache.clear()


def valid(**changes) -> dict:
    data = {
        "brand_color": "#1f4e79", "accent_color": "#b45309", "font": "system",
        "link1_label": "", "link1_url": "", "link2_label": "", "link2_url": "",
        "link3_label": "", "link3_url": "",
        "support_email": "help@acme.test", "support_phone": "+1 555 0100",
        "support_url": "https://acme.test/help", "returns_url": "https://acme.test/returns",
        "footer_text": "Made with care", "pos_status": "1", "pos_items": "2", "pos_parcels": "3",
        "pos_help": "4", "show_timeline": "y", "show_items": "y", "show_parcels": "y",
        "show_help": "y", "default_locale": "en", "locales_offered": ["en", "fr"],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def png_bytes(size=(40, 20), fmt="PNG", **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#336699").save(out, format=fmt, **save)
    return out.getvalue()


def save(client, **changes):
    return client.post("/console/branding", data=valid(**changes),
                       content_type="multipart/form-data")


def text(response) -> str:
    return response.get_data(as_text=True)


def fresh(merchant) -> Merchant:
    db.session.expire_all()
    return db.session.get(Merchant, merchant.id)


# --- access ---

def test_owner_and_admin_open_the_editor_agent_gets_403(console_client, owner, admin, agent):
    assert console_client(owner).get("/console/branding").status_code == 200
    assert console_client(admin).get("/console/branding").status_code == 200
    client = console_client(agent)
    assert client.get("/console/branding").status_code == 403
    assert save(client, footer_text="agent was here").status_code == 403
    assert client.post("/console/branding/preview", data=valid()).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get("/console/branding").status_code in (302, 401)
    assert client.post("/console/branding", data=valid()).status_code in (302, 401)


def test_menu_links_to_branding_for_managers(console_client, owner):
    assert 'href="/console/branding"' in text(console_client(owner).get("/console/"))


# --- saving and validation ---

def test_valid_values_are_saved(console_client, owner, merchant):
    response = save(console_client(owner), brand_color="#0B3D2E", link1_label="Shop",
                    link1_url="https://acme.test", footer_text="Line one\nLine two",
                    pos_help="1", pos_status="2", show_parcels=None, locales_offered=["en", "de"],
                    default_locale="de", font="serif")
    assert response.status_code == 302
    saved = fresh(merchant)
    assert saved.brand_color == "#0b3d2e"
    assert saved.header_links == [{"label": "Shop", "url": "https://acme.test"}]
    assert saved.footer_text == "Line one\nLine two"
    assert saved.layout == ["help", "status", "timeline", "items"]
    assert saved.locales_offered == "en,de" and saved.default_locale == "de"
    assert saved.font == "serif"


@pytest.mark.parametrize("field,value,message", [
    ("brand_color", "red", "Use a colour like"),
    ("brand_color", "#12345g", "Use a colour like"),
    ("accent_color", "#fff;background:url(x)", "Use a colour like"),
    ("font", "Comic Sans", "Not a valid choice"),
    ("support_email", "not-an-email", "valid email"),
    ("support_email", "<script>@x.y", "valid email"),
    ("support_phone", "call me <b>", "digits"),
    ("support_url", "javascript:alert(1)", "javascript: and other kinds of link are refused"),
    ("returns_url", "javascript:alert(document.cookie)", "javascript: and other kinds of link are refused"),
    ("returns_url", "JaVaScRiPt:alert(1)", "javascript: and other kinds of link are refused"),
    ("returns_url", "data:text/html,<script>alert(1)</script>", "refused"),
    ("returns_url", "//evil.test/x", "refused"),
    ("returns_url", "https://", "full web address"),
    ("link1_url", "javascript:alert(1)", "refused"),
    ("footer_text", "x" * 301, "300"),
    ("footer_text", "bell\x07", "control characters"),
    ("link1_label", "L" * 41, "40"),
    ("pos_items", "9", "Not a valid choice"),
    ("default_locale", "xx", "Not a valid choice"),
    ("locales_offered", ["en", "klingon"], "not a valid choice"),
])
def test_invalid_values_are_refused_and_nothing_is_saved(console_client, owner, merchant,
                                                        field, value, message):
    before = fresh(merchant).brand_color, fresh(merchant).returns_url, fresh(merchant).updated_at
    # A valid change rides along: it must not be saved either.
    changes = {field: value, "footer_text": "valid change"} if field != "footer_text" else {field: value}
    if field == "link1_url":
        changes["link1_label"] = "Shop"
    response = save(console_client(owner), **changes)
    assert response.status_code == 422
    body = text(response)
    assert message.lower() in html.unescape(body).lower()
    assert 'aria-invalid="true"' in body and "Nothing was saved" in body
    saved = fresh(merchant)
    assert (saved.brand_color, saved.returns_url, saved.updated_at) == before
    assert saved.footer_text is None


def test_header_link_needs_both_label_and_address(console_client, owner, merchant):
    body = text(save(console_client(owner), link2_label="Blog"))
    assert "Give this link an address" in body
    body = text(save(console_client(owner), link3_url="https://acme.test/blog"))
    assert "Give this link a label" in body
    assert fresh(merchant).header_links is None


def test_default_language_must_be_offered(console_client, owner, merchant):
    response = save(console_client(owner), default_locale="ja", locales_offered=["en", "fr"])
    assert response.status_code == 422
    assert "must be one you offer" in text(response)
    response = save(console_client(owner), locales_offered=None)
    assert "Offer at least one language" in text(response)
    assert fresh(merchant).locales_offered is None


def test_csrf_is_required(app, console_client, owner, merchant):
    client = console_client(owner)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert save(client, footer_text="forged").status_code in (400, 422)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert fresh(merchant).footer_text is None


def test_poor_contrast_is_warned_not_blocked(console_client, owner, merchant):
    client = console_client(owner)
    response = client.post("/console/branding/preview", data=valid(brand_color="#777777",
                                                                   accent_color="#ffcc00"))
    body = text(response)
    assert "Text on the brand colour is hard to read" in body
    assert "Links in the accent colour are hard to read" in body
    assert save(client, brand_color="#777777", accent_color="#ffcc00").status_code == 302
    assert fresh(merchant).brand_color == "#777777"
    assert "hard to read" in text(client.get("/console/branding"))
    good = text(client.post("/console/branding/preview", data=valid()))
    assert "hard to read" not in good


# --- hostile text is inert on the live page ---

def test_script_in_footer_and_labels_is_rendered_inert(console_client, owner, merchant,
                                                       make_shipment, client):
    shipment = make_shipment(merchant)
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert save(console_client(owner), footer_text=evil, link1_label=evil[:40],
                link1_url="https://acme.test/?q=\"><script>").status_code == 302
    page = text(client.get(f"/t/{shipment.public_token}"))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(" in page
    preview = text(console_client(owner).get("/console/branding"))
    assert "<script>alert" not in preview


# --- the live page follows the saved brand ---

def test_saved_change_appears_on_the_live_page(console_client, owner, merchant, make_shipment, client):
    shipment = make_shipment(merchant)
    url = f"/t/{shipment.public_token}"
    first = text(client.get(url))
    assert "Fresh footer" not in first and ":root{--brand:#1f4e79" in first
    assert text(client.get(url)) == first  # from the render cache
    owner_client = console_client(owner)
    assert save(owner_client, footer_text="Fresh footer", brand_color="#0b3d2e",
                link1_label="Our shop", link1_url="https://acme.test/shop",
                locales_offered=["en", "fr"], show_items=None, pos_help="1", pos_status="2",
                pos_items="3", pos_parcels="4").status_code == 302
    page = text(client.get(url))
    assert "Fresh footer" in page and "--brand:#0b3d2e" in page
    assert 'href="https://acme.test/shop"' in page and "Our shop" in page
    langs = re.search(r'<ul class="langs">(.*?)</ul>', page, re.S).group(1)
    assert 'hreflang="fr"' in langs and 'hreflang="ja"' not in langs and 'hreflang="de"' not in langs
    assert page.index('id="help-title"') < page.index('id="headline"')


def test_layout_can_hide_the_timeline(console_client, owner, merchant, make_shipment, client):
    shipment = make_shipment(merchant)
    assert save(console_client(owner), show_timeline=None).status_code == 302
    page = text(client.get(f"/t/{shipment.public_token}"))
    assert "Tracking history" not in page and 'id="headline"' in page
    partial = text(client.get(f"/t/{shipment.public_token}/status"))
    assert "Tracking history" not in partial


# --- logos ---

def upload(client, data: bytes, filename="logo.png", **changes):
    form = valid(**changes)
    form["logo"] = FileStorage(io.BytesIO(data), filename=filename, content_type="application/octet-stream")
    # Encoded in memory: the test client would spool a big body to a file it never closes.
    stream, length, boundary = stream_encode_multipart(MultiDict(
        [(k, v) for k, values in form.items() for v in (values if isinstance(values, list) else [values])]
    ), use_tempfile=False)
    return client.post("/console/branding", input_stream=stream, content_length=length,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_valid_png_is_reencoded_stored_and_served(console_client, owner, merchant, uploads,
                                                  make_shipment, client):
    source = io.BytesIO()
    image = Image.new("RGB", (1600, 400), "#336699")
    exif = Image.Exif()
    exif[0x010E] = "secret description"
    image.save(source, format="JPEG", exif=exif.tobytes())
    response = upload(console_client(owner), source.getvalue(), "logo.jpg")
    assert response.status_code == 302, text(response)
    name = fresh(merchant).logo_path
    assert re.fullmatch(rf"{merchant.id}-[0-9a-f]{{20}}\.png", name)
    assert os.listdir(uploads) == [name]
    served = client.get(f"/media/logos/{name}")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert "max-age=31536000" in served.headers["Cache-Control"]
    data = served.data
    served.close()
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "PNG" and stored.size == (800, 200)
    assert not stored.getexif() and b"secret" not in data
    page = text(client.get(f"/t/{make_shipment(merchant).public_token}"))
    assert f'src="/media/logos/{name}"' in page


def test_replacing_and_removing_the_logo(console_client, owner, merchant, uploads):
    client = console_client(owner)
    upload(client, png_bytes())
    first = fresh(merchant).logo_path
    upload(client, png_bytes(size=(30, 30)))
    second = fresh(merchant).logo_path
    assert second != first and os.listdir(uploads) == [second]
    assert save(client, remove_logo="y").status_code == 302
    assert fresh(merchant).logo_path is None and os.listdir(uploads) == []


@pytest.mark.parametrize("data,filename,message", [
    (b"this is just text, honestly a png", "logo.png", "PNG, JPEG or WebP"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg",
     "PNG, JPEG or WebP"),
    (png_bytes(fmt="GIF"), "logo.gif", "PNG, JPEG or WebP"),
    (png_bytes()[:60], "logo.png", "damaged"),
    (b"", "logo.png", "empty"),
])
def test_bad_images_are_refused(console_client, owner, merchant, uploads, data, filename, message):
    response = upload(console_client(owner), data, filename, footer_text="not saved")
    assert response.status_code == 422
    assert message in html.unescape(text(response))
    assert fresh(merchant).logo_path is None and fresh(merchant).footer_text is None
    assert not uploads.exists() or os.listdir(uploads) == []


def test_oversized_image_is_refused(app, console_client, owner, merchant, uploads):
    noisy = Image.frombytes("RGB", (1000, 1000), os.urandom(3_000_000))
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    assert len(out.getvalue()) > app.config["UPLOAD_MAX_LOGO_BYTES"]
    response = upload(console_client(owner), out.getvalue())
    assert response.status_code == 422
    assert "The logo is too large: at most 2 MB." in text(response)
    assert fresh(merchant).logo_path is None


@pytest.mark.parametrize("size", [(20000, 20000), (7000, 10)])
def test_huge_dimensions_are_refused_before_decoding(app, console_client, owner, merchant, size):
    bomb = io.BytesIO()
    Image.new("1", size).save(bomb, format="PNG")
    response = upload(console_client(owner), bomb.getvalue())
    assert response.status_code == 422
    assert "The image is too big: at most 6000×6000 pixels." in html.unescape(text(response))
    assert fresh(merchant).logo_path is None


@pytest.mark.parametrize("name", ["../config.py", "..%2Fconfig.py", "1-abc.png", "x.png",
                                  "1-0123456789abcdef0123.png.tmp", ".hidden"])
def test_media_route_refuses_other_names(client, name):
    assert client.get(f"/media/logos/{name}").status_code == 404


# --- merchants are kept apart ---

def test_merchant_b_cannot_see_or_change_merchant_a(console_client, owner, merchant, make_merchant,
                                                   make_user, uploads):
    upload(console_client(owner), png_bytes(), footer_text="Acme secret footer")
    a_logo = fresh(merchant).logo_path
    other = make_merchant("globex", name="Globex")
    b_client = console_client(make_user(other, "owner"))
    page = text(b_client.get("/console/branding"))
    assert "Acme secret footer" not in page and a_logo not in page and "Acme Goods" not in page
    # B's saves and removals touch only B, whatever the form carries.
    form = valid(footer_text="Globex footer", remove_logo="y", logo_path=a_logo,
                 merchant_id=str(merchant.id))
    assert b_client.post("/console/branding", data=form,
                         content_type="multipart/form-data").status_code == 302
    a, b = fresh(merchant), db.session.get(Merchant, other.id)
    assert a.footer_text == "Acme secret footer" and a.logo_path == a_logo
    assert b.footer_text == "Globex footer" and b.logo_path is None
    assert os.listdir(uploads) == [a_logo]
    preview = text(b_client.post("/console/branding/preview", data=valid()))
    assert "Acme" not in preview


# --- the preview ---

def test_preview_renders_the_real_page_without_saving(console_client, owner, merchant, make_shipment):
    shipment = make_shipment(merchant, number="DEMOPREVIEW1")
    before = fresh(merchant).footer_text, fresh(merchant).brand_color, fresh(merchant).updated_at
    client = console_client(owner)
    response = client.post("/console/branding/preview", headers={"HX-Request": "true"},
                           data=valid(footer_text="Unsaved footer <b>bold</b>", brand_color="#aa0000"))
    assert response.status_code == 200
    body = text(response)
    frame = re.search(r'<iframe[^>]*sandbox=""[^>]*srcdoc="([^"]*)"', body)
    assert frame, body
    inner = html.unescape(frame.group(1))
    assert shipment.tracking_number in inner and "--brand:#aa0000" in inner
    assert "Unsaved footer &lt;b&gt;bold&lt;/b&gt;" in inner
    assert "<b>bold" not in body  # escaped twice: once in the page, once in the attribute
    db.session.expire_all()
    after = fresh(merchant)
    assert (after.footer_text, after.brand_color, after.updated_at) == before
    assert not db.session.dirty and not db.session.new


def test_preview_with_invalid_values_keeps_the_saved_ones(console_client, owner, merchant):
    body = text(console_client(owner).post("/console/branding/preview",
                                           data=valid(brand_color="javascript:x",
                                                      returns_url="javascript:alert(1)")))
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', body).group(1))
    assert "--brand:#1f4e79" in inner and "javascript:" not in inner


def test_preview_uses_a_sample_without_shipments(console_client, owner, merchant):
    body = text(console_client(owner).get("/console/branding"))
    assert 'hx-post="/console/branding/preview"' in body
    assert 'hx-trigger="change, input delay:400ms"' in body
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', body).group(1))
    assert "SAMPLE0001" in inner and "Acme Goods" in inner
