#!/usr/bin/env bash
# Verifies the CUDA path end to end on a machine with an NVIDIA GPU and prints its numbers. NOT YET RUN: the
# project's machines have no GPU, so this script is prepared, compiled against the CUDA build, and untested on a GPU.
#
# What it does: builds with -Pcuda (libtorch 2.10's CUDA build, org.bytedeco:pytorch linux-x86_64-gpu, with JavaCPP's
# CUDA 13.1 runtime; the first build downloads them from Maven Central), runs bench/GpuCheck.java (the engine sees the
# GPU, --device auto picks it, a bad index is refused, CPU and GPU agree after three steps of full and of LoRA
# fine-tuning in fp32 and in bf16, and their speed on the GPU), the bf16 benchmark (bench/bf16-check.sh, now on the
# GPU), then one small `w2s run` on cuda:0 whose metrics.json must record device cuda:0 for the student and the ceiling.
# Arguments: [model] [batch] [tokens] [steps], as GpuCheck.java (default minilm-l6 32 64 20).
# Nothing is downloaded from outside Maven Central; JavaCPP unpacks the natives into ~/.javacpp/cache on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || \
  echo "nvidia-smi not found: the checks below will say whether the engine sees a GPU"
mvn -B -q -Pcuda package -DskipTests
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" # as bin/w2s
java -Xmx8g -cp "target/w2s.jar:target/lib/*" bench/GpuCheck.java "$@"
bench/bf16-check.sh

out="$(mktemp -d)"
bin/w2s run --task grammar --n-train 400 --n-test 200 --weak bow --strong minilm-l6 --mode finetune \
  --epochs 1 --device cuda:0 --lora-rank 8 --cache "$out/cache" --out "$out/run"
python3 - "$out/run/metrics.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
for role in ("w2s", "ceiling"):
    f = m["footprints"][role]
    assert f["device"] == "cuda:0", (role, f)
    print(f"ok    {role}: {f['trainable_parameters']} of {f['total_parameters']} parameters trained, {f['dtype']} on {f['device']}")
print("ok    w2s run on cuda:0: weak %.3f, student %.3f, ceiling %.3f" % (m["weak_accuracy"], m["w2s_accuracy"], m["ceiling_accuracy"]))
EOF
echo "rebuild the CPU jar afterwards with: mvn -B -q package -DskipTests"
