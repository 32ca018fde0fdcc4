package panface.faceloss.kernels;

import panface.tensor.Backends;
import panface.tensor.View;
import panface.tensor.cuda.CudaBackend;

/**
 * The CUDA margin cross-entropy: the {@code margin_ce} kernel of the CUDA backend's row kernels,
 * which stays compiled with them (it shares their device helpers, their NVRTC module and their
 * host-executed tests), reached through {@link CudaBackend#marginCrossEntropy} rather than the
 * {@code Backend} interface. Registered for CUDA devices by {@link MarginKernelsProvider}.
 */
final class CudaMarginCrossEntropy implements MarginCrossEntropyKernel {
    @Override
    public void marginCrossEntropy(View cos, View labels, double s, double m1, double m2, double m3, boolean exact,
                                   boolean hardFallback, double gradScale, View loss, View grad) {
        ((CudaBackend) Backends.of(cos.device())).marginCrossEntropy(cos, labels, s, m1, m2, m3, exact, hardFallback, gradScale, loss, grad);
    }
}
