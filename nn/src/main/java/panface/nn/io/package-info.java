/**
 * Loading weights from the files people have: safetensors, and PyTorch checkpoints ({@code .pth},
 * zip or legacy) through a restricted unpickler that builds tensors and plain containers and refuses
 * every other global, so a checkpoint cannot run code; and training checkpoints of our own.
 */
package panface.nn.io;
