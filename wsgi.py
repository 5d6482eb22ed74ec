"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""
from tracking import create_app

app = create_app()
