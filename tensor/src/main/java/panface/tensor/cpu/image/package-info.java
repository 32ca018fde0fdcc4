/**
 * The image family, the CPU side of {@code image.cu}: ops on (N, C, H, W) images other than the
 * convolution itself: im2col and col2im (the convolution's composite form), max, average and
 * adaptive average pooling, and bilinear grid sampling, each with its gradient.
 *
 * <p>The reference is {@code ImageReference} (double copies, PyTorch's window and coordinate
 * rules); the fast kernels are {@code FastImage} (im2col, col2im, grid sampling) and
 * {@code FastPool} (pooling), float32 on the heap arrays.
 */
package panface.tensor.cpu.image;
