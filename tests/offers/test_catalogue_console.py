"""Console catalogue page: roles, CSV upload and its report, listing and search, recompute."""
import io

import pytest
from sqlalchemy import func, select

from tests.offers.catalogue_helpers import add_orders, add_products
from tracking.extensions import db
from tracking.models import Product, ProductRecommendation

URL = "/console/catalogue"


def upload(client, text: str | bytes, name: str = "products.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(URL + "/upload", data={"csv_file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def products_of(merchant) -> dict[str, str]:
    return dict(db.session.execute(select(Product.sku, Product.title)
                                   .filter_by(merchant_id=merchant.id)).all())


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_managers_see_the_page_and_the_menu_links_it(merchant, make_user, console_client, role):
    client = console_client(make_user(merchant, role))
    page = client.get(URL)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/console/catalogue" aria-current="page"' in html
    assert 'enctype="multipart/form-data"' in html and 'for="csv_file"' in html


def test_agents_are_refused_everything(merchant, agent, console_client):
    client = console_client(agent)
    assert client.get(URL).status_code == 403
    assert upload(client, "sku,title\nA,B\n").status_code == 403
    assert client.post(URL + "/recompute").status_code == 403
    assert products_of(merchant) == {}
    assert "/console/catalogue" not in client.get("/console/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(URL).status_code in (302, 401)
    assert upload(client, "sku,title\nA,B\n").status_code in (302, 401)
    assert db.session.scalar(select(func.count(Product.id))) == 0


def test_upload_saves_valid_rows_and_reports_rejected_ones(merchant, owner, console_client):
    client = console_client(owner)
    response = upload(client, "\ufeffsku,title,price,currency\nA,<b>Alpha</b>,1.50,EUR\nB,,2,EUR\n"
                              "C,=1+2,3,EUR\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 products added, 0 updated." in html
    assert "<td>3</td>" in html and "title: Use 1 to 300 characters." in html
    assert "&lt;b&gt;Alpha&lt;/b&gt;" in html and "<b>Alpha</b>" not in html
    assert products_of(merchant) == {"A": "<b>Alpha</b>", "C": "=1+2"}
    again = upload(client, "sku,title\nA,Alpha 2\n").get_data(as_text=True)
    assert "0 products added, 1 updated." in again and products_of(merchant)["A"] == "Alpha 2"


def test_an_unusable_file_is_explained_on_the_field_and_nothing_saved(merchant, owner, console_client):
    client = console_client(owner)
    for data, message in [("name,title\nA,B\n", "Unknown columns: name"),
                          ("sku,title\nA,Caf\xe9\n".encode("latin-1"), "not UTF-8")]:
        response = upload(client, data)
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and message in html
        assert 'aria-invalid="true"' in html and 'id="csv_file-error"' in html
    assert client.post(URL + "/upload", data={}).status_code == 422
    assert products_of(merchant) == {}


def test_a_file_over_the_size_cap_is_refused(app, merchant, owner, console_client):
    app.config["CATALOGUE_CSV_MAX_BYTES"] = 100
    response = upload(console_client(owner), "sku,title\n" + "".join(f"S{n},T{n}\n" for n in range(50)))
    assert response.status_code == 422 and "larger than" in response.get_data(as_text=True)
    assert products_of(merchant) == {}


def test_list_is_searchable_paginated_and_only_the_merchants_own(merchant, make_merchant, owner,
                                                                  console_client):
    add_products(merchant, *[f"SKU-{n:03}" for n in range(60)], **{"100%_OFF": {"title": "Odd"}})
    add_products(make_merchant("bravo"), "SKU-BRAVO", **{"SKU-000": {"title": "Bravo secret"}})
    client = console_client(owner)
    first = client.get(URL).get_data(as_text=True)
    assert "61 products" in first and "SKU-000" in first and "SKU-049" not in first  # "100%_OFF" sorts first
    assert 'rel="next"' in first and "Bravo" not in first
    second = client.get(URL + "?page=2").get_data(as_text=True)
    assert "SKU-059" in second and 'rel="prev"' in second and 'rel="next"' not in second
    found = client.get(URL + "?q=sku-05").get_data(as_text=True)
    assert "10 products" in found and "SKU-050" in found and "SKU-049" not in found
    # Wildcards are literal: "%" matches the one sku holding it, not everything.
    literal = client.get(URL + "?q=%25").get_data(as_text=True)
    assert ">1 product<" in literal and "100%_OFF" in literal and "SKU-000" not in literal
    assert "No product matches" in client.get(URL + "?q=nothing-like-it").get_data(as_text=True)
    assert client.get(URL + "?page=-3").status_code == 200


def test_recompute_now_writes_recommendations_and_shows_when(merchant, owner, console_client):
    add_products(merchant, "BEANS", "FILTERS", "GIFTBOX")
    add_orders(merchant, [["BEANS", "FILTERS"], ["GIFTBOX"]], times=3)
    client = console_client(owner)
    assert "Not computed yet" in client.get(URL).get_data(as_text=True)
    response = client.post(URL + "/recompute", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Recommendations recomputed" in html and "Last computed" in html and "from 6 orders" in html
    assert db.session.scalar(select(ProductRecommendation.recommended_sku).filter_by(
        merchant_id=merchant.id, sku="BEANS", rank=1)) == "FILTERS"
