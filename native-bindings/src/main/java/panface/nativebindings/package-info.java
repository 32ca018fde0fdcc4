/**
 * The only module that declares native functions: FFM bindings for OpenBLAS, the CUDA driver API,
 * NVRTC, cuBLAS(Lt) and NCCL, with checked facades and library discovery.
 */
package panface.nativebindings;
