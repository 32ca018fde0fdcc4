#!/usr/bin/env bash
# Inference of one of our models (default r50) natively, through our ONNX export loaded by our importer,
# and in ONNX Runtime 1.29 (Java API, Maven profile "compare") on the same file, at batch 1 and 32, in
# alternating rounds in one JVM (the machine may be shared). Prints each side's best round, the median
# per-round ratios to the native model, and the load average before and after.
# Usage: compare-onnx-model.sh [MODEL] (a name of Models.create: r50, r100, mbf, vit_t, ...);
# THREADS (default 2), ROUNDS (default 3), HEAP (Java heap, default 10g: r50 at batch 32 needs more than the default).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
threads=${THREADS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root" && ./mvnw -q -B -DskipTests -Pcompare -pl bench -am package >&2)
echo "{\"load_before\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
"$here/run-java.sh" -Xmx"${HEAP:-10g}" -Dpanface.threads="$threads" panface.bench.compare.OnnxModelComparison "${1:-r50}" "$work" "${ROUNDS:-3}" "$threads"
echo "{\"load_after\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
