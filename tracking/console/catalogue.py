"""Console: the product catalogue — list and search, CSV upload with a report, recompute recommendations."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import Product
from ..offers.catalogue import upsert
from ..offers.catalogue_csv import CsvFileError, CsvReport, read_csv
from ..offers.recommend import compute, last_run
from .access import MANAGERS, current_merchant_id, login_required_role, scoped
from .blueprint import bp
from .forms import PostForm

PER_PAGE = 50
FORM_OVERHEAD = 64 * 1024  # room for the form around the file, so a big file gets its own message


class CatalogueUploadForm(FlaskForm):
    csv_file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))],
                         description=_l("UTF-8, a header row, then one product per row. Columns: "
                                        "sku, title, price, currency, image_url, url, category, "
                                        "tags (separated by | or ;), in_stock, "
                                        "replenish_after_days. Only sku and title are required."))


def _search(query: str):
    """The merchant's products matching `query` in sku or title (case-insensitive, literal)."""
    stmt = scoped(select(Product))
    if query:
        stmt = stmt.where(or_(Product.sku.icontains(query, autoescape=True),
                              Product.title.icontains(query, autoescape=True)))
    return stmt


def _page(form: CatalogueUploadForm, status: int = 200, report: CsvReport | None = None,
          saved=None):
    query = (request.args.get("q") or "").strip()[:100]
    page = request.args.get("page", 1, type=int)
    page = page if page and 0 < page < 100_000 else 1
    stmt = _search(query)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    products = db.session.scalars(stmt.order_by(Product.sku).limit(PER_PAGE)
                                  .offset((page - 1) * PER_PAGE)).all()
    return render_template(
        "console/catalogue.html", form=form, post_form=PostForm(), products=products,
        query=query, page=page, total=total, has_next=page * PER_PAGE < total, report=report,
        saved=saved, run=last_run(current_merchant_id()),
        max_mb=current_app.config["CATALOGUE_CSV_MAX_BYTES"] / 1024 / 1024), status


@bp.get("/catalogue")
@login_required_role(*MANAGERS)
def catalogue():
    """The merchant's products (searchable, paginated), the CSV upload, the recompute button."""
    return _page(CatalogueUploadForm())


def _read_upload(form: CatalogueUploadForm) -> CsvReport | None:
    """The upload's report; None with the reason on the field when the file is refused."""
    limit = current_app.config["CATALOGUE_CSV_MAX_BYTES"]
    data = form.csv_file.data.read(limit + 1)
    if len(data) > limit:
        form.csv_file.errors = [_("The file is larger than %(mb).1f MB; split it.",
                                  mb=limit / 1024 / 1024)]
        return None
    try:
        return read_csv(data, current_app.config["CATALOGUE_CSV_MAX_ROWS"])
    except CsvFileError as error:
        form.csv_file.errors = [str(error)]
        return None


@bp.post("/catalogue/upload")
@login_required_role(*MANAGERS)
def upload_catalogue():
    """Import a CSV: valid rows are saved, rejected ones listed with their line and reasons."""
    request.max_content_length = current_app.config["CATALOGUE_CSV_MAX_BYTES"] + FORM_OVERHEAD
    form = CatalogueUploadForm()
    report = _read_upload(form) if form.validate_on_submit() else None
    if report is None:
        return _page(form, 422)
    saved = upsert(current_merchant_id(), report.products) if report.products else None
    return _page(CatalogueUploadForm(), 200 if report.products or not report.rejected else 422,
                 report=report, saved=saved)


@bp.post("/catalogue/recompute")
@login_required_role(*MANAGERS)
def recompute_recommendations():
    """Recompute this merchant's recommendations now instead of at the worker's next run."""
    if not PostForm().validate_on_submit():
        abort(400)
    summary = compute(current_merchant_id())
    flash(_("Recommendations recomputed: %(rows)d from %(orders)d orders.",
            rows=summary.rows, orders=summary.orders), "success")
    return redirect(url_for("console.catalogue"))
