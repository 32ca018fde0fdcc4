#!/usr/bin/env bash
# vit_t inference (batch 1 and 32) and one training step (batch 32, 10,000 classes, AdamW), ours
# against PyTorch in one run, on the same weights. With COMPARE_EXTERNAL=1 also against ONNX
# Runtime and libtorch 2.7.1 (MKL/oneDNN, through DJL, offline): those runners are built by the
# Maven profile "compare" (comparison-only dependencies from Maven Central).
# Every runner warms up 100 times at batch 1 and 3 times at batch 32, then reports the best of 50
# and 5 runs: the steady state of a long-running service (the JVM's compiler needs a few dozen
# forwards to finish with ours; ONNX Runtime and PyTorch get the same warm-up). The training step
# is the best of 5 after 3 steps on both sides.
# Needs a Python with PyTorch (PYTHON, default /usr/bin/python3, times it); the weights, ONNX file and
# TorchScript trace are written by EXPORT_PYTHON (default /usr/bin/python3: PyTorch 2.x's ONNX exporter
# needs onnxscript, and libtorch 2.7.1 loads 1.13's traces). 2 threads by default (THREADS).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
EXPORT_PYTHON=${EXPORT_PYTHON:-/usr/bin/python3}
threads=${THREADS:-2}
work=${WORK_DIR:-$(mktemp -d)}
# shellcheck source=../../scripts/find-jdk25.sh
source "$root/scripts/find-jdk25.sh"
JAVA_HOME=$(find_jdk25)
export JAVA_HOME
trap '[ -z "${WORK_DIR:-}" ] && rm -rf "$work"' EXIT
OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS="$threads" THREADS="$threads" "$EXPORT_PYTHON" "$here/vit_torch.py" export "$work" >/dev/null
echo "load before: $(uptime)"
"$here/run-java.sh" -Dpanface.threads="$threads" panface.bench.VitComparison "$work" > "$work/ours.jsonl"
OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS="$threads" THREADS="$threads" "$PYTHON" "$here/vit_torch.py" time "$work" > "$work/torch.jsonl"
echo "load after: $(uptime)"
torch_version=$("$PYTHON" -c 'import torch; print(torch.__version__)')
python3 "$here/compare.py" "$work/ours.jsonl" "$work/torch.jsonl" "torch-$torch_version"
if [ "${COMPARE_EXTERNAL:-0}" = 1 ]; then
  (cd "$root" && ./mvnw -q -B -DskipTests -Pcompare -pl bench -am package >&2)
  "$here/run-java.sh" -Dpanface.threads="$threads" -DDJL_OFFLINE=true panface.bench.compare.OrtVit "$work" "$threads" > "$work/ort.jsonl"
  python3 "$here/compare.py" "$work/ours.jsonl" "$work/ort.jsonl" onnxruntime
  DJL_OFFLINE=true "$here/run-java.sh" -Dpanface.threads="$threads" panface.bench.compare.DjlVit "$work" "$threads" > "$work/djl.jsonl"
  python3 "$here/compare.py" "$work/ours.jsonl" "$work/djl.jsonl" libtorch-2.7.1
fi
