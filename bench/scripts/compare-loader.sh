#!/usr/bin/env bash
# The training data path at insightface's settings, ours against a PIL + numpy reference doing the
# same work: read 112x112 JPEG records from a .rec, decode, random horizontal flip, normalise into
# batches of 128. Rounds alternate ours and the reference (1 and 2 threads/processes) so that load
# from other processes on the machine falls on both; each side's best round is reported.
# Also decoding alone: ImageIO.read per image, our decoder (TurboJPEG when libturbojpeg is installed;
# the reused javax.imageio reader with it switched off) and PIL.
# Needs a Python with Pillow and numpy (PYTHON, default /usr/bin/python3).
# Environment: IMAGES (default 3000) images in the synthetic .rec, BATCHES (default 30), ROUNDS (default 3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
images=${IMAGES:-3000}
batches=${BATCHES:-30}
rounds=${ROUNDS:-3}
root=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/find-jdk25.sh
source "$root/scripts/find-jdk25.sh"
java_home=$(find_jdk25)
# ours again under the G1 collector: the project's flags select the parallel collector, whose
# young-generation pauses grow long when other processes hold the cores and batches are large
g1() {
  "$java_home/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseG1GC \
    -cp "$root/bench/target/bench-0.1.0-SNAPSHOT.jar:$root/bench/target/lib/*" "$@" 2> >(grep -v "Using incubator modules" >&2)
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$here/run-java.sh" panface.bench.LoaderComparison make "$tmp/train.rec" "$images"
for r in $(seq "$rounds"); do
  "$here/run-java.sh" panface.bench.LoaderComparison decode "$tmp/train.rec" | tee -a "$tmp/ours.jsonl"
  "$here/run-java.sh" -Dpanface.image.turbojpeg=false panface.bench.LoaderComparison decode "$tmp/train.rec" | grep reused | tee -a "$tmp/ours.jsonl"
  "$PYTHON" "$here/loader_pil.py" decode "$tmp/train.rec" | tee -a "$tmp/pil.jsonl"
  for t in 1 2; do
    "$here/run-java.sh" panface.bench.LoaderComparison run "$tmp/train.rec" "$t" "$batches" | tee -a "$tmp/ours.jsonl"
    g1 panface.bench.LoaderComparison run "$tmp/train.rec" "$t" "$batches" | tee -a "$tmp/ours.jsonl"
    "$PYTHON" "$here/loader_pil.py" "$tmp/train.rec" "$t" "$batches" | tee -a "$tmp/pil.jsonl"
  done
done
python3 "$here/compare.py" "$tmp/ours.jsonl" "$tmp/pil.jsonl" pil
