#!/usr/bin/env bash
# The face CNNs on the CPU: r50, r100 and mbf inference at batch 1 and 32, and an r50 training step
# (batch 32, Partial FC over 10,000 classes at sample rate 0.1, ArcFace, SGD with momentum), ours
# against PyTorch, ONNX Runtime 1.29.0 (Java API) and libtorch 2.7.1 (through DJL, offline), on the
# same weights: conv_torch.py exports them from PyTorch (safetensors for us, ONNX, TorchScript
# traces) with check embeddings, and every engine checks its embeddings against those before it
# times. The engines take turns for ROUNDS rounds (default 2); the tables give each engine's best
# time and the median of its rounds' medians.
#
# PyTorch runs in a virtual environment of the first python3 on PATH (VENV, created on first use,
# with torch and onnxruntime from the configured package index); the export runs with
# EXPORT_PYTHON (default /usr/bin/python3, whose PyTorch 1.13 writes ONNX opset 13 and TorchScript
# that libtorch 2.7.1 loads). ONNX Runtime and DJL are built by the Maven profile "compare".
# 2 threads by default (THREADS); WORK_DIR keeps the exported files; PART=infer or PART=train runs
# only that part (the training step is timed against PyTorch alone). Our JVM runs with the JVM's
# default heap, or with JAVA_HEAP (say -Xmx16g) where set: the convolutions unfold their input tile
# by tile and save none of it for the backward, and the training step keeps only what its backward
# reads (BatchNorm and PReLU outputs are recomputed), so the r50 step at batch 32 peaks at about
# 1.6 GB of tensors (batch 64 at 2.7 GB, in a 6.3 GB default heap).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
threads=${THREADS:-2}
rounds=${ROUNDS:-2}
part=${PART:-}
case "$part" in ""|infer|train) ;; *) echo "PART must be infer or train, not $part" >&2; exit 2 ;; esac
EXPORT_PYTHON=${EXPORT_PYTHON:-/usr/bin/python3}
VENV=${VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/panface/bench-venv}
work=${WORK_DIR:-$(mktemp -d)}
# shellcheck source=../../scripts/find-jdk25.sh
source "$root/scripts/find-jdk25.sh"
JAVA_HOME=$(find_jdk25)
export JAVA_HOME
trap '[ -z "${WORK_DIR:-}" ] && rm -rf "$work"' EXIT
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  # unreachable indexes are not retried: the configured local ones answer at once
  PIP_RETRIES=0 "$VENV/bin/pip" install -q torch onnxruntime numpy >&2
fi
if [ ! -f "$work/mbf_check.safetensors" ]; then
  OMP_NUM_THREADS="$threads" THREADS="$threads" "$EXPORT_PYTHON" "$here/conv_torch.py" export "$work" >/dev/null
fi
(cd "$root" && ./mvnw -q -B -DskipTests -Pcompare -pl bench -am package >&2)
echo "load before: $(uptime)"
torch_version=$("$VENV/bin/python" -c 'import torch; print(torch.__version__)')
for r in $(seq "$rounds"); do
  echo "round $r of $rounds" >&2
  "$here/run-java.sh" ${JAVA_HEAP:+"$JAVA_HEAP"} -Dpanface.threads="$threads" panface.bench.ConvComparison "$work" $part >> "$work/ours.jsonl"
  OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS="$threads" THREADS="$threads" "$VENV/bin/python" "$here/conv_torch.py" time "$work" $part >> "$work/torch.jsonl"
  [ "$part" = train ] && continue
  "$here/run-java.sh" -Dpanface.threads="$threads" panface.bench.compare.OrtConv "$work" "$threads" >> "$work/ort.jsonl"
  DJL_OFFLINE=true "$here/run-java.sh" -Dpanface.threads="$threads" panface.bench.compare.DjlConv "$work" "$threads" >> "$work/djl.jsonl"
done
echo "load after: $(uptime)"
python3 "$here/compare.py" "$work/ours.jsonl" "$work/torch.jsonl" "torch-$torch_version"
[ "$part" = train ] && exit 0
python3 "$here/compare.py" "$work/ours.jsonl" "$work/ort.jsonl" onnxruntime-1.29
python3 "$here/compare.py" "$work/ours.jsonl" "$work/djl.jsonl" libtorch-2.7.1
