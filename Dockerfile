FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 STATIC_MANIFEST=1 STATIC_ROOT=/app/staticfiles MEDIA_ROOT=/app/var/media
# pg_dump/pg_restore for `manage.py backup` / `restore` (Debian bookworm's client is 15, the compose server's version)
# postgresql-client: backup/restore; chromium + fonts-noto-cjk: notices and bulletins as PDF (tracker/pdf.py)
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client chromium fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
# .dockerignore keeps .env, .venv, db.sqlite3, .demo-password, var/ (media) and .git out of the image
COPY . .
RUN DEBUG=1 python manage.py collectstatic --noinput && useradd --system eco \
    && mkdir -p /app/var/media /app/var/backups && chown -R eco /app/var
USER eco
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
