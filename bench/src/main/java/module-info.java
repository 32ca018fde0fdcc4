/**
 * Benchmarks and comparison runners: an application, so it exports nothing. It runs from the
 * class path (bench/scripts), where JMH forks its benchmark JVMs with the same class path; this
 * descriptor makes the build check that the benchmarks use only what the library exports. The
 * comparison runners of the {@code compare} profile use ONNX Runtime and DJL from the class path
 * (that profile lets this module read the unnamed module; nothing here requires them).
 */
@SuppressWarnings("requires-automatic")
module panface.bench {
    requires panface.distributed;
    requires panface.nativebindings;
    requires jmh.core;
    requires java.management;
    requires jdk.management;
}
