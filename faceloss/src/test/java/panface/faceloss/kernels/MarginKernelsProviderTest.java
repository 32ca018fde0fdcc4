package panface.faceloss.kernels;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.api.Test;
import panface.tensor.Device;
import panface.tensor.backend.ExtensionKernels;

/** This module registers its margin cross-entropy kernels through the service file, for both device kinds. */
class MarginKernelsProviderTest {
    @Test
    void bothDeviceKindsHaveAMarginKernel() {
        assertInstanceOf(CpuMarginCrossEntropy.class, ExtensionKernels.get(MarginCrossEntropyKernel.class, Device.CPU));
        assertInstanceOf(CudaMarginCrossEntropy.class, ExtensionKernels.get(MarginCrossEntropyKernel.class, Device.cuda(0)));
    }
}
