"""Branded order-tracking page server."""
import copy
import os

from flask import Flask

from . import config as default_config


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then TRACKING_* variables, then `test_config`."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_object(default_config)
    # Nested settings (CARRIERS, POLL_POLICY, ...) are updated in place by TRACKING_X__y
    # variables: give each app its own copies, never the module's.
    app.config.update(copy.deepcopy({k: v for k, v in app.config.items()
                                     if isinstance(v, (dict, list))}))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
        app.config.from_prefixed_env("TRACKING")
    else:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config["SECRET_KEY"] == default_config.SECRET_KEY and not (app.debug or app.testing):
        raise RuntimeError(
            "Set SECRET_KEY in instance/config.py or TRACKING_SECRET_KEY (make install writes one)."
        )

    from .db import configure_database
    configure_database(app)

    from .extensions import api, babel, compress, csrf, htmx, limiter, login, migrate
    from .i18n import forget_previous_request, select_locale, select_timezone
    from .extensions import db

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.before_request(forget_previous_request)
    htmx.init_app(app)
    compress.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login.init_app(app)
    api.init_app(app)

    from . import (api as api_package, assets, cli, console, errors, health, mail, metrics, offers,
                   outbound, pages, sms, webhooks)
    mail.init_app(app)
    sms.init_app(app)
    assets.register(app)
    api_package.register(app)
    pages.register(app)
    offers.register(app)  # the offers partial and click redirect; attribution of new orders
    console.register(app)
    from . import support
    support.register(app)  # after the console: it shares its sign-in
    health.register(app)
    metrics.register(app)
    webhooks.register(app)
    outbound.register(app)  # queues outbound webhooks on every status change, in every process
    errors.register(app)
    cli.register(app)
    return app
