package panface.tensor.cpu;

import java.util.ArrayList;
import java.util.List;

import jdk.incubator.vector.FloatVector;
import panface.tensor.cpu.gemm.Gemm;
import panface.tensor.cpu.runtime.Parallel;

/** A description of the CPU backend's configuration, for diagnostics. */
public final class CpuInfo {
    private CpuInfo() {
    }

    /** Lines "key value" describing threads, vector width and the GEMM implementation. */
    public static List<String> describe() {
        List<String> out = new ArrayList<>();
        out.add("cpu threads " + Parallel.threads() + " (set with -Dpanface.threads=N)");
        out.add("vector      " + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit float vectors ("
                + FloatVector.SPECIES_PREFERRED.length() + " lanes)");
        out.add("gemm        " + Gemm.describe());
        return out;
    }
}
