/**
 * The only module that declares native functions: FFM bindings for OpenBLAS, the CUDA driver API,
 * NVRTC, cuBLAS(Lt) and NCCL, with checked facades and library discovery. The module exports the
 * facades (one package per library); the generated bindings ({@code *.gen}) are not exported.
 */
package panface.nativebindings;
