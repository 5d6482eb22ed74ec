"""Console: offer slots and their A/B variants (owners and admins), and each offer's report."""
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import delete, select

from ..extensions import db
from ..models import Offer, OfferAttribution, OfferClick, OfferImpressionDay, OfferVariant
from ..models.merchant import move_page_version
from ..models.types import utcnow
from ..offers import reports
from ..pages.branding import offered_locales
from .access import MANAGERS, current_merchant, current_merchant_id, login_required_role, own_or_404, scoped
from .blueprint import bp
from .forms import PostForm
from .offers_forms import KIND_NAMES, PLACEMENT_NAMES, OfferForm, variant_form


def _commit() -> None:
    """Save, and move the merchant's page version on: cached tracking pages decide from it
    whether to hold the offers placeholder, so a first offer shows (and a last one goes) at once."""
    move_page_version(current_merchant_id(), utcnow())
    db.session.commit()


def _checked_post() -> None:
    if not PostForm().validate_on_submit():
        abort(400)


def _variant_or_404(offer: Offer, variant_id: int) -> OfferVariant:
    variant = next((v for v in offer.variants if v.id == variant_id), None)
    if variant is None:
        abort(404)
    return variant


def _forget_stats(column, value) -> None:
    """Delete the measurements of an offer or variant (before the offer or variant itself)."""
    for model in (OfferAttribution, OfferClick, OfferImpressionDay):
        db.session.execute(delete(model).where(getattr(model, column.key) == value))


@bp.get("/offers")
@login_required_role(*MANAGERS)
def offers():
    """Every offer with its totals: impressions, clicks, CTR, attributed orders and revenue."""
    rows = db.session.scalars(scoped(select(Offer)).order_by(Offer.enabled.desc(), Offer.priority.desc(),
                                                             Offer.id)).all()
    stats = reports.offer_stats(rows)
    totals = {offer.id: reports.total(stats[offer.id]) for offer in rows}
    return render_template("console/offers.html", offers=rows, totals=totals, kinds=KIND_NAMES,
                           placements=PLACEMENT_NAMES, post_form=PostForm())


def _offer_page(form: OfferForm, offer: Offer | None, status: int = 200):
    return render_template("console/offers_edit.html", form=form, offer=offer, kinds=KIND_NAMES,
                           post_form=PostForm()), status


@bp.route("/offers/new", methods=["GET", "POST"])
@login_required_role(*MANAGERS)
def new_offer():
    """Create an offer; its first variant is written next."""
    merchant = current_merchant()
    form = OfferForm()
    if not form.validate_on_submit():
        return _offer_page(form, None, 422 if form.is_submitted() else 200)
    offer = Offer(merchant_id=merchant.id)
    form.apply_to(offer, merchant.timezone)
    db.session.add(offer)
    _commit()
    flash(_("Offer saved. Now write what shoppers will see."), "success")
    return redirect(url_for("console.new_offer_variant", offer_id=offer.id))


@bp.route("/offers/<int:offer_id>", methods=["GET", "POST"])
@login_required_role(*MANAGERS)
def edit_offer(offer_id: int):
    """Change an offer's kind, place, schedule and targeting; list its variants."""
    merchant, offer = current_merchant(), own_or_404(Offer, offer_id)
    form = OfferForm()
    if not form.is_submitted():
        form.fill_from(offer, merchant.timezone)
        return _offer_page(form, offer)
    if not form.validate():
        return _offer_page(form, offer, 422)
    form.apply_to(offer, merchant.timezone)
    _commit()
    flash(_("Offer saved."), "success")
    return redirect(url_for("console.edit_offer", offer_id=offer.id))


@bp.post("/offers/delete/<int:offer_id>")
@login_required_role(*MANAGERS)
def delete_offer(offer_id: int):
    """Delete an offer with its variants and its measurements."""
    _checked_post()
    offer = own_or_404(Offer, offer_id)
    _forget_stats(OfferImpressionDay.offer_id, offer.id)
    db.session.delete(offer)
    _commit()
    flash(_("Offer deleted."), "success")
    return redirect(url_for("console.offers"))


@bp.get("/offers/<int:offer_id>/report")
@login_required_role(*MANAGERS)
def offer_report(offer_id: int):
    """Per variant: impressions, clicks, CTR with its 95 % interval, orders, revenue; A/B verdicts."""
    offer = own_or_404(Offer, offer_id)
    stats = reports.offer_stats([offer])[offer.id]
    return render_template("console/offers_report.html", offer=offer, stats=stats,
                           total=reports.total(stats), comparisons=reports.comparisons(stats),
                           min_impressions=current_app.config["OFFER_REPORT_MIN_IMPRESSIONS"])


def _variant_form(offer: Offer, **kwargs):
    merchant = current_merchant()
    locales = offered_locales(merchant, current_app.config["LANGUAGES"])
    return variant_form(offer.kind, locales, merchant.default_locale, **kwargs)


def _variant_page(form, offer: Offer, variant: OfferVariant | None, status: int = 200):
    return render_template("console/offers_variant.html", form=form, offer=offer, variant=variant,
                           kinds=KIND_NAMES), status


@bp.route("/offers/<int:offer_id>/variants/new", methods=["GET", "POST"])
@login_required_role(*MANAGERS)
def new_offer_variant(offer_id: int):
    """Add a variant (the first one, or another for an A/B test)."""
    offer = own_or_404(Offer, offer_id)
    form = _variant_form(offer)
    if not form.is_submitted():
        form.name.data = "ABCDEFGH"[len(offer.variants)] if len(offer.variants) < 8 else ""
    if not form.validate_on_submit():
        return _variant_page(form, offer, None, 422 if form.is_submitted() else 200)
    variant = OfferVariant(merchant_id=offer.merchant_id)
    form.apply_to(variant)
    offer.variants.append(variant)
    _commit()
    flash(_("Variant saved."), "success")
    return redirect(url_for("console.edit_offer", offer_id=offer.id))


@bp.route("/offers/<int:offer_id>/variants/<int:variant_id>", methods=["GET", "POST"])
@login_required_role(*MANAGERS)
def edit_offer_variant(offer_id: int, variant_id: int):
    """Change a variant's text, image, link, code or weight."""
    offer = own_or_404(Offer, offer_id)
    variant = _variant_or_404(offer, variant_id)
    form = _variant_form(offer)
    if not form.is_submitted():
        form.fill_from(variant)
        return _variant_page(form, offer, variant)
    if not form.validate():
        return _variant_page(form, offer, variant, 422)
    form.apply_to(variant)
    _commit()
    flash(_("Variant saved."), "success")
    return redirect(url_for("console.edit_offer", offer_id=offer.id))


@bp.post("/offers/<int:offer_id>/variants/<int:variant_id>/delete")
@login_required_role(*MANAGERS)
def delete_offer_variant(offer_id: int, variant_id: int):
    """Delete a variant and its measurements."""
    _checked_post()
    offer = own_or_404(Offer, offer_id)
    variant = _variant_or_404(offer, variant_id)
    _forget_stats(OfferImpressionDay.variant_id, variant.id)
    offer.variants.remove(variant)
    _commit()
    flash(_("Variant deleted."), "success")
    return redirect(url_for("console.edit_offer", offer_id=offer.id))
