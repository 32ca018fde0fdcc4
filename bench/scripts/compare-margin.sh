#!/usr/bin/env bash
# ArcFace margin softmax forward + backward, B=128, E=512, C=100,000 (float32, 2 threads): ours
# (fused margin cross-entropy, logits materialised once) against PyTorch in one run, with memory.
# Needs a Python with PyTorch (PYTHON, default /usr/bin/python3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
classes=${CLASSES:-100000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$here/run-java.sh" -Dpanface.threads=2 panface.bench.MarginComparison "$classes" > "$tmp/ours.jsonl"
OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=2 "$PYTHON" "$here/margin_torch.py" "$classes" > "$tmp/torch.jsonl"
python3 "$here/compare.py" "$tmp/ours.jsonl" "$tmp/torch.jsonl" torch
echo "memory: ours $(sed -n 's/.*"peak_step_mib":\([0-9.]*\).*/\1/p' "$tmp/ours.jsonl") MiB of tensors at the peak of a step;" \
     "PyTorch keeps logits, margin delta, softmax and gradient (about $(sed -n 's/.*"peak_step_mib_estimate": \([0-9.]*\).*/\1/p' "$tmp/torch.jsonl") MiB estimated)"
