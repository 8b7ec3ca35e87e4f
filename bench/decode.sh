#!/usr/bin/env bash
# Greedy decoding with the key/value cache on a random GPT-2-small-shaped checkpoint (fp32, 2 threads): the cost of a
# generated token at 8, 32 and 128 new tokens, against the matmul-limited token rate measured in the same run.
# Usage: bench/decode.sh [prompt tokens=16] [repeats=5]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/w2s.jar ] || mvn -B -q package -DskipTests
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
dir="${TMPDIR:-/tmp}/w2s-decoder-bench-12-768"
run() { java -Xmx4g -Dw2s.torch.threads=2 -cp "target/w2s.jar:target/lib/*" "$@"; }
# The checkpoint bench/decoder.sh uses (GPT-2 small: 12 layers x 768, vocabulary 50257), written once.
[ -f "$dir/model.safetensors" ] || run bench/DecoderBench.java write "$dir" 12 768
run bench/DecodeBench.java "$dir" "${1:-16}" "${2:-5}"
