#!/usr/bin/env python3
"""Per-layer tables of `w2s elicit` results, as docs/RESULTS.md shows them.

Usage: scripts/elicit_tables.py RUN_DIR_OR_elicit.json [...] [--template NAME]  (default: the prompt ensemble)
Prints, per run, accuracy and AUROC per layer (columns) and method (rows)."""
import json
import os
import sys


def load(path):
    if os.path.isdir(path):
        path = os.path.join(path, "elicit.json")
    with open(path) as f:
        return json.load(f)


def table(run, template):
    c = run["config"]
    rows = [r for r in run["rows"] if r["template"] == template]
    if not rows:
        names = sorted({r["template"] for r in run["rows"]})
        sys.exit(f"no rows for template {template!r}; the run has: {', '.join(names)}")
    layers = sorted({r["layer"] for r in rows})
    methods = list(dict.fromkeys(r["method"] for r in rows))
    value = {(r["method"], r["layer"], m): r[m] for r in rows for m in ("accuracy", "auroc")}
    names = ", ".join(t["name"] for t in c["templates"])
    tr, te = run["train_prompts"], run["test_prompts"]
    out = [f"{c['task']} / {c['model']}  {template} of [{names}], pooling {c.get('pooling')}, max {c.get('max_tokens')}"
           f" tokens; train {tr['kept']} ({tr['truncated']} truncated), test {te['kept']} ({te['truncated']} truncated)"]
    for metric in ("accuracy", "auroc"):
        out.append(f"  {metric}")
        out.append("  layer  " + "".join(f"{l:>6}" for l in layers))
        for m in methods:
            out.append(f"  {m:<7}" + "".join(f"{value[(m, l, metric)]:6.2f}" for l in layers))
    return "\n".join(out)


def main(args):
    template = "ensemble"
    if "--template" in args:
        i = args.index("--template")
        template = args[i + 1]
        del args[i:i + 2]
    if not args:
        sys.exit(__doc__)
    print("\n\n".join(table(load(p), template) for p in args))


if __name__ == "__main__":
    main(sys.argv[1:])
