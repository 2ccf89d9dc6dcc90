"""Clients that try to make the listener hold more memory than its settings allow, for the soak
test's memory cases.

    python3 scripts/soak_memory.py headers PORT REQUESTS RESULT_FILE
    python3 scripts/soak_memory.py slow PORT CONNECTIONS RESULT_FILE

`headers`: REQUESTS requests, eight at a time, each with 45 headers of 8 KiB and a small body.
`slow`: CONNECTIONS connections at once, each declaring a 10 MiB body and sending 9 MiB of it in
64 KiB pieces over about three seconds, then holding two seconds and closing without sending the
rest; one the listener refuses (503) stops sending. Loopback only; every wait is bounded. Writes
a JSON summary: how many were sent and what came back.
"""
import asyncio
import json
import sys

HOST = "127.0.0.1"
TIMEOUT = 15.0  # longer than the listener's 10 s head and body timeouts
KIB = 1024
MIB = 1024 * KIB

results = {"sent": 0, "outcomes": {}}


def note(outcome):
    results["outcomes"][outcome] = results["outcomes"].get(outcome, 0) + 1


def head(path, length, headers=()):
    lines = [f"POST {path} HTTP/1.1", f"Host: {HOST}", "Content-Type: application/json",
             "Connection: close", *headers, f"Content-Length: {length}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def status_line(reader):
    """The status of the answer, or why there was none."""
    try:
        line = await asyncio.wait_for(reader.readline(), TIMEOUT)
    except asyncio.TimeoutError:
        return "timeout"
    except (ConnectionError, OSError):
        return "reset"
    parts = line.split()
    return parts[1].decode() if len(parts) > 1 else "closed"


async def close(writer):
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 2)
    except (asyncio.TimeoutError, ConnectionError, OSError):
        pass


async def heavy_headers(port, index):
    """One request with 45 headers of 8 KiB (368 KiB of head, under the parser's allowance)."""
    results["sent"] += 1
    value = "h" * (8 * KIB)
    body = json.dumps({"heavy": index}).encode()
    headers = [f"X-Heavy-{i}: {value}" for i in range(45)]
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), TIMEOUT)
    except (asyncio.TimeoutError, OSError):
        note("connect_failed")
        return
    try:
        writer.write(head(f"/heavy/{index}", len(body), headers) + body)
        await asyncio.wait_for(writer.drain(), TIMEOUT)
        note(await status_line(reader))
    except (asyncio.TimeoutError, ConnectionError, OSError):
        note("reset")
    finally:
        await close(writer)


async def headers_case(port, requests):
    for start in range(0, requests, 8):
        await asyncio.gather(*(heavy_headers(port, i) for i in range(start, min(requests, start + 8))))


async def slow_body(port, index):
    """Declares 10 MiB, sends 9 MiB slowly, holds, and goes away without the rest."""
    results["sent"] += 1
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), TIMEOUT)
    except (asyncio.TimeoutError, OSError):
        note("connect_failed")
        return
    answer = asyncio.ensure_future(status_line(reader))
    piece = b"s" * (64 * KIB)
    try:
        writer.write(head(f"/slow/{index}", 10 * MIB))
        for _ in range(9 * MIB // len(piece)):
            if answer.done():
                break
            writer.write(piece)
            await asyncio.wait_for(writer.drain(), TIMEOUT)
            await asyncio.sleep(0.02)
        if not answer.done():
            await asyncio.sleep(2.0)
    except (asyncio.TimeoutError, ConnectionError, OSError):
        pass
    if answer.done():
        note(answer.result())
    else:
        answer.cancel()
        note("held_then_closed")
    await close(writer)


async def slow_case(port, connections):
    await asyncio.gather(*(slow_body(port, i) for i in range(connections)))


async def main():
    case, port, count, result_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    run = {"headers": headers_case, "slow": slow_case}[case]
    await asyncio.wait_for(run(port, count), 600)
    with open(result_file, "w") as out:
        json.dump(results, out, indent=1)


asyncio.run(main())
