#!/usr/bin/env bash
# Full-size face backbones exported by PyTorch (r50, mbf, vit_t, vit_b; opsets 11, 13 and 17; static
# and dynamic batch) loaded by our importer, prepared for inference, and compared with PyTorch's float32
# embeddings at batch 3 (and batch 1 for the dynamic files): max relative error at most 1e-4.
# One model at a time, its files deleted after its check (vit_b's six files take about 2 GB).
# Usage: check-onnx-pytorch.sh [MODEL ...] (default: r50 mbf vit_t vit_b); EXPORT_PYTHON (default
# /usr/bin/python3, a Python with PyTorch: Debian's 1.13 writes these opsets without the onnx package).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
EXPORT_PYTHON=${EXPORT_PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root" && ./mvnw -q -B -DskipTests -pl bench -am package >&2)
models=("$@")
[ ${#models[@]} -eq 0 ] && models=(r50 mbf vit_t vit_b)
status=0
for m in "${models[@]}"; do
  OMP_NUM_THREADS=2 "$EXPORT_PYTHON" "$here/onnx_pytorch_export.py" "$m" "$work" 2>/dev/null
  "$here/run-java.sh" -Xmx8g panface.bench.OnnxPyTorchCheck "$work" "$m" || status=1
  rm -f "$work/$m"_*
done
exit $status
