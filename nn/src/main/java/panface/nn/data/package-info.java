/**
 * Training data: insightface's RecordIO packs (.rec/.idx) and image folders as
 * {@link panface.nn.data.FaceDataset}s, augmentations, the multi-threaded
 * {@link panface.nn.data.FaceLoader} that decodes and batches ahead of training, and the sampler
 * that splits an epoch between ranks.
 */
package panface.nn.data;
