#!/usr/bin/env bash
# vit_t inference at batch 1 and 32: our FaceViT against the same weights imported from the ONNX file
# PyTorch exports (panface.nn.onnx), in alternating rounds in one JVM (the machine may be shared).
# Prints each side's best round and the median ratio imported/native, then ONNX Runtime 1.29 (Java API,
# Maven profile "compare") on the same file and thread count, and the load average before and after.
# Needs a Python with PyTorch (PYTHON, default /usr/bin/python3); 2 threads by default (THREADS).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
threads=${THREADS:-2}
work=${WORK_DIR:-$(mktemp -d)}
trap '[ -z "${WORK_DIR:-}" ] && rm -rf "$work"' EXIT
(cd "$root" && ./mvnw -q -B -DskipTests -Pcompare -pl bench -am package >&2)
echo "{\"load_before\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
OMP_NUM_THREADS="$threads" THREADS="$threads" "$PYTHON" "$here/vit_torch.py" export "$work" >/dev/null 2>&1
"$here/run-java.sh" -Dpanface.threads="$threads" panface.bench.OnnxVitComparison "$work" "${ROUNDS:-7}"
"$here/run-java.sh" panface.bench.compare.OrtVit "$work" "$threads" | sed 's/"vit_t_infer_/"vit_t_ort_/'
echo "{\"load_after\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
