#!/usr/bin/env bash
# Prepares the kit for a CUDA machine that has no Maven and perhaps no Java: a jlinked JDK 25
# runtime, the project's jars and test classes, and the JUnit console launcher, in .gpu/ and packed
# into .gpu-kit.tar.xz (both git-ignored). Carry the archive along with the checkout and run
# scripts/gpu/run.sh there; it unpacks the kit. Checks that the archive plus the files that travel
# with the working tree (tracked and untracked-but-not-ignored) stay within 64 MiB.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
# shellcheck source=../find-jdk25.sh
source scripts/find-jdk25.sh
JAVA_HOME=$(find_jdk25)
export JAVA_HOME
junit=1.13.4
kit=.gpu
rm -rf "$kit"
mkdir -p "$kit/lib" "$kit/test"

# a fresh bench/target/lib: the comparison profile leaves its large runners (ONNX Runtime, libtorch) there
rm -rf bench/target/lib
./mvnw -q -B -DskipTests install
./mvnw -q -B dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit" -DoutputDirectory="$kit/test"

# runtime classpath of the bench module (all project modules and their dependencies) and its own
# jar, less the 20 MiB OpenBLAS jar: there the CPU side (the tests' reference) uses its pure-Java GEMM
for j in bench/target/lib/*.jar bench/target/bench-*.jar; do
  case "$(basename "$j")" in openblas-*) ;; *) cp "$j" "$kit/lib/" ;; esac
done
# test classes and resources of the modules that have GPU tests
for m in native-bindings tensor; do
  mkdir -p "$kit/test/$m"
  cp -r "$m/target/test-classes/." "$kit/test/$m/"
done
# slf4j-simple for the tests' log output is already in lib (bench depends on it)

"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,java.xml,java.naming,jdk.incubator.vector,jdk.unsupported,jdk.zipfs \
  --strip-debug --no-man-pages --no-header-files --compress=zip-9 --strip-native-debug-symbols=exclude-debuginfo-files \
  --output "$kit/jdk" 2> >(grep -v "Using incubator modules" >&2)
# the JVM library keeps a symbol table jlink leaves in place (about 5 MiB)
if command -v strip > /dev/null; then
  strip --strip-unneeded "$kit/jdk/lib/server/libjvm.so"
fi
size=$(du -sm "$kit" | cut -f1)
echo "prepared $kit: ${size} MiB ($(du -sm "$kit/jdk" | cut -f1) MiB runtime, $(du -sm "$kit/lib" | cut -f1) MiB jars, $(du -sm "$kit/test" | cut -f1) MiB tests)"

# one compressed archive travels instead of the folder (xz: the runtime's module image and the class
# files shrink by about a third; the jars hardly)
archive=.gpu-kit.tar.xz
rm -f "$archive"
tar -C "$kit" --exclude=./out --exclude=./logs -cf - . | xz -T0 -6 > "$archive"

limit=$((64 * 1024 * 1024))
bytes() { tr '\n' '\0' | xargs -0 -r stat -c %s -- 2> /dev/null | awk '{s += $1} END {print s + 0}'; }
tracked=$(git ls-files | bytes)
untracked=$(git ls-files --others --exclude-standard | bytes)
packed=$(stat -c %s "$archive")
total=$((tracked + untracked + packed))
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }
echo "travels: $(mib "$total") of 64 MiB: kit $archive $(mib "$packed"), tracked files $(mib "$tracked"), untracked files $(mib "$untracked")"
if [ "$total" -gt "$limit" ]; then
  echo "too large to carry with the working tree (64 MiB)" >&2
  exit 1
fi
