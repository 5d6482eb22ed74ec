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

# Worker: seconds between polling rounds, shipments claimed per round, seconds a claim is held
# (a worker that dies mid-round loses its claims after this and another takes them over).
WORKER_INTERVAL_SECONDS = 30
POLL_BATCH_SIZE = 200
POLL_CLAIM_SECONDS = 300
# Carrier requests in flight at once inside one worker, so slow carriers do not serialise it.
POLL_THREADS = 8
# Overrides of tracking.polling.policy.DEFAULTS, e.g. {"out_for_delivery_minutes": 30}.
POLL_POLICY = {}
# First wait after a failed poll (seconds); it doubles with each failure in a row, up to a day.
POLL_RETRY_SECONDS = 300
# Days without carrier news after which a shipment becomes `expired`.
EXPIRE_AFTER_DAYS = 30
# Days a poll's record (outcome, HTTP status, raw payload) is kept for support.
POLL_RECORD_DAYS = 14
# Circuit breaker: failed batches in a row that pause a carrier, and the first pause (seconds,
# doubling each time it reopens, up to CIRCUIT_MAX_OPEN_SECONDS).
CIRCUIT_FAILURES = 5
CIRCUIT_OPEN_SECONDS = 60
CIRCUIT_MAX_OPEN_SECONDS = 1800
# Carrier quotas shared by every worker: "memory://" for one process, "redis://host:6379" for many.
CARRIER_RATE_LIMIT_STORAGE_URI = "memory://"
# Per-carrier overrides of the adapters' published limits: {"ups": {"per_second": 5, "per_day": 10000}}.
CARRIER_RATE_LIMITS = {}
# Longest a worker thread waits for a per-second carrier quota before rescheduling (seconds).
CARRIER_RATE_LIMIT_MAX_WAIT = 2.0
# Hours without a scan after which a shipment counts as stalled, per status; per-carrier overrides
# under the carrier's code: {"dhl": {"in_transit": 120}}.
STALL_AFTER_HOURS = {"info_received": 72, "in_transit": 96, "out_for_delivery": 24,
                     "failed_attempt": 72, "available_for_pickup": 240, "exception": 120}
# Worker log lines: "text" for people, "json" (one object a line, with fields) for log pipelines.
LOG_FORMAT = "text"
# Bearer token required by GET /metrics (None: open; put it behind your network's edge then).
METRICS_TOKEN = None
# Port where a worker serves its Prometheus metrics (0: off); the web serves /metrics itself.
WORKER_METRICS_PORT = 0

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
