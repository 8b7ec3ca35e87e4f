#!/usr/bin/env bash
# Issue 24 end to end: the vision experiment at the reference's ImageNet size through `bin/w2s run`, on synthetic data
# (`tasks make features --shape imagenet`: 1,000 classes, 40,000 training and 10,000 test items, 2,048-d "DINO"
# vectors, a "pretrained" weak classifier's soft predictions about as accurate as AlexNet's). Not ImageNet: the
# numbers say how long and how much memory such a run takes, not what it finds. `--preset vision`: the reference's
# settings (10 epochs, batch 100, lr 1e-3, no weight decay, cosine; student and ceiling both on all 40,000 items). Prints the CPU flags, what the run printed, and /usr/bin/time's wall
# time and peak resident memory. The heap is bin/w2s's (-Xmx6g) unless W2S_JAVA_OPTS says otherwise.
# Usage: bench/vision-run.sh [data folder=/tmp/w2s-vision-imagenet] (made on first use: about 1.1 GB)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/w2s.jar ] || mvn -B -q package -DskipTests
data="${1:-/tmp/w2s-vision-imagenet}"
echo "CPU flags: $(grep -o 'avx2\|avx512_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')  cores: $(nproc)"
if [ ! -f "$data/test.jsonl" ]; then
  start=$(date +%s)
  bin/w2s tasks make features --shape imagenet --out "$data"
  echo "made the data in $(( $(date +%s) - start )) s: $(du -sh "$data" | cut -f1)"
fi
out="$(mktemp -d /tmp/w2s-vision-run.XXXXXX)"
/usr/bin/time -v -o "$out/time.txt" bin/w2s run --task "$data/labels.jsonl" --test "$data/test.jsonl" --features dino=strong.npy \
  --weak-labels "$data/weak_predictions.jsonl" --weak alexnet --strong dino --preset vision \
  --out "$out/run" --cache "$out/cache"
grep -E 'Elapsed|Maximum resident' "$out/time.txt"
echo "run folder: $out/run"
