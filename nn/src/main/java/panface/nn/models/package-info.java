/**
 * The face backbones: the face ViT of LVFace ({@link panface.nn.models.FaceViT}, configured by
 * {@link panface.nn.models.ViTConfig}), insightface's IResNet and MobileFaceNet, and
 * {@link panface.nn.models.Models}, which builds any of them by architecture name.
 */
package panface.nn.models;
