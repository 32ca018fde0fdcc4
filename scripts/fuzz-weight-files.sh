#!/usr/bin/env bash
# Fuzzes the weight-file readers (PyTorch checkpoints and safetensors) in-process with random
# mutants of valid files: byte flips, truncations, insertions, length-field edits, and edits inside
# the archive's pickle and storages. Prints how many mutants were read, refused cleanly or failed
# (any other exception, an internal error, a read over 5 s or over 48 MiB allocated); failing
# inputs are saved to FAILURE_DIR for reproduction. Exits 1 when any mutant failed.
# Usage: scripts/fuzz-weight-files.sh [COUNT (10000)] [SEED (random)] [FAILURE_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=find-jdk25.sh
source scripts/find-jdk25.sh
# shellcheck source=jvm-flags.sh
source scripts/jvm-flags.sh
JAVA_HOME=$(find_jdk25)
export JAVA_HOME
./mvnw -q -B -pl nn -am test-compile dependency:build-classpath -Dmdep.outputFile=target/fuzz.classpath >&2
exec "$JAVA_HOME/bin/java" "${JVM_FLAGS[@]}" -Xmx2g -cp "nn/target/test-classes:nn/target/classes:$(cat nn/target/fuzz.classpath)" \
  panface.nn.io.WeightFileFuzzer "$@" 2> >(grep -v "Using incubator modules" >&2)
