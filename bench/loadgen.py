"""A load generator in its own process: `clients` keep-alive HTTP clients fetch URLs and report JSON.

Run by the benchmark (bench_dashboard) as a child process, so the client's work never shares a process (or a
GIL) with the server or with the benchmark itself:

    python -m bench.loadgen --port 8000 --cookie 'sessionid=…' --path /dashboard/city/ --clients 16 --requests 160

prints one JSON object: `wall` (seconds from the first request to the last answer), `times` (each request's
seconds), `statuses`, `bytes` (body bytes of the last answer, as sent: gzip when asked) and `throughput`
(requests per wall second). With `--together`, every client sends exactly one request at the same moment (a
barrier), which is the stampede case.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time


def _fetch(conn: http.client.HTTPConnection, path: str, headers: dict) -> tuple[float, int, int]:
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    return time.perf_counter() - started, resp.status, len(body)


def run(
    *, port: int, cookie: str, path: str, clients: int, requests: int, together: bool = False, gzip: bool = True
) -> dict:
    headers = {"Cookie": cookie}
    if gzip:
        headers["Accept-Encoding"] = "gzip"
    per_client = 1 if together else max(1, requests // clients)
    times: list[float] = []
    statuses: list[int] = []
    sizes: list[int] = []
    lock = threading.Lock()
    began: list[float] = []
    barrier = threading.Barrier(clients, action=lambda: began.append(time.perf_counter()))  # all connected: go

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        conn.connect()
        barrier.wait()
        mine = [_fetch(conn, path, headers) for _ in range(per_client)]
        conn.close()
        with lock:
            for t, status, size in mine:
                times.append(t)
                statuses.append(status)
                sizes.append(size)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began[0]
    return {
        "wall": wall,
        "times": times,
        "statuses": statuses,
        "bytes": sizes[-1] if sizes else 0,
        "throughput": len(times) / wall if wall else 0.0,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cookie", default="")
    parser.add_argument("--path", required=True)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=160)
    parser.add_argument("--together", action="store_true")
    parser.add_argument("--identity", action="store_true", help="no Accept-Encoding: gzip")
    args = parser.parse_args(argv)
    result = run(
        port=args.port,
        cookie=args.cookie,
        path=args.path,
        clients=args.clients,
        requests=args.requests,
        together=args.together,
        gzip=not args.identity,
    )
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
