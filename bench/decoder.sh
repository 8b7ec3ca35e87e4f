#!/usr/bin/env bash
# Decoder probe-extraction speed and checkpoint memory on a random GPT-2-shaped checkpoint.
# Usage: bench/decoder.sh [layers=12] [hidden=768] [tokens=64] [texts=128]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/w2s.jar ] || mvn -B -q package -DskipTests
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
layers="${1:-12}" hidden="${2:-768}" tokens="${3:-64}" texts="${4:-128}"
dir="${TMPDIR:-/tmp}/w2s-decoder-bench-$layers-$hidden"
run() { java -Xmx8g -cp "target/w2s.jar:target/lib/*" bench/DecoderBench.java "$@"; }
[ -f "$dir/model.safetensors" ] || run write "$dir" "$layers" "$hidden"
run "$layers" "$hidden" "$tokens" "$texts" "$dir"
