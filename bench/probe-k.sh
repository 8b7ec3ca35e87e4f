#!/usr/bin/env bash
# Issue 24: a 1,000-class probe on 40,000 x 2,048 random feature rows, 10 epochs (the vision experiment's ImageNet
# shape). Target: under 2 minutes on 2 cores, peak memory under 2x the features (2 x 328 MB).
# Usage: bench/probe-k.sh [rows=40000] [dim=2048] [classes=1000] [epochs=10] [labels=hard|soft]
# Prints the CPU flags, the per-step rate, the training time, resident memory before training, at its peak during
# training and after predicting every row, and /usr/bin/time's wall time and peak resident memory. The JVM's heap is
# bin/w2s's (-Xmx6g) unless W2S_JAVA_OPTS says otherwise: W2S_JAVA_OPTS=-Xmx1g shows what the run needs, not what a
# large heap lets garbage occupy.
set -euo pipefail
cd "$(dirname "$0")/.."
# As bin/w2s runs: libtorch's OpenMP threads spinning between ops take the core Java's half of each step needs
# (without this a step takes 31 ms instead of 15).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
[ -f target/w2s.jar ] || mvn -B -q package -DskipTests
echo "CPU flags: $(grep -o 'avx2\|avx512_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')  cores: $(nproc)"
/usr/bin/time -v java ${W2S_JAVA_OPTS:--Xmx6g} -cp "target/w2s.jar:target/lib/*" bench/ProbeKBench.java "$@" 2> /tmp/probe-k-time.txt
grep -E 'Elapsed|Maximum resident' /tmp/probe-k-time.txt
