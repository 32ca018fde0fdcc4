import panface.tensor.backend.BackendProvider;
import panface.tensor.backend.ExtensionKernels;
import panface.tensor.golden.GoldenOps;

/**
 * Tensors, autograd, the backend contract and random numbers. The backends themselves
 * ({@code panface.tensor.cpu}, {@code panface.tensor.cuda}) are found through {@link BackendProvider}
 * and are not exported, nor is the math the op descriptions and the kernels share
 * ({@code panface.tensor.math}); the few modules above that implement kernels of their own on a
 * backend's storage, or report on a backend, get them by name in a qualified export. (Those modules are built
 * after this one, hence the suppressed "module not found" warnings.)
 */
@SuppressWarnings("module")
module panface.tensor {
    requires panface.nativebindings;
    requires jdk.incubator.vector;
    requires org.slf4j;

    exports panface.tensor;
    exports panface.tensor.autograd;
    exports panface.tensor.backend;
    exports panface.tensor.golden;
    exports panface.tensor.io;
    exports panface.tensor.ops;
    exports panface.tensor.random;

    exports panface.tensor.cpu to panface.examples;
    exports panface.tensor.cpu.runtime to panface.faceloss, panface.examples;
    exports panface.tensor.math to panface.nn, panface.faceloss;
    exports panface.tensor.cuda to panface.faceloss, panface.distributed, panface.examples, panface.bench;

    uses BackendProvider;
    uses ExtensionKernels.Provider;
    uses GoldenOps;

    provides BackendProvider with panface.tensor.cpu.CpuBackendProvider, panface.tensor.cuda.CudaBackendProvider;
    provides GoldenOps with panface.tensor.golden.TensorGoldenOps;
}
