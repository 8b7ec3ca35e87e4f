#!/usr/bin/env bash
# Fine-tuning speed benchmark; arguments as bench/FinetuneBench.java: [model] [batch] [tokens] [steps] [minibatch]
# [lora rank] [keep|recompute].
# Builds the jar if missing. Set W2S_THREADS to pin torch's intra-op threads (default: all available cores).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/w2s.jar ] || mvn -B -q package -DskipTests
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" # spinning OpenMP threads are slow on a shared machine
threads=()
[ -n "${W2S_THREADS:-}" ] && threads=(-Dai.djl.pytorch.num_threads="$W2S_THREADS")
exec java -Xmx4g -Dai.djl.offline=true "${threads[@]}" -cp "target/w2s.jar:target/lib/*" bench/FinetuneBench.java "$@"
