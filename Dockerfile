# The CRM image: gunicorn for the web, the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml README.md* ./
RUN pip install .

COPY . .
RUN DEBUG=0 SECRET_KEY=collectstatic-only FIELD_ENCRYPTION_SALT=collectstatic-only PII_HASH_KEY=collectstatic-only \
       python manage.py collectstatic --noinput \
    && useradd --create-home --uid 1000 crm \
    && mkdir -p /app/var /app/media \
    && chown -R crm:crm /app/var /app/media

USER crm
EXPOSE 8000
# Behind nginx (docker-compose.yml); the access log leaves out query strings (deploy/gunicorn.conf.py).
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "crm.wsgi"]
