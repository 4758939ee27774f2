#!/usr/bin/python3
"""The M/M/N/N loss model in SimPy 2 (Debian's python3-simpy): telsim's peer for
scripts/bench-compare. Poisson arrivals at `erlangs` per mean holding time, N channels (a SimPy
Resource), exponential holding of one minute; an arrival that finds every channel busy is
blocked (lost). Prints one line of `key=value` figures that scripts/bench-compare reads:

    simpy arrivals=1000000 carried=... blocked=... blocking=0.01837 erlang_b=0.01838 wall_s=5.98 calls_per_s=167224 peak_rss_mib=11

Wall time covers the simulation only (imports and set-up excluded), like telsim bench's.
`--cdr FILE` also writes one CSV row per call (start, end, outcome), for a peer that keeps
records as telsim does; bench-compare runs it without, the harder baseline.
"""
import argparse
import random
import resource
import sys
import time

from SimPy.Simulation import (Process, Resource, activate, hold, initialize, now, release,
                              request, simulate)

HOLDING_S = 60.0


class Stats:
    offered = 0
    blocked = 0


class Call(Process):
    def talk(self, trunk, holding, stats, cdr):
        start = now()
        if trunk.n == 0:  # every channel busy: the call is lost
            stats.blocked += 1
            if cdr:
                cdr.write("%.3f,%.3f,blocked\n" % (start, start))
            return
        yield request, self, trunk
        yield hold, self, holding
        yield release, self, trunk
        if cdr:
            cdr.write("%.3f,%.3f,answered\n" % (start, now()))


class Source(Process):
    def generate(self, trunk, arrivals, rate, rng, stats, cdr):
        for _ in range(arrivals):
            yield hold, self, rng.expovariate(rate)
            stats.offered += 1
            c = Call()
            activate(c, c.talk(trunk, rng.expovariate(1.0 / HOLDING_S), stats, cdr))


def erlang_b(channels, erlangs):
    b = 1.0
    for n in range(1, channels + 1):
        b = erlangs * b / (n + erlangs * b)
    return b


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trunk", type=int, default=10, help="channels (N)")
    ap.add_argument("--erlangs", type=float, default=5.0, help="offered load")
    ap.add_argument("--calls", type=int, default=1_000_000, help="arrivals")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cdr", help="also write one CSV row per call to this file")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    stats = Stats()
    cdr = open(a.cdr, "w", buffering=1 << 20) if a.cdr else None
    if cdr:
        cdr.write("start_s,end_s,outcome\n")
    initialize()
    trunk = Resource(capacity=a.trunk, name="trunk")
    src = Source()
    activate(src, src.generate(trunk, a.calls, a.erlangs / HOLDING_S, rng, stats, cdr))
    t0 = time.perf_counter()
    simulate(until=1e18)
    wall = time.perf_counter() - t0
    if cdr:
        cdr.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("simpy arrivals=%d carried=%d blocked=%d blocking=%.5f erlang_b=%.5f wall_s=%.3f "
          "calls_per_s=%.0f peak_rss_mib=%.0f"
          % (stats.offered, stats.offered - stats.blocked, stats.blocked,
             stats.blocked / max(1, stats.offered), erlang_b(a.trunk, a.erlangs), wall,
             stats.offered / wall, peak))
    return 0


if __name__ == "__main__":
    sys.exit(main())
