#!/usr/bin/env bash
# Runs on a CUDA machine from the repository root, after scripts/gpu/prepare.sh built .gpu/:
#   1. the GPU and driver (nvidia-smi);
#   2. the minimal C headers against the real NVRTC, cuBLAS, cuBLASLt and NCCL headers;
#   3. the CUDA tests (native bindings, the CUDA backend against the CPU, golden cases on the GPU);
#   4. the GPU benchmarks side by side with PyTorch, as one table.
# Results go to $OUT (or .gpu/out): headers.txt, tests.txt, junit/ (XML reports), ours.jsonl,
# torch.jsonl, table.txt. Steps: RUN_STEPS="headers tests bench" (default all). PYTHON picks the
# Python with PyTorch (default python3).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
kit=.gpu
out=${OUT:-$kit/out}
steps=${RUN_STEPS:-headers tests bench}
py=${PYTHON:-python3}
mkdir -p "$out"
if [ ! -x "$kit/jdk/bin/java" ]; then
  echo "no $kit/jdk: run scripts/gpu/prepare.sh on the development machine first" >&2
  exit 2
fi
# the kit carries no OpenBLAS: the CPU side runs its pure-Java GEMM
java=("$kit/jdk/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xmx32g
  -Dpanface.openblas.disable=true)
status=0

nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 | tee "$out/gpu.txt"

if [[ " $steps " == *" headers "* ]]; then
  echo "== headers"
  "$py" scripts/gpu/check-headers.py 2>&1 | tee "$out/headers.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
fi

if [[ " $steps " == *" tests "* ]]; then
  echo "== tests"
  cp="$kit/test/native-bindings:$kit/test/tensor:$(ls "$kit"/lib/*.jar | tr '\n' ':')"
  "${java[@]}" -jar "$kit"/test/junit-platform-console-standalone-*.jar execute \
    --class-path "$cp" --select-package panface.nativebindings --select-package panface.tensor.cuda \
    --select-class panface.tensor.golden.GoldenCasesTest --details=summary --details-theme=ascii \
    --reports-dir "$out/junit" > "$out/tests.txt" 2>&1
  rc=$?
  grep -E "tests (successful|failed|skipped|aborted)" "$out/tests.txt"
  sed -n '/^Failures (/,/^Test run finished/p' "$out/tests.txt" | grep -vE "^\s+(at |\.\.\.)" | head -80
  [ "$rc" -eq 0 ] || status=1
fi

if [[ " $steps " == *" bench "* ]]; then
  echo "== bench"
  "${java[@]}" -cp "$kit/lib/*" panface.bench.GpuComparison > "$out/ours.jsonl" 2> "$out/ours.err" || { status=1; tail -20 "$out/ours.err"; }
  "$py" bench/scripts/gpu_torch.py > "$out/torch.jsonl" 2> "$out/torch.err" || { status=1; tail -20 "$out/torch.err"; }
  "$py" bench/scripts/compare.py "$out/ours.jsonl" "$out/torch.jsonl" torch | tee "$out/table.txt"
fi
exit $status
