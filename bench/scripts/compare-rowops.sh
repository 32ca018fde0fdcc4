#!/usr/bin/env bash
# layerNorm, softmax and gelu on (32*144, 512) float32, 2 threads: ours against PyTorch in one run.
# Needs a Python with PyTorch (PYTHON, default /usr/bin/python3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
threads=${THREADS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$here/run-java.sh" ${JAVA_OPTS:-} -Dpanface.threads="$threads" panface.bench.RowOpsComparison > "$tmp/ours.jsonl"
OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS="$threads" "$PYTHON" "$here/rowops_torch.py" "$threads" > "$tmp/torch.jsonl"
python3 "$here/compare.py" "$tmp/ours.jsonl" "$tmp/torch.jsonl" torch
