package panface.examples.cli;

import panface.tensor.Backends;
import panface.tensor.Device;
import panface.tensor.RuntimeConfig;
import panface.tensor.cpu.CpuInfo;
import panface.tensor.cpu.KernelSelection;
import panface.tensor.cuda.CudaBackendProvider;

/** {@code info}: what this machine offers the library. */
public final class InfoCommand implements Command {
    @Override
    public String name() {
        return "info";
    }

    @Override
    public String summary() {
        return "show the Java runtime, CPU threads, GEMM library, devices and the engine's settings";
    }

    @Override
    public String usage() {
        return "usage: panface info [--kernels]\n  Prints the Java version, the CPU backend's threads and GEMM implementation, whether CUDA is usable,\n"
                + "  and every engine setting (-Dpanface.*) with its value in this JVM, meaning and default.\n"
                + "  --kernels  instead prints the CPU backend's kernel table: for each op, the kernels in the order they are\n"
                + "             tried, where the choice is made and the condition under which each runs.";
    }

    @Override
    public int run(Args args) {
        boolean kernels = args.has("kernels");
        args.finish();
        if (kernels) {
            for (String line : KernelSelection.describe()) {
                System.out.println(line);
            }
            return 0;
        }
        System.out.println("java        " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")");
        for (String line : CpuInfo.describe()) {
            System.out.println(line);
        }
        boolean cuda = Backends.isAvailable(Device.cuda(0));
        System.out.println("cuda        " + (cuda ? "available" : "not available: " + Backends.unavailableReason(Device.cuda(0))));
        for (String line : CudaBackendProvider.libraries().split("\n")) {
            System.out.println("  " + line);
        }
        System.out.println("settings    (-Dproperty=value; fixed when the engine starts)");
        for (String line : RuntimeConfig.startup().describe()) {
            System.out.println("  " + line);
        }
        return 0;
    }
}
