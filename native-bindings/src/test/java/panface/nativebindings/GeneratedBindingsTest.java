package panface.nativebindings;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import panface.nativebindings.cublas.gen.Cublas;
import panface.nativebindings.cublaslt.gen.CublasLt;
import panface.nativebindings.cublaslt.gen.cublasLtMatmulHeuristicResult_t;
import panface.nativebindings.cuda.gen.CudaDriver;
import panface.nativebindings.nccl.gen.Nccl;
import panface.nativebindings.nccl.gen.ncclUniqueId;
import panface.nativebindings.nvrtc.gen.Nvrtc;

/**
 * The generated classes load on a machine without the libraries (symbols are resolved only when
 * a function is first called), and the constants and layouts match the official headers.
 */
class GeneratedBindingsTest {

    @Test
    void constantsMatchTheHeaders() {
        assertEquals(0, CudaDriver.CUDA_SUCCESS());
        assertEquals(2, CudaDriver.CUDA_ERROR_OUT_OF_MEMORY());
        assertEquals(75, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR());
        assertEquals(76, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR());
        assertEquals(16, CudaDriver.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT());
        assertEquals(97, CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN());
        assertEquals(8, CudaDriver.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES());
        assertEquals(6, Nvrtc.NVRTC_ERROR_COMPILATION());
        assertEquals(14, Cublas.CUDA_R_16BF());
        assertEquals(77, Cublas.CUBLAS_COMPUTE_32F_FAST_TF32());
        assertEquals(7, CublasLt.CUBLASLT_MATMUL_DESC_EPILOGUE());
        assertEquals(4, CublasLt.CUBLASLT_EPILOGUE_BIAS());
        assertEquals(9, Nccl.ncclBfloat16());
        assertEquals(4, Nccl.ncclAvg());
    }

    @Test
    void structLayoutsHaveTheDocumentedSizes() {
        assertEquals(128, ncclUniqueId.layout().byteSize());
        // cublasLtMatmulHeuristicResult_t: algo (64) + workspaceSize (8) + state (4) + wavesCount (4) + reserved (16)
        assertEquals(96, cublasLtMatmulHeuristicResult_t.layout().byteSize());
    }
}
