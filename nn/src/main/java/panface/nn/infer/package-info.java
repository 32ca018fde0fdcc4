/**
 * Face embeddings for services: {@link panface.nn.infer.FaceEmbedder} (thread-safe, prepared for
 * inference, from our weights or an ONNX file), and decoding photos into the model's input format
 * (JPEG through libjpeg-turbo when present, else the JDK; PNG; grayscale and CMYK converted).
 */
package panface.nn.infer;
