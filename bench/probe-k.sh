#!/usr/bin/env bash
# Issue 24: a 1,000-class probe on 40,000 x 2,048 random feature rows, 10 epochs (the vision experiment's ImageNet
# shape). Target: under 2 minutes on 2 cores, peak memory under 2x the features (2 x 328 MB).
# Usage: bench/probe-k.sh [rows=40000] [dim=2048] [classes=1000] [epochs=10]
# Prints the CPU flags, the per-step rate, the training time and /usr/bin/time's wall time and peak resident memory.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/w2s.jar ] || mvn -B -q package -DskipTests
echo "CPU flags: $(grep -o 'avx2\|avx512_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')  cores: $(nproc)"
/usr/bin/time -v java -Xmx8g -cp "target/w2s.jar:target/lib/*" bench/ProbeKBench.java "$@" 2> /tmp/probe-k-time.txt
grep -E 'Elapsed|Maximum resident' /tmp/probe-k-time.txt
