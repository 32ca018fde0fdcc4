/**
 * Golden cases: safetensors files written by PyTorch (inputs, parameters, expected outputs and
 * gradients, and the op in the metadata), run against our ops in float64 and float32 under per-case
 * limits ({@link panface.tensor.golden.GoldenRunner}, {@link panface.tensor.golden.GoldenCheck}).
 * Modules above register their own ops ({@link panface.tensor.golden.GoldenOps}).
 */
package panface.tensor.golden;
