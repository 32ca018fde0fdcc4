#!/usr/bin/env bash
# Runs a main class of the bench module with the project's JVM flags, building the jars first if needed.
# Usage: bench/scripts/run-java.sh panface.bench.SomeComparison [args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [ ! -f bench/target/bench-0.1.0-SNAPSHOT.jar ]; then
  ./mvnw -q -DskipTests -pl bench -am package >&2
fi
exec "${JAVA_HOME:-/usr}/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -cp "bench/target/bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" "$@"
