#!/usr/bin/env bash
# The JVM flags the launchers share, in the array JVM_FLAGS: the Vector API module, native access
# for the FFM downcalls, the parallel collector, and transparent huge pages for the heap where the
# kernel hands them out only on request ("[madvise]"): products stream matrices of several MB, and
# with 4 KiB pages their packing misses the TLB on almost every row (2048^3 fp32 matmul ran about
# 4% faster with them). Where the kernel gives them to everyone ("[always]") the flag is not needed,
# and where it gives none the JVM would only warn.
# Native access: from the class path our code is in the unnamed module (ALL-UNNAMED); on the module
# path the one module that calls restricted methods is panface.nativebindings, and that is what
# JVM_MODULE_FLAGS (below) grant instead (naming a module that is not loaded earns a warning).
JVM_FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC)
# With huge pages the collector's adaptive resizing of the generations is turned off: every
# resize gives pages back and faults new huge ones in, which made the training demo 11% slower.
# Without it the young generation keeps the size it starts with, a third of the initial heap, so
# the initial heap is raised to half the default maximum (an eighth of the memory; an -Xmx given
# in PANFACE_JAVA_OPTS caps it): a batch's activations then fit between young collections instead
# of starting one every few tens of MB, each slower the more of the old generation a model fills.
if grep -q '\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
  JVM_FLAGS+=(-XX:+UseTransparentHugePages -XX:-UseAdaptiveSizePolicy -XX:InitialRAMPercentage=12.5)
fi
JVM_MODULE_FLAGS=("${JVM_FLAGS[@]/#--enable-native-access=ALL-UNNAMED/--enable-native-access=panface.nativebindings}")
