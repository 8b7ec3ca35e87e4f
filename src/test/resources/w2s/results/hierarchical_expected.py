# Independent computation of the hierarchical bootstrap of median PGR on hierarchical_fixture.csv (numpy).
import csv, numpy as np
rows = list(csv.DictReader(open("hierarchical_fixture.csv")))
seeds = sorted({int(r["seed"]) for r in rows})
def arrays(n):
    out = {}
    for s in seeds:
        rs = sorted([r for r in rows if int(r["seed"]) == s], key=lambda r: r["id"])[:n]
        y = np.array([int(r["label"]) for r in rs])
        out[s] = {m: (np.array([float(r[m]) for r in rs]) > 0.5).astype(int) == y for m in ("weak", "student", "ceiling")}
    return out
def median_pgr(correct, sample, counts):
    acc = {s: {m: (c * counts).sum() / counts.sum() for m, c in correct[s].items()} for s in set(sample)}
    w = np.mean([acc[s]["weak"] for s in sample]); c = np.mean([acc[s]["ceiling"] for s in sample])
    if not c > w: return np.nan
    return np.median([(acc[s]["student"] - w) / (c - w) for s in sample])
def interval(n, B, docs=True):
    correct = arrays(n)
    rng = np.random.default_rng(0)
    med = []
    for _ in range(B):
        sample = list(rng.choice(seeds, size=len(seeds)))
        counts = np.bincount(rng.integers(0, n, n), minlength=n) if docs else np.ones(n)
        med.append(median_pgr(correct, sample, counts))
    med = np.array(med)
    nan = np.isnan(med).sum()
    d = np.sort(med[~np.isnan(med)])
    lo = np.quantile(np.concatenate([np.full(nan, -np.inf), d]), 0.025) if nan else np.quantile(d, 0.025)
    hi = np.quantile(np.concatenate([d, np.full(nan, np.inf)]), 0.975) if nan else np.quantile(d, 0.975)
    return median_pgr(correct, seeds, np.ones(n)), lo, hi, nan
for n in (1000, 150):
    print(n, "joint", interval(n, 20000), "seeds only", interval(n, 20000, docs=False))
