"""The Python peer of loadtest/bench_webhooks.mjs: a Retell webhook receiver built the way a
Python team would build it, FastAPI + SQLAlchemy (ORM model, session per request, pooled
psycopg2 connections) + PostgreSQL. It checks the Retell signature over the raw body
(HMAC-SHA256 of the body followed by the timestamp, keyed with the API key), commits the event
(unique per call id and event, so a duplicate changes nothing), then answers 204.

Run with Debian's interpreter and packages (python3-fastapi, python3-uvicorn,
python3-sqlalchemy, python3-psycopg2); written for SQLAlchemy 1.4 (Debian 12), in the
style 2.x keeps (future engine, Session.begin(); not tried on 2.x):
  PEER_DATABASE_URL=postgresql+psycopg2:///peer RETELL_API_KEY=... \\
      /usr/bin/python3 -m uvicorn webhook_peer:app --app-dir loadtest/peer
"""

import hashlib
import hmac
import json
import os
import time

from fastapi import FastAPI, Request, Response
from sqlalchemy import BigInteger, Column, DateTime, Text, UniqueConstraint, create_engine, func, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import declarative_base, sessionmaker
from starlette.concurrency import run_in_threadpool

API_KEY = os.environ["RETELL_API_KEY"].encode()
SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000

Base = declarative_base()


class WebhookEvent(Base):
    """One provider event as received: at most one row per call id and event."""

    __tablename__ = "peer_webhook_events"
    __table_args__ = (UniqueConstraint("provider_call_id", "event"),)

    id = Column(BigInteger, primary_key=True)
    provider_call_id = Column(Text, nullable=False)
    event = Column(Text, nullable=False)
    body = Column(Text, nullable=False)
    received_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())


# What the URL leaves out (host, port, user) libpq takes from the PG* variables. 40 connections
# at most: as many as the thread pool that runs the sessions has threads.
engine = create_engine(
    os.environ.get("PEER_DATABASE_URL", "postgresql+psycopg2://"),
    pool_size=10,
    max_overflow=30,
    future=True,
)
Session = sessionmaker(bind=engine, future=True)


def create_inbox() -> None:
    """Creates the inbox table when it is missing; uvicorn's workers start at the same time, so
    they take turns under an advisory lock."""
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('peer_webhook_events'))"))
        Base.metadata.create_all(conn)


create_inbox()
app = FastAPI()


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
    """Commits one event in its own session; a duplicate (same call id and event) is ignored."""
    statement = (
        insert(WebhookEvent)
        .values(provider_call_id=call_id, event=event, body=body)
        .on_conflict_do_nothing(index_elements=["provider_call_id", "event"])
    )
    with Session.begin() as session:
        session.execute(statement)


@app.post("/webhooks/retell")
async def receive(request: Request) -> Response:
    body = await request.body()
    if not signature_ok(body, request.headers.get("x-retell-signature", "")):
        return Response(status_code=401)
    try:
        doc = json.loads(body)
        call_id, event = doc["call"]["call_id"], doc["event"]
        if not isinstance(call_id, str) or not isinstance(event, str):
            raise TypeError("call_id and event must be text")
    except (ValueError, KeyError, TypeError):
        return Response(status_code=400)
    # The blocking session runs on the thread pool; the answer goes out after the commit.
    await run_in_threadpool(store, call_id, event, body.decode())
    return Response(status_code=204)
