#!/usr/bin/env bash
# vit_t inference at batch 1 and 32: our FaceViT against the same weights imported from the ONNX file
# PyTorch exports (panface.nn.onnx), in alternating rounds in one JVM (the machine may be shared).
# Prints each side's best round and the median ratio imported/native.
# Needs a Python with PyTorch (PYTHON, default /usr/bin/python3); 2 threads by default (THREADS).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
threads=${THREADS:-2}
work=${WORK_DIR:-$(mktemp -d)}
trap '[ -z "${WORK_DIR:-}" ] && rm -rf "$work"' EXIT
OMP_NUM_THREADS="$threads" THREADS="$threads" "$PYTHON" "$here/vit_torch.py" export "$work" >/dev/null 2>&1
"$here/run-java.sh" -Dpanface.threads="$threads" panface.bench.OnnxVitComparison "$work" "${ROUNDS:-7}"
