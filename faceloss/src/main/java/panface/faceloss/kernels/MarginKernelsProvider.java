package panface.faceloss.kernels;

import panface.tensor.Device;
import panface.tensor.backend.ExtensionKernels;

/** Registers the margin cross-entropy kernels of this module for CPU and CUDA devices. */
public final class MarginKernelsProvider implements ExtensionKernels.Provider {
    /** Used by the service loader. */
    public MarginKernelsProvider() {
    }

    @Override
    public void registerKernels(ExtensionKernels.Registrar registrar) {
        registrar.register(MarginCrossEntropyKernel.class, Device.Kind.CPU, new CpuMarginCrossEntropy());
        registrar.register(MarginCrossEntropyKernel.class, Device.Kind.CUDA, new CudaMarginCrossEntropy());
    }
}
