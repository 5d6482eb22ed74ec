#!/usr/bin/env python3
"""Carrier calls and page freshness: our polling policy against fixed 2-hour polling, simulated.

Generates a seedable fleet of shipments with synthetic scan timelines (bench/sim_timelines.py),
then polls every shipment with each strategy in the same process, each with its own event queue:
- policy: tracking.polling.policy.next_poll after every poll, with the state the carrier would
  report at that instant (latest scan, its time, the ETA as then known, the destination's
  timezone, late checks made); first poll at registration; stops when next_poll is None (the
  late check after delivery is counted as a call);
- fixed 2 h: every 2 hours from registration until a poll sees delivered (what Shippo and karrio do);
- fixed 30 min: the same every 30 minutes, a freshness reference;
- policy-capped: the policy under DHL's cap on polls per shipment per day (the adapter's
  max_polls_per_day), as the worker applies it to every carrier that declares one.
No carrier latency, no failed calls, no page-view bumps: polls see every scan made up to their instant.

Figures: carrier calls per delivered shipment, and for every out_for_delivery and every delivered
scan the delay until the first poll at or after it (when the page can show it), median and p95.
Targets: policy calls <= 1/3 of fixed 2 h's, with a lower median delay for out-for-delivery and
for delivered; policy-capped: no shipment over the cap in any 24 h. Always exits 0: the figures are for reading, not for gating.
"""
import argparse
import heapq
import json
import math
import random
import sys
import time
from collections import Counter, deque
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import _fixture  # puts the project root on sys.path
import sim_timelines as st
from tracking.carriers.dhl import DHL
from tracking.polling import policy

TARGET_CALLS_RATIO = 1 / 3
BASELINE = "fixed-2h"
DHL_DAILY = DHL.max_polls_per_day  # CARRIERS.md: DHL asks for at most about 10 fetches a day
STRATEGIES = {  # name: fixed interval in seconds, or None for the policy
    "policy": None,
    "fixed-2h": 2 * 3600,
    "fixed-30m": 30 * 60,
    "policy-capped": None,
}
CAPS = {"policy-capped": DHL_DAILY}  # polls per shipment per 24 h, for the policy strategies
WATCHED = (st.OUT_FOR_DELIVERY, st.DELIVERED)


def percentile(sorted_values: list, p: float) -> float:
    """Nearest-rank percentile of an ascending list (p in 0..100)."""
    if not sorted_values:
        return float("nan")
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, timezone.utc)


def simulate(ships: list, strategy: str, params: dict, seed: int, policy_tz: str | None = None) -> dict:
    """Poll every shipment with one strategy; returns calls and delays.

    `policy_tz`: the zone the policy is told (night, ETA day) instead of each destination's.
    """
    every = STRATEGIES[strategy]
    cap = CAPS.get(strategy)
    rng = random.Random(f"{seed}-{strategy}-jitter")
    n = len(ships)
    calls = [0] * n
    seen = [0] * n  # scans already seen by a poll
    finals = [0] * n  # polls that saw a final state
    eta_i = [-1] * n  # the ETA revision in force at the last poll
    window = [deque() for _ in range(n)]  # poll instants in the last 24 h
    busiest = [0] * n  # most polls in any 24 h
    delays = {s: [] for s in WATCHED}
    by_state = Counter()  # calls, by what the carrier reported at the poll that scheduled them
    useful = 0  # polls that found at least one new scan
    registered = [_utc(tl.registered) for tl in ships] if every is None else None
    params = {**policy.DEFAULTS, **params}

    heap = [(tl.registered, i, "first poll") for i, tl in enumerate(ships)]
    heapq.heapify(heap)
    while heap:
        now, i, why = heapq.heappop(heap)
        tl = ships[i]
        calls[i] += 1
        by_state[why] += 1
        w = window[i]
        w.append(now)
        while w[0] <= now - st.DAY:
            w.popleft()
        if len(w) > busiest[i]:
            busiest[i] = len(w)

        scans, k = tl.scans, seen[i]
        if k < len(scans) and scans[k][0] <= now:
            useful += 1
            while k < len(scans) and scans[k][0] <= now:
                at, status, _ = scans[k]
                if status in delays:
                    delays[status].append(now - at)
                k += 1
            seen[i] = k
        if k:
            at, status, substatus = scans[k - 1]
        else:
            at, status, substatus = None, "pending", None
        final = policy.is_final(status, substatus)
        if final:
            finals[i] += 1

        if every is not None:
            if not final:
                heapq.heappush(heap, (now + every, i, status))
            continue

        etas, e = tl.etas, eta_i[i]
        while e + 1 < len(etas) and etas[e + 1][0] <= now:
            e += 1
        eta_i[i] = e
        eta = _utc(etas[e][1]) if e >= 0 else None
        state = policy.PollState(
            status=status, substatus=substatus, registered_at=registered[i],
            last_event_at=_utc(at) if at is not None else None, eta_earliest=eta,
            timezone=policy_tz or tl.tz, final_checks=max(0, finals[i] - 1),
            budget=policy.Budget(cap, tuple(_utc(t) for t in w)) if cap else policy.Budget(),
        )
        nxt = policy.next_poll(state, _utc(now), params, rng)
        if nxt is not None:
            label = status
            if final:
                label = "final (late check)"
            elif status == st.IN_TRANSIT and eta is not None and _utc(now).astimezone(
                    zone := ZoneInfo(state.timezone)).date() >= eta.astimezone(zone).date():
                label = "in_transit, ETA day or later"
            heapq.heappush(heap, (nxt.timestamp(), i, label))

    delivered = [i for i, tl in enumerate(ships) if tl.delivered_at is not None]
    for v in delays.values():
        v.sort()
    peaks = sorted(busiest)
    return {
        "calls_per_delivered": sum(calls[i] for i in delivered) / len(delivered) if delivered else float("nan"),
        "calls_total": sum(calls),
        "useful_share": useful / sum(calls),
        "delays": delays,
        "by_state": by_state,
        "busiest_p50": percentile(peaks, 50),
        "busiest_max": peaks[-1],
        "over_dhl": sum(b > DHL_DAILY for b in busiest) / n,
        "over_cap": sum(b > cap for b in busiest) / n if cap else None,
        "unseen": sum(len(tl.scans) - seen[i] for i, tl in enumerate(ships)),
    }


def _print_cap_cost(free: dict, capped: dict) -> None:
    """What DHL's cap costs: shipments over it (must be none), calls, and delay to seeing news."""
    print()
    print(f"policy-capped vs policy (DHL's cap of {DHL_DAILY} polls per shipment in any 24 h, "
          f"tracking/polling/policy.py allowed_from):")
    print(f"shipments over the cap in some 24 h:  {capped['over_cap']:.2%} (uncapped: {free['over_dhl']:.1%})"
          f"   target 0   {'MET' if capped['over_cap'] == 0 else 'MISSED'}")
    print(f"calls per delivered shipment:         {capped['calls_per_delivered']:.1f} vs "
          f"{free['calls_per_delivered']:.1f}")
    for s, label in ((st.OUT_FOR_DELIVERY, "out_for_delivery"), (st.DELIVERED, "delivered")):
        ours, theirs = capped["delays"][s], free["delays"][s]
        print(f"delay to seeing {label + ':':<17}   median {percentile(ours, 50) / 60:.1f} vs "
              f"{percentile(theirs, 50) / 60:.1f} min, p95 {percentile(ours, 95) / 60:.1f} vs "
              f"{percentile(theirs, 95) / 60:.1f} min (no target)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shipments", type=int, default=10000, help="shipments to simulate (default 10000)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the timelines and the policy's jitter (default 1)")
    ap.add_argument("--params", default="{}",
                    help='JSON overriding the policy\'s DEFAULTS, e.g. \'{"in_transit_minutes": 720}\'')
    ap.add_argument("--policy-timezone", metavar="ZONE",
                    help="tell the policy this zone for every shipment instead of its destination's "
                         "(e.g. the merchant's, which is what the worker passes today)")
    ap.add_argument("--strategies", default=",".join(STRATEGIES),
                    help=f"comma-separated, from {', '.join(STRATEGIES)} (default all; {BASELINE} is always run)")
    args = ap.parse_args()
    rerun = _fixture.rerun_command(__file__, sys.argv[1:])
    overrides = json.loads(args.params)
    unknown = set(overrides) - set(policy.DEFAULTS)
    if unknown:
        ap.error(f"--params: unknown policy parameters {sorted(unknown)}; known: {sorted(policy.DEFAULTS)}")
    if args.policy_timezone:
        try:
            ZoneInfo(args.policy_timezone)
        except (ValueError, LookupError):
            ap.error(f"--policy-timezone: unknown zone {args.policy_timezone!r}")
    names = [s.strip() for s in args.strategies.split(",") if s.strip()]
    bad = [s for s in names if s not in STRATEGIES]
    if bad:
        ap.error(f"--strategies: unknown {bad}; known: {list(STRATEGIES)}")
    if BASELINE not in names:
        names.append(BASELINE)

    started = time.perf_counter()
    print("== polling_sim: carrier calls and page freshness, our policy vs fixed 2-hour polling ==")
    t0 = time.perf_counter()
    ships = st.fleet(args.shipments, args.seed)
    d = st.describe(ships)
    print(f"fleet:    {args.shipments} shipments (seed {args.seed}), registered over {st.REGISTRATION_DAYS} days "
          f"from {st.START:%Y-%m-%d} UTC, generated in {time.perf_counter() - t0:.1f} s")
    print(f"          {d['scans_per_shipment']:.1f} scans per shipment; registration to delivered: median "
          f"{d['transit_days_p50']:.1f} d, p95 {d['transit_days_p95']:.1f} d; {d['delivered_share']:.0%} delivered")
    k = d["kinds"]
    print(f"          late pickups (3-8 d) {k['late_pickup']:.1%}, ETA a day off {k['wrong_eta']:.1%}, "
          f"failed attempts {k['failed_attempt']:.1%}, delays/exceptions {k['exception']:.1%}; "
          f"hub scans at night (21-07 local) {d['hub_night_share']:.1%}")
    print("          destinations: " + ", ".join(f"{tz} {s:.0%}" for tz, s in d["timezones"].items()))
    params = {**policy.DEFAULTS, **overrides}
    print("policy:   tracking/polling/policy.py DEFAULTS" + (f" with --params {json.dumps(overrides)}" if overrides else ""))
    print("          " + ", ".join(f"{k}={v}" for k, v in params.items()))
    print("          timezone told to the policy: " + (args.policy_timezone or "each shipment's destination"))
    print()

    results, timings = {}, {}
    for name in names:
        t0 = time.perf_counter()
        results[name] = simulate(ships, name, overrides, args.seed, args.policy_timezone)
        timings[name] = time.perf_counter() - t0

    header = (f"{'strategy':<13} {'calls/delivered':>15} {'OFD p50':>8} {'OFD p95':>8} {'DLV p50':>8} {'DLV p95':>8} "
              f"{'news/call':>9} {'max 24h p50/max':>15} {f'>{DHL_DAILY}/24h':>8} {'sim s':>6}")
    print("delays in minutes from the scan to the first poll that sees it (OFD: out_for_delivery, DLV: delivered)")
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        ofd, dlv = r["delays"][st.OUT_FOR_DELIVERY], r["delays"][st.DELIVERED]
        print(f"{name:<13} {r['calls_per_delivered']:>15.1f} {percentile(ofd, 50) / 60:>8.1f} "
              f"{percentile(ofd, 95) / 60:>8.1f} {percentile(dlv, 50) / 60:>8.1f} {percentile(dlv, 95) / 60:>8.1f} "
              f"{r['useful_share']:>9.0%} {str(r['busiest_p50']) + '/' + str(r['busiest_max']):>15} "
              f"{r['over_dhl']:>8.1%} {timings[name]:>6.1f}")
    ofd_n = len(results[BASELINE]["delays"][st.OUT_FOR_DELIVERY])
    dlv_n = len(results[BASELINE]["delays"][st.DELIVERED])
    print(f"({ofd_n} out_for_delivery and {dlv_n} delivered scans; news/call: share of calls that found a new scan; "
          f"max 24h: most calls for one shipment in any 24 h, median/max over shipments; "
          f">{DHL_DAILY}/24h: shipments above DHL's ~{DHL_DAILY} fetches a day)")
    for name, r in results.items():
        if r["unseen"]:
            print(f"WARNING: {name} never saw {r['unseen']} scans; its figures are not valid.")

    if "policy" in results and "policy-capped" in results:
        _print_cap_cost(results["policy"], results["policy-capped"])

    if "policy" in results:
        r = results["policy"]
        total = sum(r["by_state"].values())
        print()
        print("policy calls per shipment, by the status reported at the poll that scheduled them:")
        for why, c in r["by_state"].most_common():
            print(f"          {why:<30} {c / len(ships):>6.2f}  ({c / total:.0%})")

        base = results[BASELINE]
        calls_ratio = r["calls_per_delivered"] / base["calls_per_delivered"]
        med = {s: (percentile(r["delays"][s], 50), percentile(base["delays"][s], 50)) for s in WATCHED}
        print()
        print(f"policy vs {BASELINE} (same fleet, same run):")
        print(f"calls per delivered shipment:  {calls_ratio:.1%} ({r['calls_per_delivered']:.1f} vs "
              f"{base['calls_per_delivered']:.1f})   target <= {TARGET_CALLS_RATIO:.1%}   "
              f"{'MET' if calls_ratio <= TARGET_CALLS_RATIO else 'MISSED'}")
        for s, label in ((st.OUT_FOR_DELIVERY, "out_for_delivery"), (st.DELIVERED, "delivered")):
            ours, theirs = med[s]
            print(f"median delay, {label + ':':<17} {ours / theirs:.0%} ({ours / 60:.1f} vs {theirs / 60:.1f} min)"
                  f"   target < 100%   {'MET' if ours < theirs else 'MISSED'}")
            p95_ours, p95_theirs = percentile(r["delays"][s], 95), percentile(base["delays"][s], 95)
            print(f"  (p95 {p95_ours / 60:.1f} vs {p95_theirs / 60:.1f} min: {p95_ours / p95_theirs:.0%}, no target)")
    print()
    print(f"runtime:  {time.perf_counter() - started:.1f} s (pure Python, one core)")
    print(f"rerun: {rerun}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
