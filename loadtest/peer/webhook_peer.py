"""The Python peer of loadtest/bench_webhooks.mjs: a webhook receiver written the way a typical
FastAPI service would be. It checks the Retell signature over the raw body (HMAC-SHA256 of the
body followed by the timestamp, keyed with the API key), commits the event to PostgreSQL
(unique per call id and event, so a duplicate changes nothing), then answers 204.

Run: PEER_DSN="dbname=..." RETELL_API_KEY=... python3 -m uvicorn webhook_peer:app --app-dir loadtest/peer
(Debian packages python3-fastapi, python3-uvicorn, python3-psycopg2).
"""

import hashlib
import hmac
import json
import os
import time

import psycopg2.pool
from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

API_KEY = os.environ["RETELL_API_KEY"].encode()
SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000

app = FastAPI()
pool = psycopg2.pool.ThreadedConnectionPool(1, 40, dsn=os.environ.get("PEER_DSN", ""))


def create_inbox() -> None:
    """Creates the peer's inbox table when it is missing."""
    conn = pool.getconn()
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS peer_webhook_events ("
                " id bigserial PRIMARY KEY, provider_call_id text NOT NULL, event text NOT NULL,"
                " body text NOT NULL, received_at timestamptz NOT NULL DEFAULT now(),"
                " UNIQUE (provider_call_id, event))"
            )
    finally:
        pool.putconn(conn)


create_inbox()


def signature_ok(body: bytes, header: str) -> bool:
    """True when `header` is `v=<unix ms>,d=<hex>` signing `body` with the API key, made
    within the tolerance of now."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    stamp, digest = fields.get("v", ""), fields.get("d", "")
    if not stamp.isdigit() or len(digest) != 64:
        return False
    if abs(int(stamp) - time.time() * 1000) > SIGNATURE_TOLERANCE_MS:
        return False
    expected = hmac.new(API_KEY, body + stamp.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, digest)


def store(call_id: str, event: str, body: str) -> None:
    """Commits one event; a duplicate is ignored."""
    conn = pool.getconn()
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "INSERT INTO peer_webhook_events (provider_call_id, event, body)"
                " VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                (call_id, event, body),
            )
    finally:
        pool.putconn(conn)


@app.post("/webhooks/retell")
async def receive(request: Request) -> Response:
    body = await request.body()
    if not signature_ok(body, request.headers.get("x-retell-signature", "")):
        return Response(status_code=401)
    try:
        doc = json.loads(body)
        call_id, event = doc["call"]["call_id"], doc["event"]
    except (ValueError, KeyError, TypeError):
        return Response(status_code=400)
    await run_in_threadpool(store, call_id, event, body.decode())
    return Response(status_code=204)
