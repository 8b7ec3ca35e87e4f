#!/usr/bin/env bash
# Why --dtype bf16 is refused on this build and machine: (1) DJL cannot create a bf16 array (the JVM aborts; shown in a child
# process), (2) bf16 tensors obtained through a TorchScript cast run their matrix products far slower than fp32 and
# without oneDNN. Needs Debian's python3-torch for step 2 (it writes the 1.6 kB cast module). Arguments: [rows] [in]
# [out] of the product (default 2048 768 3072, one BERT-base MLP layer on 32 x 64 tokens).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/w2s.jar ] || mvn -B -q package -DskipTests
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
run() { java -Xmx4g -Dai.djl.offline=true -cp "target/w2s.jar:target/lib/*" bench/Bf16Check.java "$@"; }

echo "== 1. a bf16 array through DJL"
set +e
run create 2>&1 | grep -v '^\[' | tail -3
code=${PIPESTATUS[0]}
set -e
echo "exit code $code$([ "$code" = 134 ] && echo ' (SIGABRT: std::terminate in the JNI)')"

echo "== 2. bf16 matrix products through a TorchScript cast"
py=/usr/bin/python3
if ! "$py" -c 'import torch' 2>/dev/null; then echo "skipped: needs python3-torch (apt install python3-torch)"; exit 0; fi
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
# TorchScript compiles from source, so the module is written to a file first.
cat > "$dir/cast.py" <<'PY'
import sys, torch
class Cast(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.bfloat16)
torch.jit.script(Cast()).save(sys.argv[1])
PY
"$py" "$dir/cast.py" "$dir/cast.pt"
ONEDNN_VERBOSE=1 run gemm "$dir" "$@" 2>&1 | grep -v '^\[' > "$dir/out.txt"
grep -v '^onednn_verbose' "$dir/out.txt"
echo "oneDNN primitives executed: $(grep -c '^onednn_verbose,.*,exec,' "$dir/out.txt" || true)"
# PyTorch runs bf16 products through oneDNN only on CPUs with AVX-512 (and fast only with AVX-512 BF16 or AMX);
# otherwise it falls back to a reference kernel. What this CPU exposes:
echo "CPU vector extensions: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx|amx)' | sort -u | tr '\n' ' ')"
/lib64/ld-linux-x86-64.so.2 --help 2>/dev/null | grep -E 'x86-64-v[234] \(supported' | sed 's/^ */glibc: /' || true
