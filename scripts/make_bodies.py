"""Writes the load script's pool of signed WMS bodies: one "<mac>\t<body>" per line.

    make_bodies.py SECRET [COUNT] [clean|hostile]

clean: bodies of ~600 bytes, the shape of INTERMEDIATE_RESULTS in the WMS documentation, spread
over 50 sessions with rising sequence numbers, each signed with HMAC-SHA256 and the secret.

hostile: what a misbehaving sender delivers, the traffic hookscope is used for. Of each 20
lines: 8 carry an event name the WMS document does not list (a near miss of a documented one,
which hookscope answers with a suggestion, or one unlike any); sessions are first seen far above
sequence 0 (a gap from 0 at once); 4 are redeliveries (the line before, again: a duplicate); 2
have a wrong MAC; 1 is malformed JSON; 1 is binary (random bytes, no line breaks or tabs).
The pool repeats while wrk runs, so every body is also delivered again and again.
"""
import hashlib
import hmac
import json
import random
import sys

secret = sys.argv[1].encode()
count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
mix = sys.argv[3] if len(sys.argv) > 3 else "clean"
if mix not in ("clean", "hostile"):
    sys.exit(f"make_bodies.py: mix '{mix}' is not clean or hostile")
out = sys.stdout.buffer
rng = random.Random(7)


def sign(body: bytes) -> bytes:
    return b"hmac-sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest().encode()


def wms(i: int, event: str, seq: int) -> bytes:
    session = i % 50
    body = {
        "timestamp": 1_763_800_000 + i,
        "sessionId": f"load-session-{session:04d}-ryueiwoqfh910fu3rpqruvfiu",
        "sequence": seq,
        "event": event,
        "severity": "INFO",
        "payload": {
            "measurementId": f"fbfbec8f-cb05-4288-99e5-{session:012d}",
            "snr": 40 + (i * 7) % 60,
            "sequence": seq,
            "details": "x" * 330,
        },
    }
    return json.dumps(body, separators=(",", ":")).encode()


UNDOCUMENTED = ["INTERMEDIATE_RESULT", "RESULTS_RECIEVED", "SESSION_PAUSED", "HEARTBEAT_V2"]

previous = None
for i in range(count):
    if mix == "clean":
        body = wms(i, "INTERMEDIATE_RESULTS", i // 50)
        out.write(sign(body) + b"\t" + body + b"\n")
        continue
    seq = 1000 + i // 50
    slot = i % 20
    mac = None
    if slot < 8:
        body = wms(i, UNDOCUMENTED[slot % len(UNDOCUMENTED)], seq)
    elif slot < 12 and previous is not None:
        body, mac = previous
    elif slot < 14:
        body = wms(i, "INTERMEDIATE_RESULTS", seq)
        mac = b"hmac-sha256=" + b"0" * 64
    elif slot == 14:
        body = wms(i, "INTERMEDIATE_RESULTS", seq)[:-40] + b',"cut":'
    elif slot == 15:
        body = bytes(b for b in rng.randbytes(600) if b not in (0, 9, 10, 13))
    else:
        body = wms(i, "INTERMEDIATE_RESULTS", seq)
    mac = mac or sign(body)
    previous = (body, mac)
    out.write(mac + b"\t" + body + b"\n")
