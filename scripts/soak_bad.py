"""Bad and awkward clients for the soak test, run beside the bulk load until a stop file appears.

    python3 scripts/soak_bad.py PORT STOP_FILE RESULT_FILE [HOLD_CONNECTIONS]

Each round (ten a second) sends: a JSON body cut short (with a matching Content-Length), a
client that disconnects mid-body, garbage bytes, an oversized body, a body and a header value
that are not UTF-8, 100 headers (the default allowance) and 101. Meanwhile five heads that
never finish are kept waiting for the listener's timeout, again and again. Once, early on, it holds
HOLD_CONNECTIONS (default 2,000) keep-alive connections open at the same time, each having sent
a request, checks that a fresh client is still answered, then closes them. Loopback only;
every wait is bounded. Writes a JSON summary: per kind, how many were sent and what came back.
"""
import asyncio
import json
import os
import random
import sys
import time

HOST = "127.0.0.1"
TIMEOUT = 15.0  # longer than the listener's 10 s head and body timeouts

# Kinds whose requests become events (answered and logged) and kinds the listener must reject.
EVENT_KINDS = ("truncated_json", "invalid_utf8", "oversized", "headers_100", "held", "fresh")
REJECTED_KINDS = ("disconnect_mid_body", "garbage", "unfinished_head", "headers_101")

results = {}


def note(kind, outcome):
    entry = results.setdefault(kind, {"sent": 0, "outcomes": {}})
    entry["outcomes"][outcome] = entry["outcomes"].get(outcome, 0) + 1


def sent(kind):
    results.setdefault(kind, {"sent": 0, "outcomes": {}})["sent"] += 1


def request(path, body, headers=(), length=None):
    """A POST with these headers (values as text, or raw bytes) after Host and Content-Type."""
    head = [f"POST {path} HTTP/1.1".encode(), f"Host: {HOST}".encode(),
            b"Content-Type: application/json"]
    head += [n.encode() + b": " + (v if isinstance(v, bytes) else v.encode()) for n, v in headers]
    head.append(f"Content-Length: {len(body) if length is None else length}".encode())
    return b"\r\n".join(head) + b"\r\n\r\n" + body


async def status_of(reader):
    """The status of the next answer, or why there was none."""
    try:
        line = await asyncio.wait_for(reader.readline(), TIMEOUT)
    except asyncio.TimeoutError:
        return "timeout"
    except (ConnectionError, OSError):
        return "reset"
    if not line:
        return "closed"
    parts = line.split()
    status = parts[1].decode() if len(parts) > 1 else "?"
    # Read the rest of the answer so the connection could be reused.
    length = 0
    while True:
        try:
            header = await asyncio.wait_for(reader.readline(), TIMEOUT)
        except (asyncio.TimeoutError, ConnectionError, OSError):
            return status
        if header in (b"\r\n", b""):
            break
        if header.lower().startswith(b"content-length:"):
            length = int(header.split(b":")[1])
    try:
        await asyncio.wait_for(reader.readexactly(length), TIMEOUT)
    except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError, OSError):
        pass
    return status


async def one(port, kind, payload, hold=0.0, close_early=False):
    """Sends `payload` on a new connection and notes what came back."""
    sent(kind)
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), TIMEOUT)
    except (asyncio.TimeoutError, OSError):
        note(kind, "connect_failed")
        return
    try:
        writer.write(payload)
        await asyncio.wait_for(writer.drain(), TIMEOUT)
        if hold:
            await asyncio.sleep(hold)
        if close_early:
            note(kind, "client_closed")
            return
        note(kind, await status_of(reader))
    except (asyncio.TimeoutError, ConnectionError, OSError):
        note(kind, "reset")
    finally:
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), 2)
        except (asyncio.TimeoutError, ConnectionError, OSError):
            pass


async def round_of_bad_inputs(port, rng):
    body = json.dumps({"sessionId": "soak", "sequence": rng.randrange(10**6),
                       "event": "INTERMEDIATE_RESULTS", "payload": {"snr": 50}}).encode()
    jobs = [
        one(port, "truncated_json", request("/hooks/wms", body[: len(body) // 2])),
        one(port, "disconnect_mid_body",
            request("/hooks/wms", body[: len(body) // 2], length=len(body)), hold=0.2,
            close_early=True),
        one(port, "garbage", b"\x00" + bytes(rng.randrange(256) for _ in range(300))),
        one(port, "oversized", request("/big", b"x" * (2 * 1024 * 1024 + 17))),
        one(port, "invalid_utf8",
            request("/bytes", b"\xff\xfe{\"caf\xe9\":\xc3\x28}",
                    headers=[("X-Latin", b"caf\xe9")])),
        one(port, "headers_100",
            request("/many", b"{}", headers=[(f"X-H{i}", str(i)) for i in range(97)])),
        one(port, "headers_101",
            request("/too-many", b"{}", headers=[(f"X-H{i}", str(i)) for i in range(98)])),
    ]
    await asyncio.gather(*jobs)


async def unfinished_heads(port, stop_file):
    """Keeps five heads that never finish open, round after round, until told to stop: each
    waits for the listener's head timeout to close it."""
    while not os.path.exists(stop_file):
        await asyncio.gather(*(
            one(port, "unfinished_head", b"POST /hooks HTTP/1.1\r\nHost: x\r\nX-Never-Ends: ab")
            for _ in range(5)))


async def hold_many(port, count):
    """Opens `count` connections, sends a request on each, keeps them all open, checks a fresh
    client is answered meanwhile, then closes them."""
    conns = []
    started = time.monotonic()
    for start in range(0, count, 200):
        batch = await asyncio.gather(
            *(asyncio.wait_for(asyncio.open_connection(HOST, port), TIMEOUT)
              for _ in range(start, min(count, start + 200))),
            return_exceptions=True)
        for conn in batch:
            sent("held")
            if isinstance(conn, BaseException):
                note("held", "connect_failed")
            else:
                conns.append(conn)
    for i, (_, writer) in enumerate(conns):
        writer.write(request(f"/held/{i}", b'{"held":true}'))
    statuses = await asyncio.gather(*(status_of(reader) for reader, _ in conns))
    for status in statuses:
        note("held", status)
    # All still open: a new client must get its answer.
    await one(port, "fresh", request("/fresh", b'{"fresh":true}'))
    await asyncio.sleep(1.0)
    open_at_once = sum(1 for _, w in conns if not w.is_closing())
    for _, writer in conns:
        writer.close()
    results["held_open_at_once"] = open_at_once
    results["held_seconds"] = round(time.monotonic() - started, 2)


async def main():
    port, stop_file, result_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    hold = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
    rng = random.Random(7)
    rounds = 0
    holder = None
    slow = asyncio.ensure_future(unfinished_heads(port, stop_file))
    while not os.path.exists(stop_file):
        await round_of_bad_inputs(port, rng)
        rounds += 1
        if rounds == 20 and hold:
            holder = asyncio.ensure_future(hold_many(port, hold))
        await asyncio.sleep(0.1)
    if holder is None and hold:
        holder = asyncio.ensure_future(hold_many(port, hold))
    if holder is not None:
        await asyncio.wait_for(holder, 120)
    await asyncio.wait_for(slow, 60)
    results["rounds"] = rounds
    results["event_kinds"] = EVENT_KINDS
    results["rejected_kinds"] = REJECTED_KINDS
    with open(result_file, "w") as out:
        json.dump(results, out, indent=1)


asyncio.run(main())
