#!/usr/bin/python3
"""tools/smc_parity.py - our FVG and order-block lists against smartmoneyconcepts' on the
same bars, every mismatch put in a class (docs/sources.md "Parity with smartmoneyconcepts").

    /usr/bin/python3 tools/smc_parity.py PEER_DIR [BARFILE] [SMC_BIN]

PEER_DIR: a checkout of github.com/joshyattridge/smart-money-concepts (the directory holding
smartmoneyconcepts/); it is imported from there, never copied into this repository. Needs
Debian's python3-pandas. BARFILE: default ../shared/data/EURUSD_15M.csv. SMC_BIN: our lists,
build-report/research/smc (research/smc_main.c). Prints the counts docs/sources.md quotes.
"""
import csv
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
L = 5  # swing_length of both sides


def load(path):
    rows = []
    with open(path) as f:
        r = csv.reader(f)
        next(r)
        for x in r:
            o, h, l, c = (float(v) for v in x[1:5])
            vol = float(x[5]) if float(x[5]) != 0 else float(x[6])
            # research/barfile.c's repair: high/low widened to hold open and close
            rows.append((o, max(h, o, c), min(l, o, c), c, vol))
    return rows


def ours(binary, path, *args):
    out = subprocess.run([binary, path] + [str(a) for a in args], check=True,
                         capture_output=True, text=True).stdout.splitlines()[1:]
    boxes, breaks = [], {}
    for line in out:
        t, d, origin, conf, lo, hi, mit, kind, share = line.split(",")
        if t == "S":
            breaks[int(conf)] = (int(d), int(origin))
        else:
            boxes.append((t, int(d), int(origin), int(conf), float(lo), float(hi), int(mit)))
    return boxes, breaks


def peer_rows(frame, cols):
    import numpy as np
    out = []
    v = frame[cols[0]].values
    for i in np.flatnonzero(~np.isnan(v)):
        out.append((int(i), int(v[i])) + tuple(float(frame[c].values[i]) for c in cols[1:]))
    return out


def same(a, b):
    return abs(a - b) < 1e-7


def fvg_parity(smc, df, binary, path, join):
    peer = peer_rows(smc.fvg(df, join_consecutive=bool(join)),
                     ["FVG", "Top", "Bottom", "MitigatedIndex"])
    boxes, _ = ours(binary, path, 0, join)
    mine = {}
    for t, d, origin, conf, lo, hi, mit in boxes:
        if t == "F":
            # the peer dates a gap at its middle candle, a joined one at the last middle candle
            mine[(conf - 1, d)] = (lo, hi, mit, origin)
    n = len(peer)
    equal = box_diff = mit_diff = 0
    peer_only = []
    seen = set()
    for i, d, top, bottom, mit in peer:
        key = (i, d)
        if key not in mine:
            peer_only.append(key)
            continue
        seen.add(key)
        lo, hi, m, origin = mine[key]
        pm = int(mit) if mit != 0 else -1
        if not (same(lo, bottom) and same(hi, top)):
            box_diff += 1
        elif pm != m:
            mit_diff += 1
        else:
            equal += 1
    ours_only = [k for k in mine if k not in seen]
    unmit_peer = {(i, d) for i, d, t, b, m in peer if m == 0}
    unmit_ours = {k for k, v in mine.items() if v[2] == -1}
    print(f"FVG join={join}: peer {n}, ours {len(mine)}; same box and mitigation bar {equal}, "
          f"box differs {box_diff}, mitigation differs {mit_diff}, peer only {len(peer_only)}, "
          f"ours only {len(ours_only)}")
    print(f"  unmitigated at the end: peer {len(unmit_peer)}, ours {len(unmit_ours)}, both "
          f"{len(unmit_peer & unmit_ours)}, peer only {len(unmit_peer - unmit_ours)}, ours only "
          f"{len(unmit_ours - unmit_peer)}")
    print(f"  every peer gap is dated at its middle candle, one bar before its third candle "
          f"closes: {n} of {n} (ours: confirmed_ts = the third candle)")
    if join:
        # they join whatever follows; ours only a gap still standing when the next is known
        single, _ = ours(binary, path, 0, 0)
        mit_at = {(conf - 1, d): mit for t, d, origin, conf, lo, hi, mit in single if t == "F"}
        split = other = 0
        for (i, d) in ours_only:
            # our run ended at i because the gap before the next one was mitigated by the
            # bar that made the next one known (i + 2 closes gap i + 1, mitigation first)
            if mit_at.get((i, d)) == i + 2 and (i + 1, d) in mit_at:
                split += 1
            else:
                other += 1
        print(f"  ours only / box differs: runs ours split because a gap was mitigated by the "
              f"bar that confirmed the next one (they join it anyway, mitigated or not): "
              f"{split} of {len(ours_only)} ours-only keys, other {other}")
    return peer_only, ours_only


def ob_parity(smc, df, bars, binary, path, rule):
    swings = smc.swing_highs_lows(df, swing_length=L)
    hl = swings["HighLow"].values
    peer = peer_rows(smc.ob(df, swings), ["OB", "Top", "Bottom", "MitigatedIndex"])
    boxes, breaks = ours(binary, path, 0, 0, rule, L)
    mine = {(origin, d): (lo, hi, mit, conf) for t, d, origin, conf, lo, hi, mit in boxes
            if t == "O"}
    n = len(bars)
    close = [b[3] for b in bars]
    high = [b[1] for b in bars]
    low = [b[2] for b in bars]
    unmit_peer = {(i, d): (top, bottom) for i, d, top, bottom, mit in peer if mit == 0}
    unmit_ours = {k: v for k, v in mine.items() if v[2] == -1}
    both = set(unmit_peer) & set(unmit_ours)
    band_diff = sum(1 for k in both
                    if not (same(unmit_peer[k][0], unmit_ours[k][1]) and
                            same(unmit_peer[k][1], unmit_ours[k][0])))
    classes = {}

    def put(cls):
        classes[cls] = classes.get(cls, 0) + 1

    peer_swing_idx = {1: [i for i in range(n) if hl[i] == 1],
                      -1: [i for i in range(n) if hl[i] == -1]}

    def peer_break(c, d):
        """The swing p their block (c, d) comes from and the bar k that broke it."""
        cand = [p for p in peer_swing_idx[d] if p <= c]
        if not cand:
            return None, None
        p = cand[-1]
        level = high[p] if d > 0 else low[p]
        k = next((j for j in range(c + 1, n)
                  if (close[j] > level if d > 0 else close[j] < level)), None)
        return p, k

    mine_by_break = {(d, v[3]): (c, v[2]) for (c, d), v in mine.items()}
    peer_breaks = set()
    for (c, d) in set(unmit_peer) - set(unmit_ours):
        p, k = peer_break(c, d)
        peer_breaks.add((d, k))
        if p is None:
            put("peer: no swing found (other)")
        elif p == 0 or p == n - 1:
            put("their artificial swing at the first / last bar")
        elif k is None or p + L >= k:
            put("look-ahead: their swing broken before it was confirmed (L bars after it)")
        elif k not in breaks or breaks[k][1] != p:
            put("their swing is a final survivor: at the break our last confirmed swing was "
                "another one (superseded later) or already broken")
        elif (d, k) in mine_by_break and mine_by_break[(d, k)][0] != c:
            put("same break, another candle: the candle rule" if rule == 0 else
                "same break, another candle (a tie, or their swing at that break differs)")
        else:
            put("same break and block, ours mitigated (other)")
    for (c, d) in set(unmit_ours) - set(unmit_peer):
        k = unmit_ours[(c, d)][3]
        p = breaks[k][1]
        if (d, k) in peer_breaks:
            put("ours: same break, another candle: the candle rule" if rule == 0 else
                "ours: same break, another candle (a tie, or their swing at that break differs)")
        elif hl[p] != d:
            put("ours: our broken swing is not in their final list (superseded by a later, "
                "more extreme one)")
        elif any(pc == c and pd == d for pc, pd, *_ in peer):
            put("ours: the same block is in their list as a breaker")
        else:
            put("ours: other")
    name = "extreme candle (their rule)" if rule else "last opposite candle (ours)"
    print(f"ORDER_BLOCK, order_block_candle={rule} [{name}]: standing at the end: peer "
          f"{len(unmit_peer)}, ours {len(unmit_ours)}, both {len(both)} (band differs "
          f"{band_diff}), peer only {len(set(unmit_peer) - set(unmit_ours))}, ours only "
          f"{len(set(unmit_ours) - set(unmit_peer))}")
    for cls, cnt in sorted(classes.items(), key=lambda x: -x[1]):
        print(f"  {cnt:5d}  {cls}")


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    sys.path.insert(0, sys.argv[1])
    os.environ["SMC_CREDIT"] = "0"
    import pandas as pd
    from smartmoneyconcepts import smc
    path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "..", "shared", "data",
                                                                "EURUSD_15M.csv")
    binary = sys.argv[3] if len(sys.argv) > 3 else os.path.join(ROOT, "build-report",
                                                                "research", "smc")
    bars = load(path)
    df = pd.DataFrame(bars, columns=["open", "high", "low", "close", "volume"])
    print(f"{os.path.basename(path)}: {len(bars)} bars")
    fvg_parity(smc, df, binary, path, 0)
    fvg_parity(smc, df, binary, path, 1)
    ob_parity(smc, df, bars, binary, path, 1)
    ob_parity(smc, df, bars, binary, path, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
