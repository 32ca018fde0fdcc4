#!/usr/bin/env bash
# The one prepared call on a CUDA machine, from the repository root, after scripts/gpu/prepare.sh
# built the kit (.gpu/, or .gpu-kit.tar.xz carried with the checkout, unpacked here). Steps, each
# under `timeout` (SIGQUIT first, so a hung JVM prints its thread dump into its log, then KILL):
#   env       nvidia-smi, loader paths, where libnvrtc is and its RUNPATH, its builtins;
#   smoke     its own JVM: libraries, NVRTC, all kernel modules compiled in parallel, a GEMM per
#             dtype, cuBLASLt with bias, a one-rank NCCL all-reduce, AdamW, margin CE, attention;
#   headers   the minimal C headers against the real ones;
#   bindings, training, parity, golden
#             the GPU test groups, each in its own JVM (an illegal address in one cannot poison
#             the next), with a per-test time-out and results streamed into the log;
#   bench     the GPU benchmarks beside PyTorch.
# Steps that need a GPU are skipped, and reported, where the smoke step found none (RUN_WITHOUT_GPU=1
# runs the test groups anyway, to check the plumbing: their tests then skip themselves).
# $OUT (default .gpu/out) receives at most four files, rewritten after every step so that a call
# cut short still returns what was done: summary.txt, logs.tar.gz (every log, JUnit reports, the
# benchmark's JSON lines), table.txt (the benchmark table) and, while a step runs, running.log
# (its output as it comes). The summary is printed last.
# Environment: RUN_STEPS (default all, in the order above), RUN_BUDGET seconds for the whole run
# (default 540), LIMIT_<step> seconds for one step, TEST_TIMEOUT per test (default 120s), PYTHON
# (the Python with PyTorch).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
kit=.gpu
out=${OUT:-$kit/out}
steps=${RUN_STEPS:-env smoke headers bindings training parity golden bench}
budget=${RUN_BUDGET:-540}
test_timeout=${TEST_TIMEOUT:-120s}
py=${PYTHON:-python3}
start=$(date +%s)
mkdir -p "$out"
logs=$(mktemp -d)
summary=()

if [ ! -x "$kit/jdk/bin/java" ] && [ -f .gpu-kit.tar.xz ]; then
  # xz where installed, else Python's lzma
  mkdir -p "$kit"
  if command -v xz > /dev/null; then
    xz -dc .gpu-kit.tar.xz | tar -C "$kit" -xf -
  else
    "$py" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' .gpu-kit.tar.xz | tar -C "$kit" -xf -
  fi
fi
if [ ! -x "$kit/jdk/bin/java" ]; then
  echo "no $kit/jdk and no .gpu-kit.tar.xz: run scripts/gpu/prepare.sh on the development machine first" >&2
  exit 2
fi
# the kit carries no OpenBLAS: the CPU side runs its pure-Java GEMM
java=("$kit/jdk/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xmx32g
  -Dpanface.openblas.disable=true)
cp="$kit/test/native-bindings:$kit/test/tensor:$(ls "$kit"/lib/*.jar | tr '\n' ':')"
launcher=$(ls "$kit"/test/junit-platform-console-standalone-*.jar)

publish() {
  {
    echo "GPU run, $(date -u +%FT%TZ), $(($(date +%s) - start)) s"
    printf '%s\n' "${summary[@]}"
  } > "$out/summary.txt"
  tar -C "$logs" -czf "$out/logs.tar.gz.part" . && mv "$out/logs.tar.gz.part" "$out/logs.tar.gz"
}

# step NAME LIMIT COMMAND...: runs COMMAND under the smaller of LIMIT and the time left, output in NAME.log
step() {
  local name=$1 limit=$2
  shift 2
  local override="LIMIT_$name"
  [ -n "${!override:-}" ] && limit=${!override}
  local left=$((budget - ($(date +%s) - start) - 15))
  if [ "$left" -lt 20 ]; then
    summary+=("$(printf '%-9s not run: out of time' "$name")")
    publish
    return 0
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  echo "== $name (limit ${limit} s)"
  local t0 rc
  t0=$(date +%s)
  # timeout signals the whole process group: each JVM prints its thread dump on SIGQUIT, the shell
  # around it survives (trap) until the KILL 20 s later
  # the running step's log and a summary naming it sit in $OUT, so a call cut short still shows
  # how far the step got
  summary+=("$(printf '%-9s running (log in running.log)' "$name")")
  publish
  unset 'summary[-1]'
  timeout -s QUIT -k 20 "$limit" bash -c "trap : QUIT; $(declare -p java cp launcher logs out py kit test_timeout); \
$(declare -f junit environment headers benchmarks); $(printf '%q ' "$@")" > "$out/running.log" 2>&1
  rc=$?
  mv "$out/running.log" "$logs/$name.log"
  local took=$(($(date +%s) - t0)) verdict
  case $rc in
    0) verdict=ok ;;
    124 | 137) verdict="TIMED OUT after ${limit} s (thread dump in $name.log)" ;;
    *) verdict="FAILED (exit $rc)" ;;
  esac
  summary+=("$(printf '%-9s %s, %d s%s' "$name" "$verdict" "$took" "$(detail "$name")")")
  echo "${summary[-1]}"
  publish
}

# one-line detail of a step's log: test counts, smoke verdicts
detail() {
  local f="$logs/$1.log"
  case $1 in
    smoke) echo ": $(grep -c '^SMOKE ok' "$f") ok, $(grep -c '^SMOKE FAIL' "$f") failed, $(grep -c '^SMOKE SKIP' "$f") skipped" ;;
    headers) echo ": $(grep -c ' matches ' "$f") match, $(grep -c ' DIFFERS ' "$f") differ, $(grep -c ' not found ' "$f") not found" ;;
    bindings | training | parity | golden)
      echo ": $(grep -oE '[0-9]+ tests (successful|failed|skipped|aborted)' "$f" | tr '\n' ',' | sed 's/,$//; s/,/, /g')" ;;
  esac
}

junit() {
  "${java[@]}" -jar "$launcher" execute --class-path "$cp" --details=tree --details-theme=ascii --disable-banner \
    --config=junit.jupiter.execution.timeout.default="$test_timeout" --reports-dir "$logs/junit-$1" "${@:2}"
}

has() { [[ " $steps " == *" $1 "* ]]; }

environment() {
  echo "--- nvidia-smi"
  nvidia-smi 2>&1 || echo "(no nvidia-smi)"
  echo "--- LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
  echo "--- loader cache"
  ldconfig -p 2> /dev/null | grep -E 'lib(cuda|nvrtc|cublas|nccl)' || echo "(none of libcuda, libnvrtc, libcublas, libnccl in the loader cache)"
  echo "--- libnvrtc files, RUNPATH and builtins beside them"
  local dirs=(/usr/local/cuda/lib64 /usr/lib/x86_64-linux-gnu "${CUDA_HOME:-/nonexistent}/lib64")
  mapfile -t -O ${#dirs[@]} dirs < <("$py" -c 'import site,glob
for s in site.getsitepackages()+[site.getusersitepackages()]:
    print("\n".join(glob.glob(s+"/nvidia/*/lib")))' 2> /dev/null)
  local d f
  for d in "${dirs[@]}"; do
    for f in "$d"/libnvrtc.so*; do
      [ -e "$f" ] || continue
      echo "$f"
      if command -v readelf > /dev/null; then
        readelf -d "$f" | grep -E 'RUNPATH|RPATH|SONAME' || echo "  no RUNPATH/RPATH"
      else
        echo "  (no readelf: RUNPATH not shown)"
      fi
      ls "$d"/libnvrtc-builtins.so* 2> /dev/null | sed 's/^/  builtins: /'
    done
  done
  echo "--- java"
  "$kit/jdk/bin/java" -version 2>&1
}

# a real header that is missing (exit 2) is reported in the detail, not failed
headers() {
  "$py" scripts/gpu/check-headers.py
  local rc=$?
  [ "$rc" -eq 2 ] && return 0
  return "$rc"
}

benchmarks() {
  "${java[@]}" -cp "$kit/lib/*" panface.bench.GpuComparison > "$logs/ours.jsonl" || return 1
  "$py" bench/scripts/gpu_torch.py > "$logs/torch.jsonl" || return 1
  "$py" bench/scripts/compare.py "$logs/ours.jsonl" "$logs/torch.jsonl" torch | tee "$out/table.txt"
}

has env && step env 30 environment
gpu=no
if has smoke; then
  step smoke 240 "${java[@]}" -cp "$cp" panface.tensor.cuda.GpuSmoke
  grep -q '^SMOKE ok   device' "$logs/smoke.log" && gpu=yes
else
  gpu=yes
fi
has headers && step headers 60 headers
for group in bindings training parity golden; do
  has "$group" || continue
  if [ "$gpu" = no ] && [ -z "${RUN_WITHOUT_GPU:-}" ]; then
    summary+=("$(printf '%-9s skipped: no CUDA device (see smoke)' "$group")")
    continue
  fi
  case $group in
    bindings) step bindings 90 junit bindings --select-package panface.nativebindings ;;
    training) step training 180 junit training --select-class panface.tensor.cuda.TrainingKernelsParityTest \
      --exclude-methodname '.*CaseOnTheCpu.*' ;;
    parity) step parity 180 junit parity --select-class panface.tensor.cuda.CudaParityTest --select-class panface.tensor.cuda.CudaAvailabilityTest \
      --exclude-methodname '.*casesHoldOnTheCpu.*' ;;
    golden) step golden 120 junit golden --select-class panface.tensor.golden.GoldenCasesTest ;;
  esac
done
if has bench; then
  if [ "$gpu" = no ]; then
    summary+=("$(printf '%-9s skipped: no CUDA device (see smoke)' bench)")
  else
    step bench 240 benchmarks
  fi
fi
publish
rm -rf "$logs"
echo "== summary ($out: summary.txt, logs.tar.gz$([ -f "$out/table.txt" ] && echo ', table.txt'))"
cat "$out/summary.txt"
grep -qE 'FAILED|TIMED OUT' "$out/summary.txt" && exit 1
exit 0
