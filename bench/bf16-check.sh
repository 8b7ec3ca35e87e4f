#!/usr/bin/env bash
# bf16 against fp32 on this machine, each configuration in its own JVM (so peak memory is its own):
#   1. the CPU's flags and what --dtype auto picks here, and the 1024^3 matrix product in fp32 and bf16;
#   2. full fine-tuning of a model (default minilm-l6), batch 32 x 64 tokens, fp32 then bf16;
#   3. LoRA r8 in bf16 against full fine-tuning in fp32 on a second model (default: the same one; pass a BERT-base
#      folder or id as the second argument for the issue's BERT-base figure).
# Usage: bench/bf16-check.sh [model=minilm-l6] [lora-model=model] [steps=5]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/w2s.jar ] || mvn -B -q package -DskipTests
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
model="${1:-minilm-l6}" lora_model="${2:-${1:-minilm-l6}}" steps="${3:-5}"
bench() { java -Xmx4g -cp "target/w2s.jar:target/lib/*" bench/FinetuneBench.java "$@"; }
figures() { grep -E 'sentences/s|peak|parameters:|CPU flags' | sed 's/^/    /'; }

echo "== 1. this CPU"
java -cp "target/w2s.jar:target/lib/*" bench/GemmRates.java
echo "== 2. $model full fine-tuning, batch 32 x 64 tokens"
for dtype in fp32 bf16; do echo "  $dtype:"; bench "$model" 32 64 "$steps" 32 0 keep "$dtype" | figures; done
echo "== 3. $lora_model: LoRA r8 in bf16 against full fine-tuning in fp32"
echo "  full fp32:"; bench "$lora_model" 32 64 "$steps" 32 0 keep fp32 | figures
echo "  LoRA r8 bf16:"; bench "$lora_model" 32 64 "$steps" 32 8 keep bf16 | figures
