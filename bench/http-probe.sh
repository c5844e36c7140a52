#!/usr/bin/env bash
# The service's HTTP edges as a stranger and a new operator meet them (not a unit test): starts the jar's `run`
# on a free loopback port and prints one line per probe, e.g.
#   slowloris (a header byte every 2 s): cut after 10.1 s
#   port taken: exit 1 after 3.2 s (camel-d1-backup: cannot listen on 0.0.0.0:PORT: Address already in use ...)
# Usage: [HOSTS=127.0.0.1] bench/http-probe.sh [JAR]   (JAR: default target/camel-d1-backup.jar, from mvn -B -q package
# -DskipTests; HOSTS: the service runs with BACKUP_API_HOSTS set to it)
set -euo pipefail
cd "$(dirname "$0")/.."
jar="$(realpath "${1:-target/camel-d1-backup.jar}")"
work="$(mktemp -d)"
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
# A database whose name starts with an underscore, has a space and a non-ASCII letter.
sqlite3 "$work/_stage ø.db" 'CREATE TABLE t(x); INSERT INTO t VALUES (1),(2);'
mkdir -p "$work/backups"
(cd "$work" && TOTP_SECRET=$secret CAMEL_SERVER_PORT=$port BACKUP_WORK_DIR="$work/tmp" BACKUP_API_HOSTS="${HOSTS-}" \
  BACKUP_SOURCE="sqlite:$work/_stage ø.db" BACKUP_TARGET=file:backups TOTP_STEP=2 exec java -Xmx256m -jar "$jar" run > service.log 2>&1) &
pid=$!
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.5; done
echo "listens on: $(ss -ltn "sport = :$port" | awk 'NR>1 {print $4}' | tr '\n' ' ')"
python3 - "$port" "$secret" "$work" <<'EOF'
import base64, hashlib, hmac, json, os, socket, struct, sys, time, urllib.request, urllib.error
port, secret, work = int(sys.argv[1]), sys.argv[2], sys.argv[3]
base = "http://127.0.0.1:%d" % port

def code():
    step = int(time.time()) // 2
    h = hmac.new(base64.b32decode(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    o = h[-1] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000)

def fresh():
    # a code is accepted once per step (TOTP_STEP=2 here)
    global last
    while int(time.time()) // 2 == last:
        time.sleep(0.1)
    last = int(time.time()) // 2
    return code()
last = -1

def raw(data, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except socket.timeout:
        pass
    s.close()
    head = out.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
    status = head[9:12] if head.startswith("http/") else "none"
    ctype = next((l.split(":", 1)[1].strip() for l in head.split("\r\n") if l.startswith("content-type:")), "-")
    flags = [h for h in ("cache-control: no-store", "x-content-type-options: nosniff") if h in head]
    return "%s %s%s" % (status, ctype, " " + ", ".join(flags) if flags else "")

def hold(first, trickle, every, limit=40):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(every)
    start = time.time()
    if first:
        s.sendall(first)
    while time.time() - start < limit:
        try:
            if s.recv(1024) == b"":
                return "cut after %.1f s" % (time.time() - start)
        except socket.timeout:
            pass
        except OSError:
            return "cut after %.1f s" % (time.time() - start)
        try:
            if trickle:
                s.sendall(trickle)
        except OSError:
            return "cut after %.1f s" % (time.time() - start)
    s.close()
    return "still open after %d s" % limit

def call(method, path, headers={}):
    r = urllib.request.Request(base + path, method=method, headers=headers)
    try:
        with urllib.request.urlopen(r, timeout=30) as a:
            return a.status, a.headers, a.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()

print("slowloris (a header byte every 2 s):", hold(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"X", 2))
print("idle connection (nothing sent):", hold(b"", b"", 2))
print("slow body (a byte every 2 s of 1000):", hold(b"POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n", b"x", 2))
for name, req in [("malformed request line", b"GARBAGE\r\n\r\n"),
                  ("huge URI (10 KB)", b"GET /" + b"a" * 10000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
                  ("huge headers (20 KB)", b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"),
                  ("unknown path", b"GET /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
                  ("wrong method", b"DELETE /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
                  ("foreign Host on /metrics", b"GET /metrics HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n")]:
    print("%s: %s" % (name, raw(req)))

status, _, body = call("POST", "/api/backup", {"Authorization": "Bearer " + fresh()})
run = json.loads(body)["id"]
for _ in range(60):
    state = json.loads(call("GET", "/api/backup/runs/" + run)[2])
    if state["state"] not in ("queued", "running"):
        break
    time.sleep(0.5)
print("run status: state %s, locations %s, absolute paths %s" % (state["state"], state.get("locations"),
      "yes" if work in json.dumps(state) else "none"))
status, headers, body = call("GET", "/api/backup", {"Authorization": "Bearer " + fresh()})
listed = json.loads(body)
backups = listed["backups"] if isinstance(listed, dict) else listed
name = backups[0]["object"] if backups else None
status, headers, body = call("GET", "/api/backup/" + urllib.parse.quote(name or "none"), {"Authorization": "Bearer " + fresh()})
print("backup of '_stage ø': listed as %s, download %d (%d bytes)" % (name, status, len(body)))
# A second backup with a plain name (a copy under another name), to see what a corrupt manifest does to others.
plain = "plain-20260101T000000Z.sql.gz"
backups_dir = os.path.join(work, "backups")
stored = next(f for f in os.listdir(backups_dir) if f.endswith(".sql.gz"))
with open(os.path.join(backups_dir, stored), "rb") as f, open(os.path.join(backups_dir, plain), "wb") as g:
    g.write(f.read())
with open(os.path.join(backups_dir, stored + ".manifest.json")) as f:
    manifest = json.load(f)
manifest["object"] = plain
with open(os.path.join(backups_dir, plain + ".manifest.json"), "w") as f:
    json.dump(manifest, f)
status, headers, body = call("GET", "/api/backup/" + plain, {"Authorization": "Bearer " + fresh()})
print("download of %s before any corrupt manifest: %d (%d bytes)" % (plain, status, len(body)))
with open(os.path.join(work, "backups", "broken-20260101T000000Z.sql.gz.manifest.json"), "w") as f:
    f.write("{not json")
status, headers, body = call("GET", "/api/backup", {"Authorization": "Bearer " + fresh()})
print("listing with a corrupt manifest: %d %s %s" % (status, headers.get("Content-Type"),
      json.dumps(json.loads(body).get("skipped")) if body.startswith(b"{") else body[:100].decode("utf-8", "replace")))
status, headers, body = call("GET", "/api/backup/" + plain, {"Authorization": "Bearer " + fresh()})
print("download of %s then: %d (%d bytes)" % (plain, status, len(body)))
metrics = call("GET", "/metrics")[2].decode()
print("/metrics: %d series, local paths %s, endpoint URIs %s" % (
    sum(1 for l in metrics.splitlines() if l and not l.startswith("#")),
    "yes" if work in metrics else "none", "yes" if "endpointName=" in metrics else "none"))
EOF
kill "$pid"; wait "$pid" 2>/dev/null || true
# The port taken by another process: does the service stop, and how?
python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0",int(sys.argv[1]))); s.listen(); time.sleep(90)' "$port" &
holder=$!
sleep 1
start=$(date +%s%N)
code=0
(cd "$work" && TOTP_SECRET=$secret CAMEL_SERVER_PORT=$port BACKUP_WORK_DIR="$work/tmp" timeout 40 java -Xmx256m -jar "$jar" run > taken.log 2>&1) || code=$?
end=$(date +%s%N)
kill "$holder" 2>/dev/null || true
echo "port taken: exit $code after $(awk "BEGIN {printf \"%.1f\", ($end - $start) / 1e9}") s ($( [ $code -eq 124 ] && echo "still running when killed at 40 s" || grep -m1 -o 'camel-d1-backup: .*' "$work/taken.log" || true))"
