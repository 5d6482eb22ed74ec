"""Catalogue CSV parsing and the bulk upsert: the rules are the API's, rejects are reported by line."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from tracking.extensions import db
from tracking.models import Product
from tracking.offers.catalogue import upsert
from tracking.offers.catalogue_csv import CsvFileError, read_csv

HEADER = "sku,title,price,currency,image_url,url,category,tags,in_stock,replenish_after_days\n"


@pytest.fixture(autouse=True)
def request_context(app):
    """Messages are translated: read them inside a request, as the console does."""
    with app.test_request_context():
        yield


def parse(text: str, max_rows: int = 100, encoding: str = "utf-8"):
    return read_csv(text.encode(encoding), max_rows)


def test_a_full_row_with_bom_and_tag_separators():
    report = parse("\ufeff" + HEADER + "BEANS,House beans,24.9,EUR,https://cdn.test/b.png,"
                   "https://shop.test/b,coffee,organic|whole bean;fair,yes,30\n")
    assert report.rejected == []
    assert report.products == [{
        "sku": "BEANS", "title": "House beans", "price": Decimal("24.90"), "currency": "EUR",
        "image_url": "https://cdn.test/b.png", "url": "https://shop.test/b", "category": "coffee",
        "tags": ["organic", "whole bean", "fair"], "in_stock": True, "replenish_after_days": 30}]


def test_columns_in_any_order_any_case_only_sku_and_title_required():
    report = parse(" Title ;SKU;In_Stock\nMug;MUG;0\n")  # semicolons, as some spreadsheets save
    assert report.products == [{"sku": "MUG", "title": "Mug", "in_stock": False, "tags": []}]


def test_bad_rows_are_reported_with_line_numbers_and_good_rows_kept():
    text = (HEADER
            + "A,Alpha,1.00,USD,,,,,,\n"
            + ",No sku,,,,,,,,\n"                                   # line 3
            + "C,Gamma,-1,usd,javascript:alert(1),,,,maybe,0\n"     # line 4
            + "\n"                                                  # blank, skipped
            + '"D","multi\nline title",,,,,,,,\n'                   # lines 6-7: a control character
            + "E,Epsilon,2.00,EUR,,,,,,\n"                          # line 8
            + "A,Alpha again,,,,,,,,\n"                             # line 9: repeats line 2
            + "F,too,few\n")                                        # line 10
    report = parse(text)
    assert [p["sku"] for p in report.products] == ["A", "E"]
    rejected = {row.line: (row.sku, row.reasons) for row in report.rejected}
    assert sorted(rejected) == [3, 4, 6, 9, 10]
    assert rejected[3][1] == ["sku: Use 1 to 64 characters."]
    assert {reason.split(":")[0] for reason in rejected[4][1]} == {
        "price", "currency", "image_url", "in_stock", "replenish_after_days"}
    assert rejected[6][0] == "D" and rejected[6][1][0].startswith("title:")
    assert rejected[9] == ("A", ["sku: A is on line 2 already."])
    assert "3 cells" in rejected[10][1][0]


def test_formula_like_cells_are_stored_as_text(merchant):
    formula = '=HYPERLINK("https://evil.test","Click")'
    report = parse(HEADER + f'F1,"{formula.replace(chr(34), chr(34) * 2)}",,,,,"+cmd|\' /C calc\'!A0",@SUM(1),,\n')
    assert report.rejected == []
    upsert(merchant.id, report.products)
    stored = db.session.scalar(select(Product))
    assert (stored.title, stored.category, stored.tags) == (formula, "+cmd|' /C calc'!A0", ["@SUM(1)"])


@pytest.mark.parametrize("data,message", [
    ("sku,title\nA,Caf\xe9\n".encode("latin-1"), "not UTF-8"),
    (b"", "empty"),
    ("name,price\nA,1\n".encode(), "Unknown columns: name"),
    ("sku,price\nA,1\n".encode(), "lacks these columns: title"),
    ("sku,title,sku\nA,B,C\n".encode(), "appear twice: sku"),
    (("sku,title\nA," + "x" * 20_000 + "\n").encode(), "cannot be read as CSV"),
], ids=["latin-1", "empty", "unknown", "missing", "twice", "huge-cell"])
def test_unusable_files_are_refused_whole(data, message):
    with pytest.raises(CsvFileError, match=message):
        read_csv(data, 100)


def test_too_many_rows_is_refused_whole():
    with pytest.raises(CsvFileError, match="more than 2 products"):
        parse("sku,title\nA,a\nB,b\nC,c\n", max_rows=2)


def test_upsert_creates_updates_and_keeps_merchants_apart(merchant, make_merchant):
    other = make_merchant("bravo")
    upsert(other.id, [{"sku": "A", "title": "Bravo's A", "tags": []}])
    first = upsert(merchant.id, [{"sku": "A", "title": "A", "tags": ["x"]}, {"sku": "B", "title": "B", "tags": []}])
    again = upsert(merchant.id, [{"sku": "A", "title": "A2", "tags": [], "in_stock": False}])
    assert (first.created, first.updated, again.created, again.updated) == (2, 0, 0, 1)
    rows = {(p.merchant_id, p.sku): (p.title, p.in_stock, p.tags)
            for p in db.session.scalars(select(Product)).all()}
    assert rows == {(other.id, "A"): ("Bravo's A", True, []), (merchant.id, "A"): ("A2", False, []),
                    (merchant.id, "B"): ("B", True, [])}


def test_upsert_of_many_rows_in_chunks(merchant):
    products = [{"sku": f"S{n:05}", "title": f"T{n}", "tags": []} for n in range(1200)]
    assert upsert(merchant.id, products).created == 1200
    assert upsert(merchant.id, products).updated == 1200
