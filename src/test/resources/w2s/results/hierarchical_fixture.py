# Writes hierarchical_fixture.csv: 3 seeds x one weak-strong pair, test predictions on 1000 shared documents.
import random
rng = random.Random(21)
N = 1000
rows = []
labels = [i % 2 for i in range(N)]
difficulty = [rng.random() for _ in range(N)]  # shared: hard documents are hard for every model
for seed in range(3):
    for i in range(N):
        y = labels[i]
        out = {}
        for model, skill in (("weak", 0.70), ("student", 0.76), ("ceiling", 0.82)):
            s = skill + 0.02 * (seed - 1) * (1 if model == "student" else -1 if model == "weak" else 0.5)
            # correct with probability ~ s, correlated through the document's difficulty
            correct = (0.6 * difficulty[i] + 0.4 * rng.random()) < s
            conf = 0.5 + 0.49 * rng.random()
            p1 = conf if (y == 1) == correct else 1 - conf
            out[model] = round(p1, 6)
        rows.append((seed, "d%04d" % i, y, out["weak"], out["student"], out["ceiling"]))
with open("hierarchical_fixture.csv", "w") as f:
    f.write("seed,id,label,weak,student,ceiling\n")
    for r in rows:
        f.write("%d,%s,%d,%r,%r,%r\n" % r)
