#!/usr/bin/env bash
# Fine-tuning speed benchmark; arguments as bench/FinetuneBench.java: [model] [batch] [tokens] [steps] [minibatch]
# [lora rank] [keep|recompute] [fp32|bf16|auto].
# Builds the jar if missing. Set W2S_THREADS to pin torch's intra-op threads (default: all available cores).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/w2s.jar ] || mvn -B -q package -DskipTests
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" # spinning OpenMP threads are slow on a shared machine
threads=()
[ -n "${W2S_THREADS:-}" ] && threads=(-Dw2s.torch.threads="$W2S_THREADS")
exec java -Xmx4g "${threads[@]}" -cp "target/w2s.jar:target/lib/*" bench/FinetuneBench.java "$@"
