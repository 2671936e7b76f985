#!/usr/bin/python3
"""bench/peer_smc.py DIR CSV [RUNS] - the peer on the same file as domain_replay's M15 year.

smartmoneyconcepts (github:joshyattridge/smart-money-concepts, a checkout at DIR; never
vendored) with Debian's python3-pandas: the three functions that compute what our sources
compute (swing pivots, equal-level liquidity on them, the previous day's high and low), best
of RUNS over the whole file, the CSV read once outside the timing. Prints
"RESULT peer_smc_ms <ms>" for bench/run.
"""
import sys
import time

import pandas as pd

sys.path.insert(0, sys.argv[1])
from smartmoneyconcepts.smc import smc  # noqa: E402

df = pd.read_csv(sys.argv[2])
df = df.set_index("Date")
df.index = pd.to_datetime(df.index, format="%Y.%m.%d %H:%M:%S")
df = df.rename(columns=str.lower)
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
best = float("inf")
for _ in range(runs):
    t0 = time.perf_counter()
    shl = smc.swing_highs_lows(df, swing_length=5)
    smc.liquidity(df, shl)
    smc.previous_high_low(df, time_frame="1D")
    best = min(best, time.perf_counter() - t0)
print(f"{len(df)} bars, best of {runs}: {best * 1e3:.1f} ms", file=sys.stderr)
print(f"RESULT peer_smc_ms {best * 1e3:.3f}")
