#!/usr/bin/env bash
# A published face recognition model run by ONNX Runtime 1.29 (Java) and by our importer on real face
# crops: per-crop cosine of the embeddings (>= 0.9999) and identical same/different decisions over all
# pairs (bench OrtFaceModelCheck). Nothing fetched here is committed to the repository.
#   model:  npm faceplugin-face-recognition-js 0.0.1 (MIT), model/fr_feature.onnx: a MobileFaceNet-type
#           recognition network, 112x112 RGB in, (x - 127) / 128, 512-d embedding
#   photos: npm @vladmandic/face-api 1.7.15 (MIT), demo/sample1-6.jpg: group photos, cropped by
#           face_crops.py
# Files go to FACE_MODELS_DIR (default ~/.cache/panface/face-models); the importer's test
# RealFaceModelTest reads them from there when PANFACE_FACE_MODELS names that folder.
# Needs npm and a Python with numpy and Pillow (PYTHON, default /usr/bin/python3); says "skipped" and
# exits 0 when npm or the packages cannot be had. Exit status 1 on a disagreement.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
dir=${FACE_MODELS_DIR:-$HOME/.cache/panface/face-models}
mkdir -p "$dir"
model_sha=87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581

fetch() { # npm package@version, then paths inside it
  local pkg=$1
  shift
  local missing=0
  for p in "$@"; do [ -f "$dir/$(basename "$p")" ] || missing=1; done
  [ "$missing" = 0 ] && return 0
  if ! command -v npm >/dev/null; then echo "skipped: npm is needed to fetch $pkg"; exit 0; fi
  local tmp
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && npm pack --silent "$pkg" >/dev/null 2>&1); then echo "skipped: npm could not fetch $pkg"; rm -rf "$tmp"; exit 0; fi
  for p in "$@"; do tar xzf "$tmp"/*.tgz -C "$tmp" "package/$p" && cp "$tmp/package/$p" "$dir/"; done
  rm -rf "$tmp"
}

fetch faceplugin-face-recognition-js@0.0.1 model/fr_feature.onnx
fetch @vladmandic/face-api@1.7.15 demo/sample1.jpg demo/sample2.jpg demo/sample3.jpg demo/sample4.jpg demo/sample5.jpg demo/sample6.jpg
echo "$model_sha  $dir/fr_feature.onnx" | sha256sum -c --quiet
"$PYTHON" "$here/face_crops.py" "$dir" "$dir/crops.safetensors"
(cd "$root" && ./mvnw -q -B -DskipTests -Pcompare -pl bench -am package >&2)
"$here/run-java.sh" panface.bench.compare.OrtFaceModelCheck "$dir/fr_feature.onnx" "$dir/crops.safetensors" 127 128 "$dir/fr_feature_ort.safetensors"
