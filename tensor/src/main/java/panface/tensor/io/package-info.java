/**
 * Reading and writing tensors: safetensors files ({@link panface.tensor.io.Safetensors}, with their
 * JSON header), and the one error type for malformed weight files
 * ({@link panface.tensor.io.WeightFileException}).
 */
package panface.tensor.io;
