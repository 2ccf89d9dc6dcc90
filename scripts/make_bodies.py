"""Writes the load script's pool of signed WMS bodies: one "<mac>\t<body>" per line.

Bodies are ~600 bytes, the shape of INTERMEDIATE_RESULTS in the WMS documentation, spread over
50 sessions with rising sequence numbers; each is signed with HMAC-SHA256 and the given secret.
"""
import hashlib
import hmac
import json
import sys

secret = sys.argv[1].encode()
count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
for i in range(count):
    session = i % 50
    seq = i // 50
    body = {
        "timestamp": 1_763_800_000 + i,
        "sessionId": f"load-session-{session:04d}-ryueiwoqfh910fu3rpqruvfiu",
        "sequence": seq,
        "event": "INTERMEDIATE_RESULTS",
        "severity": "INFO",
        "payload": {
            "measurementId": f"fbfbec8f-cb05-4288-99e5-{session:012d}",
            "snr": 40 + (i * 7) % 60,
            "sequence": seq,
            "details": "x" * 330,
        },
    }
    text = json.dumps(body, separators=(",", ":"))
    mac = "hmac-sha256=" + hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()
    print(f"{mac}\t{text}")
