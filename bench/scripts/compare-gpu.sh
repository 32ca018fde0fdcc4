#!/usr/bin/env bash
# The CUDA speed goals side by side with PyTorch on one GPU: bf16/TF32/fp32 GEMM 8192^3, fused
# attention forward+backward (B=128, H=8, T=144, D=64, bf16), layerNorm/softmax/gelu against the
# device-to-device copy bandwidth. Needs a CUDA GPU, and a Python with a CUDA build of PyTorch
# (PYTHON, default python3). DEVICE picks the GPU ordinal (default 0).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}
dev=${DEVICE:-0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$here/run-java.sh" panface.bench.GpuComparison "$dev" > "$tmp/ours.jsonl"
"$PYTHON" "$here/gpu_torch.py" "$dev" > "$tmp/torch.jsonl"
python3 "$here/compare.py" "$tmp/ours.jsonl" "$tmp/torch.jsonl" torch
