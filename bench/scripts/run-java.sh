#!/usr/bin/env bash
# Runs a main class of the bench module with the project's JVM flags, building the jars first if needed.
# Usage: bench/scripts/run-java.sh [-Dprop=value ...] panface.bench.SomeComparison [args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
# shellcheck source=../../scripts/find-jdk25.sh
source scripts/find-jdk25.sh
# shellcheck source=../../scripts/jvm-flags.sh
source scripts/jvm-flags.sh
JAVA_HOME=$(find_jdk25)
export JAVA_HOME
if [ ! -f bench/target/bench-0.1.0-SNAPSHOT.jar ] || [ ! -d bench/target/lib ]; then
  ./mvnw -q -B -DskipTests -pl bench -am package >&2
fi
exec "$JAVA_HOME/bin/java" "${JVM_FLAGS[@]}" \
  -cp "bench/target/bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" "$@" 2> >(grep -v "Using incubator modules" >&2)
