# O2R production image: gunicorn for the web, the same image for the Celery worker and beat.
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    O2R_ENV=production

WORKDIR /app
RUN useradd --create-home --uid 1000 o2r

COPY pyproject.toml requirements.lock ./
RUN pip install -c requirements.lock -e .

COPY . .
# collectstatic reads configuration only; these values are never used at run time.
RUN SECRET_KEY=build-only-$(python -c "import secrets; print(secrets.token_urlsafe(48))") \
    ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown -R o2r:o2r /app/var

USER o2r
EXPOSE 8000
# One process per core, 4 threads each (docs/performance.md; docker-compose.yml says why).
CMD ["gunicorn", "o2r.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "--timeout", "30", "--access-logfile", "-"]
