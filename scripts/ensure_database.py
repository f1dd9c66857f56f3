"""Create the PostgreSQL database named in DATABASE_URL when it does not exist (make test / CI on a fresh machine)."""

import os
import sys
from urllib.parse import unquote, urlparse

url = os.environ.get("DATABASE_URL", "")
parsed = urlparse(url)
if parsed.scheme not in {"postgres", "postgresql", "pgsql"}:
    sys.exit(0)
import psycopg2  # noqa: E402

name = unquote(parsed.path.lstrip("/"))
conn = psycopg2.connect(
    dbname="postgres",
    user=unquote(parsed.username or ""),
    password=unquote(parsed.password or ""),
    host=parsed.hostname or "127.0.0.1",
    port=parsed.port or 5432,
)
conn.autocommit = True
with conn.cursor() as cur:
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    if cur.fetchone() is None:
        cur.execute(f'CREATE DATABASE "{name}"')
        print(f"created database {name}")
conn.close()
