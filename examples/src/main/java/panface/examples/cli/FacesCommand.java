package panface.examples.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

import panface.nn.face.DetectorConfig;
import panface.nn.face.Face;
import panface.nn.face.FaceAnalyzer;
import panface.nn.face.FaceDetector;
import panface.nn.face.Photo;
import panface.nn.infer.FaceEmbedder;
import panface.nn.infer.RgbDecoder.Rgb;

/** {@code faces --detector D.onnx [--model M] PHOTO...}: detects, aligns and embeds the faces in photos. */
public final class FacesCommand implements Command {
    @Override
    public String name() {
        return "faces";
    }

    @Override
    public String summary() {
        return "find the faces in photos (SCRFD ONNX detector), align and embed them";
    }

    @Override
    public String usage() {
        return """
                usage: panface faces --detector DET.onnx [--preset P] [--det-size S] [--threshold T]
                                     [--model MODEL [--arch ARCH] [--features N]] [--draw OUT.png] PHOTO...
                  DET.onnx    an insightface-style SCRFD detector (scrfd_*_bnkps.onnx, det_10g.onnx, det_500m.onnx)
                  --preset    its layout: %s (default det_10g)
                  --det-size  the side photos are letterboxed into (default 640; a fixed-size graph's own size wins)
                  --threshold the score below which faces are dropped (default 0.5)
                  MODEL       a face model (.onnx, or weights with --arch) to embed the aligned 112x112 crops
                  --draw      write the photo with boxes and landmarks (with several photos: OUT-1.png, OUT-2.png, ...)
                  Prints one JSON line per face: photo, box [x1,y1,x2,y2], score, landmarks [[x,y] x 5]
                  (eyes, nose, mouth corners, in the photo's upright pixels) and, with --model, the embedding.
                  A photo without faces prints nothing; one that cannot be read fails with its reason."""
                .formatted(String.join(", ", DetectorConfig.PRESETS));
    }

    @Override
    public int run(Args args) throws Exception {
        String detector = args.get("detector", null);
        String preset = args.get("preset", "det_10g");
        int size = args.getInt("det-size", 640, 32, 4096);
        String threshold = args.get("threshold", "0.5");
        String model = args.get("model", null);
        String arch = args.get("arch", "r50");
        int features = args.getInt("features", 512, 1, FaceEmbedder.MAX_FEATURES);
        String draw = args.get("draw", null);
        args.finish();
        if (detector == null || args.positional().isEmpty()) {
            throw new UsageException("--detector and at least one photo are required");
        }
        float t;
        try {
            t = Float.parseFloat(threshold);
        } catch (NumberFormatException e) {
            throw new UsageException("--threshold must be a number, got '" + threshold + "'");
        }
        DetectorConfig config = DetectorConfig.preset(preset).withInputSize(size, size);
        config = config.withThresholds(t, config.nmsThreshold());
        FaceEmbedder embedder = model == null ? null : FaceEmbedder.load(arch, Path.of(model), features, false, 32);
        try (FaceAnalyzer a = new FaceAnalyzer(FaceDetector.load(Path.of(detector), config), embedder)) {
            List<String> photos = args.positional();
            for (int i = 0; i < photos.size(); i++) {
                String file = photos.get(i);
                Photo p = Photo.read(Path.of(file));
                List<Face> faces = a.detect(p);
                List<Rgb> crops = new ArrayList<>();
                if (embedder != null) {
                    for (Face f : faces) {
                        crops.add(a.align(p, f));
                    }
                }
                float[][] emb = embedder == null ? null : a.embed(crops);
                for (int j = 0; j < faces.size(); j++) {
                    System.out.println(json(file, faces.get(j), emb == null ? null : emb[j]));
                }
                if (draw != null) {
                    Path out = photos.size() == 1 ? Path.of(draw) : numbered(Path.of(draw), i + 1);
                    draw(p, faces, out);
                }
            }
        }
        return 0;
    }

    private static Path numbered(Path p, int n) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String numbered = dot > 0 ? name.substring(0, dot) + "-" + n + name.substring(dot) : name + "-" + n;
        return p.resolveSibling(numbered);
    }

    static String json(String photo, Face f, float[] embedding) {
        StringBuilder sb = new StringBuilder("{\"photo\":\"").append(photo.replace("\\", "\\\\").replace("\"", "\\\"")).append("\",\"box\":[");
        float[] b = f.box();
        for (int i = 0; i < 4; i++) {
            sb.append(i > 0 ? "," : "").append(String.format(Locale.ROOT, "%.2f", b[i]));
        }
        sb.append("],\"score\":").append(String.format(Locale.ROOT, "%.4f", f.score()));
        if (f.landmarks() != null) {
            sb.append(",\"landmarks\":[");
            for (int i = 0; i < 5; i++) {
                sb.append(i > 0 ? "," : "").append(String.format(Locale.ROOT, "[%.2f,%.2f]", f.landmarks()[2 * i], f.landmarks()[2 * i + 1]));
            }
            sb.append(']');
        }
        if (embedding != null) {
            sb.append(",\"embedding\":[");
            for (int i = 0; i < embedding.length; i++) {
                sb.append(i > 0 ? "," : "").append(String.format(Locale.ROOT, "%.6f", embedding[i]));
            }
            sb.append(']');
        }
        return sb.append('}').toString();
    }

    /** The photo (as detected: upright, downscaled if it was) with each face's box and landmarks. */
    static void draw(Photo p, List<Face> faces, Path out) throws IOException {
        Rgb px = p.pixels();
        BufferedImage img = new BufferedImage(px.width(), px.height(), BufferedImage.TYPE_INT_RGB);
        byte[] b = px.pixels();
        for (int y = 0; y < px.height(); y++) {
            for (int x = 0; x < px.width(); x++) {
                int o = (y * px.width() + x) * 3;
                img.setRGB(x, y, (b[o] & 0xFF) << 16 | (b[o + 1] & 0xFF) << 8 | (b[o + 2] & 0xFF));
            }
        }
        Graphics2D g = img.createGraphics();
        float s = 1 / p.scale();
        int r = Math.max(2, Math.max(px.width(), px.height()) / 300);
        g.setStroke(new BasicStroke(Math.max(1f, r / 1.5f)));
        Color[] colours = {Color.GREEN, Color.GREEN, Color.RED, Color.CYAN, Color.CYAN};
        for (Face f : faces) {
            g.setColor(Color.YELLOW);
            g.drawRect(Math.round(f.x1() * s), Math.round(f.y1() * s), Math.round((f.x2() - f.x1()) * s), Math.round((f.y2() - f.y1()) * s));
            if (f.landmarks() != null) {
                for (int i = 0; i < 5; i++) {
                    g.setColor(colours[i]);
                    g.fillOval(Math.round(f.landmarks()[2 * i] * s) - r, Math.round(f.landmarks()[2 * i + 1] * s) - r, 2 * r, 2 * r);
                }
            }
        }
        g.dispose();
        if (!ImageIO.write(img, "png", out.toFile())) {
            throw new IOException(out + ": no PNG writer");
        }
    }
}
