"""Console: the merchant's custom domains — add, remove, the DNS record to create, check now."""
import ipaddress
import re
import socket

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ..extensions import db
from ..models import CustomDomain
from ..models.types import utcnow
from ..pages.hosts import primary_hosts, public_host
from .access import MANAGERS, current_merchant_id, login_required_role, own_or_404, scoped
from .blueprint import bp
from .forms import PostForm

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalise_hostname(value: str) -> str:
    """`value` lower-cased, without scheme, path or trailing dot; ValueError when not a host name
    a merchant may add."""
    host = (value or "").strip().lower()
    host = re.sub(r"^[a-z]+://", "", host).split("/")[0].rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        raise ValueError(_("Enter a host name, not an IP address."))
    labels = host.split(".")
    if (len(host) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels)
            or labels[-1].isdigit()):
        raise ValueError(_("Enter a host name such as track.example-shop.com."))
    if host in primary_hosts():
        raise ValueError(_("This is the address of this service itself."))
    return host


class HostnameSyntax:
    def __call__(self, form, field):
        try:
            field.data = normalise_hostname(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class DomainForm(FlaskForm):
    hostname = StringField(_l("Host name"), validators=[DataRequired(), Length(max=253), HostnameSyntax()],
                           description=_l("A name of your own shop's domain, e.g. track.example-shop.com."))


def addresses(hostname: str) -> set[str]:
    """Every address the name resolves to now (empty when it does not resolve)."""
    try:
        return {info[4][0] for info in socket.getaddrinfo(hostname, None)}
    except (OSError, UnicodeError):
        return set()


def points_here(hostname: str, target: str) -> tuple[bool, set[str]]:
    """Whether `hostname` reaches this service, and the addresses it resolves to.

    A CNAME to `target` (or A records copying its addresses) makes both names resolve to the
    same addresses, so the name points here when the two sets share one. When the target itself
    cannot be resolved from here (a private or development set-up), resolving at all is the best
    evidence there is.
    """
    found = addresses(hostname)
    ours = addresses(target)
    return (bool(found & ours) if ours else bool(found)), found


def _page(form: DomainForm, status: int = 200):
    domains = db.session.scalars(scoped(select(CustomDomain).order_by(CustomDomain.hostname))).all()
    return render_template("console/domains.html", domains=domains, form=form, post_form=PostForm(),
                           target=public_host()), status


@bp.get("/domains")
@login_required_role(*MANAGERS)
def domains():
    """The merchant's domains with the DNS record each needs; a form to add one."""
    return _page(DomainForm())


@bp.post("/domains")
@login_required_role(*MANAGERS)
def add_domain():
    form = DomainForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    hostname = form.hostname.data
    if db.session.scalar(select(CustomDomain.id).where(CustomDomain.hostname == hostname)):
        form.hostname.errors = [_("This host name is in use already.")]
        return _page(form, 422)
    db.session.add(CustomDomain(merchant_id=current_merchant_id(), hostname=hostname))
    db.session.commit()
    flash(_("%(host)s is added: create its DNS record, then check it.", host=hostname), "success")
    return redirect(url_for("console.domains"))


@bp.post("/domains/<int:domain_id>/remove")
@login_required_role(*MANAGERS)
def remove_domain(domain_id: int):
    if not PostForm().validate_on_submit():
        abort(400)
    domain = own_or_404(CustomDomain, domain_id)
    db.session.delete(domain)
    db.session.commit()
    flash(_("%(host)s is removed.", host=domain.hostname), "success")
    return redirect(url_for("console.domains"))


@bp.post("/domains/<int:domain_id>/check")
@login_required_role(*MANAGERS)
def check_domain(domain_id: int):
    """Look the name up now; a name that reaches this service is marked verified."""
    if not PostForm().validate_on_submit():
        abort(400)
    domain = own_or_404(CustomDomain, domain_id)
    here, found = points_here(domain.hostname, public_host())
    if here:
        domain.verified_at = utcnow()
        db.session.commit()
        flash(_("%(host)s points to this service.", host=domain.hostname), "success")
    elif found:
        domain.verified_at = None
        db.session.commit()
        flash(_("%(host)s resolves to %(addresses)s, which is not this service: make it a CNAME "
                "to %(target)s.", host=domain.hostname, addresses=", ".join(sorted(found)),
                target=public_host()), "error")
    else:
        flash(_("%(host)s does not resolve yet. DNS changes can take a few hours.",
                host=domain.hostname), "error")
    return redirect(url_for("console.domains"))
