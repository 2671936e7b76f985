"""bench/soak_load.py PORT PID MINUTES CSV - the load of bench/soak (standard library only)."""
import csv, http.client, json, random, sys, threading, time

port, pid, minutes, path = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]

def rss_kb():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

rows = list(csv.reader(open(path)))[1:]
bars = [{"symbol": "EURUSD", "timeframe": "M15",
         "ts": r[0].replace(".", "-").replace(" ", "T") + "Z", "open": float(r[1]),
         "high": float(r[2]), "low": float(r[3]), "close": float(r[4]), "volume": float(r[5])}
        for r in rows]

def req(conn, method, path, body=None, headers=None):
    h = {"Content-Type": "application/json"} if body is not None else {}
    h.update(headers or {})
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = conn.getresponse()
    data = r.read()
    return r.status, data

conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
t0 = time.time()
for i in range(0, len(bars), 2000):
    st, data = req(conn, "POST", "/bars", bars[i:i + 2000])
    assert st == 200, (st, data)
print(f"warm-up: {len(bars)} bars in {time.time() - t0:.1f} s")
time.sleep(2)
base = rss_kb()
samples = [(0.0, base)]
lock = threading.Lock()
stats = {"requests": 0, "5xx": 0, "by_status": {}}
stop = time.time() + minutes * 60
last = bars[-1]

def worker(seed):
    rnd = random.Random(seed)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    trades = []
    while time.time() < stop:
        k = rnd.random()
        try:
            if k < 0.35:
                st, _ = req(c, "GET", rnd.choice([
                    "/zones?symbol=EURUSD", "/zones?symbol=EURUSD&side=above&limit=5",
                    f"/zones?symbol=EURUSD&price={last['close']}&min_strength=0.3",
                    f"/zones/nearest?symbol=EURUSD&price={last['close']}"]))
            elif k < 0.45:
                st, _ = req(c, "GET", rnd.choice(["/health", "/metrics", "/symbols"]))
            elif k < 0.65:
                i = rnd.randrange(0, len(bars) - 50)
                hdr = {"Idempotency-Key": f"soak-{i}"} if rnd.random() < 0.5 else None
                st, _ = req(c, "POST", "/bars", bars[i:i + 50], hdr)
            elif k < 0.85:
                # real trades only while this client has few open: they stay in memory
                dry = "?dry_run=true" if rnd.random() < 0.7 or len(trades) >= 20 else ""
                st, data = req(c, "POST", "/setups" + dry, {
                    "symbol": "EURUSD", "side": rnd.choice(["BUY", "SELL"]),
                    "entry": last["close"], "trend_score": 0.9, "regime_mode": "NORMAL",
                    "regime_transition_strength": 0})
                if st == 201:
                    trades.append(json.loads(data)["trade_id"])
            else:
                if not trades:
                    continue
                tid = trades[0]
                p = last["close"] * (1 + rnd.uniform(-0.01, 0.01))
                st, data = req(c, "PATCH", f"/trades/{tid}/trail",
                               {"price": p, "high": p * 1.001, "low": p * 0.999})
                if st != 200 or json.loads(data)["status"] == "closed":
                    trades.pop(0)
        except Exception as e:  # a transport failure counts as a failure
            st = 599
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        with lock:
            stats["requests"] += 1
            stats["by_status"][st] = stats["by_status"].get(st, 0) + 1
            if st >= 500:
                stats["5xx"] += 1

threads = [threading.Thread(target=worker, args=(s,)) for s in range(4)]
for t in threads:
    t.start()
while time.time() < stop:
    time.sleep(min(10, max(0.1, stop - time.time())))
    samples.append((time.time() - (stop - minutes * 60), rss_kb()))
for t in threads:
    t.join()
end = rss_kb()
peak = max(s[1] for s in samples)
print(f"soak: {minutes:g} min, {stats['requests']} requests "
      f"({stats['requests'] / (minutes * 60):.0f}/s), 5xx: {stats['5xx']}, "
      f"by status: {dict(sorted(stats['by_status'].items()))}")
print(f"RSS: baseline {base / 1024:.1f} MiB after warm-up, end {end / 1024:.1f} MiB, "
      f"peak {peak / 1024:.1f} MiB, growth {100.0 * (end - base) / base:+.2f} %")
print("RSS samples (s, MiB): " + " ".join(f"{t:.0f}:{r / 1024:.1f}" for t, r in samples))
sys.exit(1 if stats["5xx"] else 0)
