#!/usr/bin/env bash
# Fine-tuning through w2s (full fp32, full bf16, LoRA r8 fp32 and bf16) against plain PyTorch's full fp32 on the same
# random-weight BERT-shaped checkpoint, each in its own process (2 threads, OMP_WAIT_POLICY=PASSIVE): sentences/s and
# peak resident memory. Needs Debian's python3-torch. Usage: bench/finetune-vs-torch.sh [bert|bert-base] [batch=32]
# [tokens=64] [steps=5]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/w2s.jar ] || mvn -B -q package -DskipTests
export OMP_WAIT_POLICY=PASSIVE
shape="${1:-bert}" batch="${2:-32}" tokens="${3:-64}" steps="${4:-5}"
dir="${TMPDIR:-/tmp}/w2s-finetune-bench-$shape"
cp="target/w2s.jar:target/lib/*"
[ -f "$dir/model.safetensors" ] || java -Xmx8g -cp "$cp" bench/ExtractVsTorch.java write "$dir" "$shape"
echo "$shape shape, batch $batch x $tokens tokens, $steps steps after one warm-up; CPU: $(grep -o 'avx2\|avx512_bf16\|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')"
for run in "0 fp32" "0 bf16" "8 fp32" "8 bf16"; do
  set -- $run
  java -Xmx2g -Dw2s.torch.threads=2 -cp "$cp" bench/FinetuneBench.java "$dir" "$batch" "$tokens" "$steps" "$batch" "$1" keep "$2" \
    | grep -E 'sentences/s|peak' | tr '\n' ' ' | sed "s/^/w2s $([ "$1" = 0 ] && echo full || echo "LoRA r$1") $2: /"; echo
done
/usr/bin/python3 bench/torch_finetune_reference.py "$dir" "$batch" "$tokens" "$steps"
