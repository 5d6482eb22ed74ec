"""Default configuration; `instance/config.py` and `TRACKING_*` variables override it."""

# Flask's signing key. The factory refuses to start outside debug/testing with this value.
SECRET_KEY = "dev-insecure-change-me"

# SQLite file in the instance folder unless DATABASE_URL or TRACKING_SQLALCHEMY_DATABASE_URI is set.
SQLALCHEMY_DATABASE_URI = None
SQLALCHEMY_ENGINE_OPTIONS = {}
# Milliseconds a SQLite writer waits for the lock before failing.
SQLITE_BUSY_TIMEOUT_MS = 5000

# Public base URL used to build tracking links in API answers and seed output.
PUBLIC_BASE_URL = "http://127.0.0.1:5000"

# Languages offered to shoppers; the first is the fallback.
LANGUAGES = ["en", "es", "fr", "de", "pt_BR", "ja"]
BABEL_DEFAULT_LOCALE = "en"
BABEL_DEFAULT_TIMEZONE = "UTC"

# Seconds between htmx refreshes of a live tracking page.
PAGE_REFRESH_SECONDS = 60

# Worker: seconds between polling rounds, shipments claimed per round, seconds a claim is held.
WORKER_INTERVAL_SECONDS = 30
POLL_BATCH_SIZE = 100
POLL_CLAIM_SECONDS = 300
# Seconds until a shipment is polled again after a poll (the polling engine issue refines this).
POLL_INTERVAL_SECONDS = 1800
# Days without carrier news after which a shipment becomes `expired`.
EXPIRE_AFTER_DAYS = 30

# Simulated carrier: how many real seconds one scenario hour takes (60 = one hour per minute).
DEMO_SECONDS_PER_HOUR = 60

# Carrier codes to enable (None: every installed adapter), e.g. ["ups", "dhl"].
CARRIERS_ENABLED = None
# Carrier credentials, keyed by carrier code: {"ups": {"client_id": ..., "client_secret": ..., "base_url": ...}}.
CARRIERS = {}

# Flask-Limiter: storage ("memory://" or "redis://127.0.0.1:6379") and limits.
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = True
API_RATE_LIMIT = "600 per minute"
LOOKUP_RATE_LIMIT = "10 per minute;50 per hour"
# Inbound provider webhooks, per sender address and merchant.
WEBHOOK_RATE_LIMIT = "600 per minute"

# flask-smorest: the OpenAPI document served at /api/v1/openapi.json.
API_TITLE = "Tracking API"
API_VERSION = "v1"
OPENAPI_VERSION = "3.1.0"
OPENAPI_URL_PREFIX = "/api/v1"
OPENAPI_JSON_PATH = "openapi.json"

# CSRF tokens live as long as the session; the API and webhooks are exempt.
WTF_CSRF_TIME_LIMIT = None
# Static files are served under content-hashed URLs (tracking/assets.py): cache them a year.
SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 3600
# Flask-Compress: gzip or brotli for HTML, CSS, JS and JSON when the client accepts it.
COMPRESS_ALGORITHM = ["br", "gzip"]
COMPRESS_MIN_SIZE = 500
COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                      "application/json", "application/problem+json", "image/svg+xml"]

# Largest request body accepted (bytes); API payloads are small.
MAX_CONTENT_LENGTH = 1024 * 1024
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
