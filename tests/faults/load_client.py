"""One client of the load run (`test_load.py`), in its own process: posts progress reports until told to stop.

`python -m tests.faults.load_client <base> <path> <sessionid> <day> <client-no> <stop-file> <out-file>`

Every request carries a token of its own in the report's note (`load-c03-r0017`), so that afterwards the test can
count the rows each request left. For each request one JSON line goes to <out-file>: the token and what came back
— "ok" (302 to the measure: the platform said it is saved), "maybe" (the 503 page saying 可能已保存), "not_saved"
(the 503 page saying 没有保存), "no_answer" (connection reset or timeout: a web worker killed under the request),
or "other:<status>". No Django here: this is a browser, not the platform.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import requests

MAYBE = "可能已保存，请刷新核对"
NOT_SAVED = "您刚才的操作没有保存"


def classify(response: requests.Response, path: str) -> str:
    if response.status_code == 302 and response.headers.get("Location", "").rstrip("/").endswith(path.rstrip("/")):
        return "ok"
    body = response.content.decode("utf-8", errors="replace")
    if response.status_code == 503 and MAYBE in body:
        return "maybe"
    if response.status_code == 503 and NOT_SAVED in body:
        return "not_saved"
    return f"other:{response.status_code}"


def main(base: str, path: str, sessionid: str, day: str, client: int, stop_file: Path, out_file: Path) -> None:
    session = requests.Session()
    session.cookies.set("sessionid", sessionid)
    token = ""
    for _attempt in range(60):  # the form's CSRF token (the page may meet a fault before the run starts)
        try:
            page = session.get(base + path, timeout=30)
            found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            if page.status_code == 200 and found:
                token = found.group(1)
                break
        except requests.RequestException:
            pass
        time.sleep(0.5)
    if not token:
        raise SystemExit(f"client {client}: no form page at {base + path}")
    n = 0
    with out_file.open("w") as out:
        out.write(json.dumps({"ready": client}) + "\n")
        out.flush()
        while not stop_file.exists():
            n += 1
            tag = f"load-c{client:02d}-r{n:04d}"
            data = {"date": day, "progress": str(n % 101), "note": f"进展 {tag}"}
            data["csrfmiddlewaretoken"] = token
            started = time.monotonic()
            try:
                response = session.post(base + path, data=data, allow_redirects=False, timeout=30)
                outcome = classify(response, path)
            except requests.RequestException:
                outcome = "no_answer"
            out.write(json.dumps({"tag": tag, "outcome": outcome, "ms": round((time.monotonic() - started) * 1000)}))
            out.write("\n")
            out.flush()
            time.sleep(0.02)


if __name__ == "__main__":
    base, path, sessionid, day, client, stop_file, out_file = sys.argv[1:8]
    main(base, path, sessionid, day, int(client), Path(stop_file), Path(out_file))
