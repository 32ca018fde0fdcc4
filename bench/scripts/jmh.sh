#!/usr/bin/env bash
# Runs the JMH benchmarks of the bench module (panface.bench.jmh): GEMM shapes, row ops,
# attention. Arguments go to JMH: a regex selects benchmarks, options as usual, e.g.
#   bench/scripts/jmh.sh GemmBench -p shape=144x256x768 -wi 2 -i 3
# Builds the jars first if needed; one fork per benchmark (its JVM gets the project's flags).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/run-java.sh" org.openjdk.jmh.Main "$@"
