import panface.tensor.backend.ExtensionKernels;
import panface.tensor.golden.GoldenOps;

/**
 * Margin losses, Partial FC, the curricula and the GIF losses. The margin cross-entropy kernels
 * ({@code panface.faceloss.kernels}) reach the backends only as an {@link ExtensionKernels.Provider}.
 */
module panface.faceloss {
    requires transitive panface.nn;
    requires jdk.incubator.vector;

    exports panface.faceloss;
    exports panface.faceloss.gif;

    provides ExtensionKernels.Provider with panface.faceloss.kernels.MarginKernelsProvider;
    provides GoldenOps with panface.faceloss.golden.FacelossGoldenOps;
}
