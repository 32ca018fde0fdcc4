#!/usr/bin/env bash
# fp32 matmul at 1024^3 and 2048^3 on 2 threads: ours (OpenBLAS through FFM) against torch.mm in
# one run, with the ratio and the share of the machine's fp32 peak (default 270 GFLOP/s, the figure
# assumed for the 2-core development machines; override with PEAK_GFLOPS for yours: cores x fp32
# flops per cycle (32 with two 256-bit FMA pipes, 64 with two 512-bit ones) x clock).
# Needs a Python with PyTorch (PYTHON, default /usr/bin/python3). Debian's python3-torch uses the
# system libblas.so.3: install libopenblas0-pthread, or torch runs on the reference BLAS.
# JAVA_OPTS='-Dpanface.openblas.disable=true' times the pure-Java fallback instead.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
threads=${THREADS:-2}
peak=${PEAK_GFLOPS:-270}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the two sides take turns ROUNDS times (default 3): a shared machine's speed drifts over seconds,
# and alternating spreads the drift over both; each side reports its fastest call over its rounds
# and the median of its rounds' medians
for ((r = 0; r < ${ROUNDS:-3}; r++)); do
    "$here/run-java.sh" ${JAVA_OPTS:-} -Dpanface.threads="$threads" panface.bench.GemmComparison >> "$tmp/ours.jsonl"
    OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS="$threads" "$PYTHON" "$here/gemm_torch.py" "$threads" >> "$tmp/torch.jsonl"
done
python3 "$here/compare.py" "$tmp/ours.jsonl" "$tmp/torch.jsonl" torch --peak "$peak"
