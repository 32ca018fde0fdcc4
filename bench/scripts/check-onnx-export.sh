#!/usr/bin/env bash
# Our ONNX export read by ONNX Runtime: r18, mbf and vit_t (or the models given as arguments),
# random weights, written by OnnxExport, run by ONNX Runtime Java at batch 1 and 3 and by our
# importer, both compared with the model's own forward (max relative error 1e-4). Builds the
# Maven profile "compare" (ONNX Runtime from Maven Central) when needed. Exit status 1 on a failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root" && ./mvnw -q -B -DskipTests -Pcompare -pl bench -am package >&2)
"$here/run-java.sh" panface.bench.compare.OrtExportCheck "$work" "$@"
