"""Hostile clients against a running node agent (test_agent.sh): garbage, half messages, 1 MB
lines, 500 clients at once, a client that never reads, on the Unix socket and on HTTP. While they
are connected a well-behaved client must still be answered quickly and /metrics must still be
served; afterwards the agent's resident memory must have grown by less than a bound.

usage: agent_abuse.py SOCKET HOST:PORT AGENT_PID
Prints one line per check ("ok - ..." / "not ok - ...") and exits 1 when any failed."""

import socket
import sys
import time
import urllib.error
import urllib.request

sock_path, hostport, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
host, port = hostport.rsplit(":", 1)
failed = 0


def check(name, cond, detail=""):
    global failed
    print(("ok - " if cond else "not ok - ") + name + ("" if cond else "  # " + detail))
    failed += 0 if cond else 1


def rss_kib():
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def unix():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    return s


def good_client():
    """HELLO, DEVICES, READ: the time the whole exchange took, and the reply."""
    t0 = time.monotonic()
    s = unix()
    s.settimeout(5)
    s.sendall(b"HELLO 1\nDEVICES\nREAD\n")
    data = b""
    while data.count(b"\n") < 2 or b"READ " not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return time.monotonic() - t0, data.decode(errors="replace")


def scrape():
    t0 = time.monotonic()
    with urllib.request.urlopen("http://%s/metrics" % hostport, timeout=5) as r:
        body = r.read().decode()
    return time.monotonic() - t0, body


rss0 = rss_kib()
held = []
# 500 clients at once: garbage, half messages, and silent ones.
for i in range(500):
    s = unix()
    s.setblocking(False)
    kind = i % 4
    try:
        if kind == 0:
            s.send(b"\x00\xff garbage \x07\r\n" * 4)
        elif kind == 1:
            s.send(b"REA")  # half a request, never finished
        elif kind == 2:
            s.send(b"HELLO 99\n")  # an unknown protocol version
    except BlockingIOError:
        pass
    held.append(s)
# A 1 MB line, sent without waiting for the answer.
big = unix()
big.setblocking(False)
try:
    big.send(b"R" * (1 << 20))
except (BlockingIOError, BrokenPipeError, ConnectionResetError):
    pass
held.append(big)
# A client that asks and asks and never reads its replies.
hog = unix()
hog.setblocking(False)
sent = 0
try:
    for _ in range(200000):
        sent += hog.send(b"DEVICES\nREAD\n")
except (BlockingIOError, BrokenPipeError, ConnectionResetError):
    pass
held.append(hog)
# HTTP: garbage, half a request, a 1 MB header, idle connections.
for i in range(200):
    h = socket.create_connection((host, int(port)))
    h.setblocking(False)
    try:
        if i % 3 == 0:
            h.send(b"\x16\x03\x01 not http at all\r\n\r\n")
        elif i % 3 == 1:
            h.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")  # never ends
    except BlockingIOError:
        pass
    held.append(h)
hb = socket.create_connection((host, int(port)))
hb.setblocking(False)
try:
    hb.send(b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
except (BlockingIOError, BrokenPipeError, ConnectionResetError):
    pass
held.append(hb)
time.sleep(0.5)

took, reply = good_client()
check("a good client is answered while 500+ hostile ones are connected (%.3f s)" % took,
      took < 2.0 and reply.startswith("HELLO 1 ") and "\nREAD " in reply, reply[:200])
took, body = scrape()
check("/metrics is served while 200 hostile HTTP clients are connected (%.3f s)" % took,
      took < 2.0 and "carbontracker_energy_joules_total{" in body, body[:200])


def status(path, data=None):
    try:
        return urllib.request.urlopen("http://%s%s" % (hostport, path), data=data, timeout=5).status
    except urllib.error.HTTPError as e:
        return e.code


check("POST is refused (405) and other paths are not found (404)",
      status("/metrics", b"x") == 405 and status("/etc/passwd") == 404)
rss1 = rss_kib()
check("memory stays bounded: RSS grew by %d KiB (< 65536)" % (rss1 - rss0), rss1 - rss0 < 65536,
      "rss %d -> %d KiB" % (rss0, rss1))
for s in held:
    s.close()
time.sleep(0.5)
took, reply = good_client()
check("after the hostile clients left, a client is answered (%.3f s)" % took,
      took < 2.0 and "\nREAD " in reply, reply[:200])
sys.exit(1 if failed else 0)
