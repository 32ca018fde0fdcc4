package panface.nn.face;

import java.util.ArrayList;
import java.util.List;

import panface.nn.infer.FaceEmbedder;
import panface.nn.infer.RgbDecoder.Rgb;

/**
 * From a photo to embeddings: detect faces ({@link FaceDetector}), align each to the ArcFace
 * template ({@link FaceAligner}), embed the crops ({@link FaceEmbedder}). Faces and landmarks are
 * in the original photo's pixels (a downscaled {@link Photo} is mapped back). Thread-safe, as the
 * detector and embedder are; closing it closes both.
 *
 * <pre>{@code
 * try (FaceAnalyzer a = new FaceAnalyzer(FaceDetector.load(det, DetectorConfig.preset("det_10g")),
 *                                        FaceEmbedder.load("r50", weights, 512))) {
 *     Photo p = Photo.read(file);
 *     for (Face f : a.detect(p)) {
 *         float[] e = a.embed(List.of(a.align(p, f)))[0];
 *     }
 * }
 * }</pre>
 */
public final class FaceAnalyzer implements AutoCloseable {
    private final FaceDetector detector;
    private final FaceEmbedder embedder;

    /** Takes ownership of both (the embedder may be null for detection and alignment only). */
    public FaceAnalyzer(FaceDetector detector, FaceEmbedder embedder) {
        this.detector = detector;
        this.embedder = embedder;
    }

    /** The faces in a photo, highest score first, in the original photo's pixels. */
    public List<Face> detect(Photo photo) {
        return detect(List.of(photo)).get(0);
    }

    /** The faces in each photo (one batched forward pass where the detector allows). */
    public List<List<Face>> detect(List<Photo> photos) {
        List<Rgb> px = new ArrayList<>();
        for (Photo p : photos) {
            px.add(p.pixels());
        }
        List<List<Face>> found = detector.detect(px);
        List<List<Face>> out = new ArrayList<>();
        for (int i = 0; i < photos.size(); i++) {
            float s = photos.get(i).scale();
            List<Face> l = new ArrayList<>();
            for (Face f : found.get(i)) {
                l.add(s == 1f ? f : f.scaled(s));
            }
            out.add(l);
        }
        return out;
    }

    /** The aligned crop of a face (at the embedder's input side, 112 without one). */
    public Rgb align(Photo photo, Face face) {
        if (face.landmarks() == null) {
            throw new IllegalArgumentException("alignment needs the five landmarks, and this detector gives none");
        }
        float[] k = face.landmarks().clone();
        for (int i = 0; i < k.length; i++) {
            k[i] /= photo.scale();
        }
        int size = embedder == null ? FaceAligner.SIZE : embedder.inputFormat().size();
        return FaceAligner.align(photo.pixels(), k, size);
    }

    /** L2-normalised embeddings of aligned crops (batched forward passes). */
    public float[][] embed(List<Rgb> crops) {
        if (embedder == null) {
            throw new IllegalStateException("this analyzer has no embedding model");
        }
        List<float[]> in = new ArrayList<>(crops.size());
        for (Rgb c : crops) {
            in.add(chw(c));
        }
        return embedder.embedRgb(in);
    }

    private static float[] chw(Rgb img) {
        int plane = img.width() * img.height();
        float[] out = new float[3 * plane];
        byte[] p = img.pixels();
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                out[c * plane + i] = p[i * 3 + c] & 0xFF;
            }
        }
        return out;
    }

    @Override
    public void close() {
        try {
            detector.close();
        } finally {
            if (embedder != null) {
                embedder.close();
            }
        }
    }
}
