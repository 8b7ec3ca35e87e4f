#!/usr/bin/env bash
# What the default training curve costs; arguments as bench/CurveCostBench.java: [model] [probe|finetune|scratch]
# [task] [n-train] [n-test]. Builds the jar if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/w2s.jar ] || mvn -B -q package -DskipTests
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" # spinning OpenMP threads are slow on a shared machine
exec java -Xmx4g -Dai.djl.offline=true -cp "target/w2s.jar:target/lib/*" bench/CurveCostBench.java "$@"
