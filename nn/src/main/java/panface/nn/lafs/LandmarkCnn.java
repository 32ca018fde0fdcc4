package panface.nn.lafs;

import panface.nn.InferenceCompiler;
import panface.nn.InferenceStep;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.layers.Dropout;
import panface.nn.layers.Linear;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * The LAFS landmark CNN (from Part fViT): MobileNetV3-large features, a spatial mean, Dropout(0.5)
 * and Linear(160 -> 2R), then a per-sample min-max over all 2R values scaled to [0, size - 1]
 * pixels, returned as (N, R, 2) with (x, y) per landmark. Keys stn.features.* and
 * output_layer.1.* (the reference's attributes of ViT_face_landmark_patch8).
 */
public final class LandmarkCnn extends Module implements Layer {
    private final MobileNetV3Features stn;
    private final Dropout dropout;
    private final Linear linear;
    private final int landmarks;
    private final double extent;

    /** The reference's landmark CNN: MobileNetV3-large, R landmarks, coordinates in [0, 111]. */
    public LandmarkCnn(int landmarks, Generator gen) {
        this(new MobileNetV3Features(gen), landmarks, 111, gen);
    }

    /** A landmark CNN on a given trunk; extent is the largest coordinate (image size - 1 in the reference). */
    public LandmarkCnn(MobileNetV3Features trunk, int landmarks, double extent, Generator gen) {
        this.stn = child("stn", trunk);
        Keys out = child("output_layer", new Keys());
        this.dropout = out.put("0", new Dropout(0.5, gen));
        this.linear = out.put("1", new Linear(trunk.outChannels(), 2 * landmarks, true, gen));
        this.landmarks = landmarks;
        this.extent = extent;
    }

    /** The trunk (key "stn"). */
    public MobileNetV3Features stn() {
        return stn;
    }

    /** The Dropout + Linear head (key "output_layer"). */
    public Module outputLayer() {
        return children().get("output_layer");
    }

    /** The number of landmarks R. */
    public int landmarks() {
        return landmarks;
    }

    /** The largest coordinate (image size - 1 in the reference). */
    public double extent() {
        return extent;
    }

    /** Landmarks (N, R, 2), pixel coordinates (x, y) in [0, extent], of images (N, 3, H, W) in [-1, 1]. */
    @Override
    public Tensor forward(Tensor x) {
        Tensor g = stn.forward(x).mean(new int[] {2, 3}, false);
        return coordinates(linear.forward(dropout.forward(g)), x.size(0));
    }

    /** The trunk's and the head's plan steps (dropout is off in evaluation). */
    @Override
    protected InferenceStep inferenceStep(InferenceCompiler c) {
        InferenceStep trunk = c.step(stn);
        InferenceStep head = c.step(linear);
        return (w, x) -> coordinates(head.apply(w, trunk.apply(w, x).mean(new int[] {2, 3}, false)), x.size(0));
    }

    /** The head's outputs theta (N, 2R) min-max scaled per sample to [0, extent], as (N, R, 2). */
    private Tensor coordinates(Tensor theta, int n) {
        // min and max over all 2R values of a sample, x and y together, as the reference
        Tensor lo = theta.min(1, true);
        Tensor hi = theta.max(1, true);
        theta = theta.sub(lo).div(hi.sub(lo)).mul(extent);
        return theta.reshape(n, landmarks, 2);
    }
}
