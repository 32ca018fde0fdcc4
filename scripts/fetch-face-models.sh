#!/usr/bin/env bash
# Fetches a real face detector and real photos for the face detection checks, from package registries:
#   mnet.25_v2.onnx  insightface's RetinaFace-MobileNet0.25 (640 x 640), as shipped in the npm package
#                    retinaface 0.0.6 (package licence MIT; insightface's pretrained models are for
#                    non-commercial research use), about 2 MB
#   astronaut.png, camera.png, coffee.png  from the scikit-image 0.26 wheel (skimage/data; public
#                    domain / CC0 photos: Eileen Collins, the cameraman, a cup of coffee)
#   sample1.jpg ... sample6.jpg  group photos (3 to 5 faces each) from the demo folder of the npm
#                    package @vladmandic/face-api 1.7.15 (MIT)
# Usage: scripts/fetch-face-models.sh [DIR]   (default: .face-data in the repository root, which the
# tests read; or set PANFACE_FACE_DATA to another folder). Needs npm and python3 with pip.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
dir=${1:-${PANFACE_FACE_DATA:-$root/.face-data}}
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ ! -f "$dir/mnet.25_v2.onnx" ]; then
  (cd "$tmp" && npm pack --silent retinaface@0.0.6 >/dev/null)
  tar -xzf "$tmp"/retinaface-0.0.6.tgz -C "$tmp" package/mnet.25_v2.onnx package/LICENSE
  cp "$tmp/package/mnet.25_v2.onnx" "$dir/"
  cp "$tmp/package/LICENSE" "$dir/retinaface-npm-LICENSE"
fi
if [ ! -f "$dir/astronaut.png" ] || [ ! -f "$dir/camera.png" ] || [ ! -f "$dir/coffee.png" ]; then
  python3 -m pip download -q --no-deps --only-binary=:all: scikit-image==0.26.0 -d "$tmp/wheel"
  python3 - "$tmp"/wheel/scikit_image-*.whl "$dir" <<'PY'
import sys, zipfile, os
with zipfile.ZipFile(sys.argv[1]) as z:
    for n in ("astronaut.png", "camera.png", "coffee.png"):
        with open(os.path.join(sys.argv[2], n), "wb") as f:
            f.write(z.read("skimage/data/" + n))
PY
fi
if [ ! -f "$dir/sample6.jpg" ]; then
  (cd "$tmp" && npm pack --silent @vladmandic/face-api@1.7.15 >/dev/null)
  tar -xzf "$tmp"/vladmandic-face-api-1.7.15.tgz -C "$tmp" package/LICENSE \
    package/demo/sample1.jpg package/demo/sample2.jpg package/demo/sample3.jpg \
    package/demo/sample4.jpg package/demo/sample5.jpg package/demo/sample6.jpg
  cp "$tmp"/package/demo/sample[1-6].jpg "$dir/"
  cp "$tmp/package/LICENSE" "$dir/face-api-npm-LICENSE"
fi
sha256sum "$dir"/sample[1-6].jpg
sha256sum "$dir"/mnet.25_v2.onnx "$dir"/astronaut.png "$dir"/camera.png "$dir"/coffee.png
