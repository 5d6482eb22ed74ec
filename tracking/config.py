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
# Host names that serve the whole app (console, API, every merchant's pages). Any other Host
# is looked up among merchants' custom domains (shopper pages only) or answered 404.
# None: the host of PUBLIC_BASE_URL plus localhost and 127.0.0.1.
PRIMARY_HOSTS = None

# Languages offered to shoppers; the first is the fallback.
LANGUAGES = ["en", "es", "fr", "de", "pt_BR", "ja"]
BABEL_DEFAULT_LOCALE = "en"
BABEL_DEFAULT_TIMEZONE = "UTC"

# Merchant logo uploads: folder (None: <instance>/uploads), largest upload in bytes, and the
# largest stored size in pixels (bigger images are scaled down; stored re-encoded as PNG).
UPLOAD_FOLDER = None
UPLOAD_MAX_LOGO_BYTES = 2 * 1024 * 1024
UPLOAD_MAX_LOGO_PIXELS = 800

# Seconds between htmx refreshes of a live tracking page.
PAGE_REFRESH_SECONDS = 60

# --- Offers on the tracking page (tracking/offers/) ---
# Days after a click during which a new order of the same customer is credited to the offer.
OFFER_ATTRIBUTION_DAYS = 7
# Repeat clicks on the same offer link from the same page within this many seconds count once.
OFFER_CLICK_DEDUPE_SECONDS = 10
# Products shown by a recommendations offer.
OFFER_RECOMMENDATIONS = 4
# Impressions each A/B variant needs before the report calls a winner.
OFFER_REPORT_MIN_IMPRESSIONS = 200
# Page views and offer impressions are counted in memory and written at most this often per
# web process (one upsert per shipment or variant and day, not a write per view); 0: every view.
PAGE_VIEW_FLUSH_SECONDS = 5

# Worker: seconds between polling rounds, shipments claimed per round, seconds a claim is held
# (a worker that dies mid-round loses its claims after this and another takes them over).
WORKER_INTERVAL_SECONDS = 30
POLL_BATCH_SIZE = 240  # a multiple of POLL_THREADS x 30 (FedEx's batch) keeps every thread busy
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
# "max_polls_per_day" caps the polls of one shipment in any 24 h ({"dhl": {"max_polls_per_day": 8}};
# None lifts the adapter's cap). The count is read from poll records: keep POLL_RECORD_DAYS >= 1.
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

# Outbound webhooks (merchants' endpoints, Standard Webhooks signatures): seconds between the
# worker's delivery rounds, deliveries claimed per round, seconds a claim is held (a worker that
# dies mid-round loses its claims after this and another worker retries them).
OUTBOUND_WEBHOOKS_INTERVAL_SECONDS = 5
OUTBOUND_WEBHOOKS_BATCH_SIZE = 50
OUTBOUND_WEBHOOKS_CLAIM_SECONDS = 300
# Deliveries in flight at once inside one worker, so one slow receiver does not hold up the rest.
OUTBOUND_WEBHOOKS_THREADS = 4
# Seconds to connect, and then to wait for each read of the answer; redirects are never followed.
OUTBOUND_WEBHOOKS_TIMEOUT_SECONDS = 5
# Waits (seconds) before each retry of a failed delivery; after the last one it is `dead`.
OUTBOUND_WEBHOOKS_RETRY_SCHEDULE = [30, 120, 600, 3600, 6 * 3600, 24 * 3600]
# Days messages and their delivery log are kept.
OUTBOUND_WEBHOOKS_RETENTION_DAYS = 30
# SSRF guard: allow plain http:// endpoints, and endpoints on private, loopback or link-local
# addresses (only for an instance whose receivers live on its own network, or for development).
OUTBOUND_WEBHOOKS_ALLOW_HTTP = False
OUTBOUND_WEBHOOKS_ALLOW_PRIVATE = False
# CA bundle (path) that verifies receivers' TLS certificates; None: the bundled public CAs.
OUTBOUND_WEBHOOKS_CA_BUNDLE = None

# Simulated carrier: how many real seconds one scenario hour takes (60 = one hour per minute).
DEMO_SECONDS_PER_HOUR = 60

# Carrier codes to enable (None: every installed adapter), e.g. ["ups", "dhl"].
CARRIERS_ENABLED = None
# Carrier credentials, keyed by carrier code: {"ups": {"client_id": ..., "client_secret": ..., "base_url": ...}}.
CARRIERS = {}
# Fernet key(s) that seal merchants' own carrier credentials at rest (tracking.secrets_box).
# A list (or comma-separated string) rotates keys: the first seals, every one opens. None: the
# console refuses to store credentials (a debug app derives a development key from SECRET_KEY).
# Make one: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'
CREDENTIALS_KEY = None

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

# --- Merchant console: accounts, sessions, mail ---
# Session and remember-me cookies over HTTPS only. None: automatic, Secure unless the app runs
# in debug or PUBLIC_BASE_URL is plain http on this machine (http://127.0.0.1:5000, as in
# `make demo`), where browsers would drop a Secure cookie and no sign-in could stick. Set False
# only for plain-http use off this machine (never across the internet); True forces it.
SESSION_COOKIE_SECURE = None
REMEMBER_COOKIE_SECURE = None
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
# Seconds a console sign-in lasts without a request (the signed cookie's age, checked server-side).
PERMANENT_SESSION_LIFETIME = 12 * 3600
# Failed sign-ins allowed per client address and, separately, per email address (Flask-Limiter).
LOGIN_RATE_LIMIT = "5 per minute;30 per hour"
# Password-reset requests allowed per client address and, separately, per email address.
RESET_RATE_LIMIT = "5 per hour"
# Seconds a password-reset link stays valid; it also stops working once used.
PASSWORD_RESET_MAX_AGE = 3600
# argon2id cost, e.g. {"memory_cost": 19456, "time_cost": 2, "parallelism": 1} (OWASP's minimum);
# {}: argon2-cffi's defaults (RFC 9106 low-memory: 64 MiB, 3 passes, 4 lanes). A stored hash
# is upgraded to the current settings at the user's next sign-in.
PASSWORD_HASH_PARAMS = {}
# Outgoing mail (password resets, tracking links). MAIL_SERVER None: the message is logged instead of sent.
# Every message also stays in memory, the last 50 in app.extensions["outbox"] (tests read it).
MAIL_SERVER = None
MAIL_PORT = 587
# "starttls" (submission, port 587), "ssl" (SMTPS, port 465) or "none" (a local relay only).
MAIL_SECURITY = "starttls"
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_FROM = "Order tracking <no-reply@localhost>"
# Seconds to wait for the SMTP server before giving up (mail is sent off the request thread).
MAIL_TIMEOUT = 10

# --- Outgoing SMS (the tracking link by text message; tracking/sms.py) ---
# "log": log the message instead of sending it; "twilio": send through Twilio's REST API.
# Either way the last 50 stay in memory, in app.extensions["sms_outbox"] (tests read it).
SMS_BACKEND = "log"
# The sender: a Twilio phone number in E.164 form (+15550100100) or an alphanumeric sender ID.
SMS_FROM = None
# Twilio account SID and auth token (keep the token in instance/config.py or the environment).
SMS_TWILIO_ACCOUNT_SID = None
SMS_TWILIO_AUTH_TOKEN = None
# Scheme and host of Twilio's API; a local test server can stand in.
SMS_TWILIO_BASE_URL = "https://api.twilio.com"
# Seconds to connect to the SMS gateway, then to wait for its answer (SMS is sent on the request).
SMS_CONNECT_TIMEOUT_SECONDS = 5
SMS_READ_TIMEOUT_SECONDS = 10

# --- Offers: product catalogue and recommendations (tracking/offers/) ---
# Largest catalogue CSV a console upload accepts (bytes), and the most products in one file.
CATALOGUE_CSV_MAX_BYTES = 5 * 1024 * 1024
CATALOGUE_CSV_MAX_ROWS = 20_000
# Largest POST /api/v1/products body (bytes): 1000 products with long URLs outgrow MAX_CONTENT_LENGTH.
PRODUCTS_API_MAX_BYTES = 4 * 1024 * 1024
# Hours between the worker's recomputes of every merchant's recommendations.
RECOMMENDATIONS_INTERVAL_HOURS = 6
# Recommendations stored per sku (the page shows fewer: stock can change between recomputes).
RECOMMENDATIONS_PER_PRODUCT = 12
# Orders two skus must share before they count as "bought together" (one coincidence is not).
RECOMMENDATIONS_MIN_SUPPORT = 3
# Days of order history read by the precompute; 0 reads all of it.
RECOMMENDATIONS_HISTORY_DAYS = 365
