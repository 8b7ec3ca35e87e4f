#!/usr/bin/env bash
# Decoder hidden-state extraction (every layer, last-token pooling) through w2s against a plain-PyTorch forward on
# the same random-weight checkpoint, each in its own process (2 threads, OMP_WAIT_POLICY=PASSIVE), reporting rate
# and peak resident memory. Needs Debian's python3-torch (apt install python3-torch).
# Usage: bench/extract-vs-torch.sh [gpt2|qwen2] [texts=16] [tokens=64]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/w2s.jar ] || mvn -B -q package -DskipTests
export OMP_WAIT_POLICY=PASSIVE
shape="${1:-gpt2}" texts="${2:-16}" tokens="${3:-64}"
dir="${TMPDIR:-/tmp}/w2s-extract-bench-$shape"
# A small heap on purpose: weights go from the file straight into libtorch, never through the Java heap (the
# Qwen2 shape's embedding matrix alone is 544 MB), and the peak does not depend on it (-Xmx256m or 6g alike).
java_run() { java -Xmx512m -Dw2s.torch.threads=2 -cp "target/w2s.jar:target/lib/*" bench/ExtractVsTorch.java "$@"; }
[ -f "$dir/model.safetensors" ] || java -Xmx8g -cp "target/w2s.jar:target/lib/*" bench/ExtractVsTorch.java write "$dir" "$shape"
echo "$shape shape, $texts texts x $tokens tokens, weights $(( $(stat -c %s "$dir/model.safetensors") >> 20 )) MB"
java_run run "$dir" "$texts" "$tokens" fp32
java_run run "$dir" "$texts" "$tokens" bf16
/usr/bin/python3 bench/torch_reference.py "$dir" "$texts" "$tokens"
