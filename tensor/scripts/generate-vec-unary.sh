#!/usr/bin/env bash
# Rewrites tensor/src/main/java/panface/tensor/cpu/VecUnary.java from the arms of VecMath.apply and
# VecMath.derivative (see VecUnaryGenerator). Run after adding or changing a float32 unary op there;
# VecUnaryGeneratedTest fails until the generated file is committed.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
./mvnw -B -q -pl tensor -am test-compile
cd tensor
"$("$root/scripts/find-jdk25.sh")/bin/java" -cp target/test-classes:target/classes panface.tensor.cpu.VecUnaryGenerator
