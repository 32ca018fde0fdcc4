package panface.examples.cli;

import panface.tensor.Backends;
import panface.tensor.Device;
import panface.tensor.cpu.CpuInfo;
import panface.tensor.cuda.CudaBackendProvider;

/** {@code info}: what this machine offers the library. */
public final class InfoCommand implements Command {
    @Override
    public String name() {
        return "info";
    }

    @Override
    public String summary() {
        return "show the Java runtime, CPU threads, GEMM library and available devices";
    }

    @Override
    public String usage() {
        return "usage: panface info\n  Prints the Java version, the CPU backend's threads and GEMM implementation, and whether CUDA is usable.";
    }

    @Override
    public int run(Args args) {
        args.finish();
        System.out.println("java        " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")");
        for (String line : CpuInfo.describe()) {
            System.out.println(line);
        }
        boolean cuda = Backends.isAvailable(Device.cuda(0));
        System.out.println("cuda        " + (cuda ? "available" : "not available: " + Backends.unavailableReason(Device.cuda(0))));
        for (String line : CudaBackendProvider.libraries().split("\n")) {
            System.out.println("  " + line);
        }
        return 0;
    }
}
