package panface.examples.train;

import java.util.SplittableRandom;

import panface.tensor.random.Generator;

/**
 * One generated identity: a stable appearance (face outline, skin tone and texture, hair colour
 * and hairline, eye position, size and iris colour, brows, nose, mouth and lip colour) that
 * {@link #render} draws under a new pose, expression, lighting, background, occlusion and
 * noise every time. Identities differ in geometry and in colours that the per-image lighting
 * partly masks, so telling them apart needs features that ignore the nuisances. Trigonometry
 * goes through StrictMath, whose results do not depend on the JIT's state, so an image has the
 * same bits in a fresh JVM as in a warm one (resumed runs depend on it).
 */
final class SyntheticFace {
    /** Image side (insightface's aligned crops). */
    static final int SIZE = 112;
    /** Values per image: 3 x SIZE x SIZE. */
    static final int PIXELS = 3 * SIZE * SIZE;
    private static final int WAVES = 4;

    // outline and skin
    private double halfWidth;
    private double halfHeight;
    private final double[] skin = new double[3];
    private final double[] hair = new double[3];
    private double hairline;
    private double hairWave;
    private double hairFreq;
    // eyes and brows
    private double eyeY;
    private double eyeX;
    private double eyeR;
    private double irisFrac;
    private final double[] iris = new double[3];
    private double browGap;
    private double browThick;
    private double browTilt;
    // nose and mouth
    private double noseLen;
    private double noseWidth;
    private double noseShade;
    private double mouthY;
    private double mouthW;
    private double mouthH;
    private final double[] lip = new double[3];
    // skin texture: plane waves in face coordinates
    private final double[] waveU = new double[WAVES];
    private final double[] waveV = new double[WAVES];
    private final double[] wavePhase = new double[WAVES];
    private final double[] waveAmp = new double[WAVES];
    // framing: how much larger than its pose's scale the face is drawn (1: the face and a wide border of background)
    private double zoom = 1;

    private SyntheticFace() {
    }

    private static double uniform(Generator g, double lo, double hi) {
        return lo + (hi - lo) * g.nextDouble();
    }

    /** An identity drawn from the generator. */
    static SyntheticFace random(Generator g) {
        SyntheticFace f = new SyntheticFace();
        f.halfWidth = uniform(g, 0.48, 0.7);
        f.halfHeight = uniform(g, 0.68, 0.9);
        double tone = uniform(g, -0.4, 0.6);
        f.skin[0] = tone + 0.2 + uniform(g, -0.1, 0.1);
        f.skin[1] = tone + uniform(g, -0.1, 0.1);
        f.skin[2] = tone - 0.15 + uniform(g, -0.1, 0.1);
        for (int c = 0; c < 3; c++) {
            f.hair[c] = uniform(g, -0.95, 0.45);
            f.iris[c] = uniform(g, -1, 0.4);
        }
        f.hairline = uniform(g, -0.72, -0.32);
        f.hairWave = uniform(g, 0, 0.12);
        f.hairFreq = uniform(g, 3, 9);
        f.eyeY = uniform(g, -0.3, -0.08);
        f.eyeX = uniform(g, 0.18, 0.36);
        f.eyeR = uniform(g, 0.06, 0.12);
        f.irisFrac = uniform(g, 0.4, 0.75);
        f.browGap = uniform(g, 0.07, 0.17);
        f.browThick = uniform(g, 0.02, 0.055);
        f.browTilt = uniform(g, -0.25, 0.25);
        f.noseLen = uniform(g, 0.14, 0.34);
        f.noseWidth = uniform(g, 0.05, 0.14);
        f.noseShade = uniform(g, 0.08, 0.3);
        f.mouthY = uniform(g, 0.28, 0.55);
        f.mouthW = uniform(g, 0.13, 0.32);
        f.mouthH = uniform(g, 0.025, 0.07);
        double red = uniform(g, 0.2, 0.9);
        f.lip[0] = f.skin[0] + 0.3 * red;
        f.lip[1] = f.skin[1] - 0.3 * red;
        f.lip[2] = f.skin[2] - 0.2 * red;
        for (int w = 0; w < WAVES; w++) {
            double freq = uniform(g, 4, 14);
            double angle = uniform(g, 0, Math.PI);
            f.waveU[w] = freq * StrictMath.cos(angle);
            f.waveV[w] = freq * StrictMath.sin(angle);
            f.wavePhase[w] = uniform(g, 0, 2 * Math.PI);
            f.waveAmp[w] = uniform(g, 0.02, 0.1);
        }
        return f;
    }

    /**
     * This identity framed closer: every rendering (and its landmarks) magnified by zoom about the
     * image centre on top of the pose's own scale, so less background and more of the inner face
     * fill the image, as in a tight alignment crop. Zoom 1 is the default framing, bit for bit.
     */
    SyntheticFace zoomed(double zoom) {
        if (!(zoom > 0)) {
            throw new IllegalArgumentException("zoom must be positive, got " + zoom);
        }
        this.zoom = zoom;
        return this;
    }

    /** Every appearance parameter, in a fixed order (to compare identities). */
    double[] parameters() {
        double[] p = {halfWidth, halfHeight, hairline, hairWave, hairFreq, eyeY, eyeX, eyeR, irisFrac, browGap, browThick, browTilt,
            noseLen, noseWidth, noseShade, mouthY, mouthW, mouthH};
        double[] all = new double[p.length + 12 + 4 * WAVES];
        System.arraycopy(p, 0, all, 0, p.length);
        for (int c = 0; c < 3; c++) {
            all[p.length + c] = skin[c];
            all[p.length + 3 + c] = hair[c];
            all[p.length + 6 + c] = iris[c];
            all[p.length + 9 + c] = lip[c];
        }
        for (int w = 0; w < WAVES; w++) {
            int at = p.length + 12 + 4 * w;
            all[at] = waveU[w];
            all[at + 1] = waveV[w];
            all[at + 2] = wavePhase[w];
            all[at + 3] = waveAmp[w];
        }
        return all;
    }

    /** An image's head pose: in-plane rotation, scale, yaw squash and the inner features' sideways shift, shift, mirror. */
    private record Pose(double angle, double scale, double yaw, double yawShift, double tx, double ty, boolean mirror) {
        /** The first draws of every rendering, in this order. */
        static Pose draw(Generator g) {
            return new Pose(uniform(g, -0.12, 0.12), uniform(g, 0.92, 1.08), uniform(g, 0.88, 1.0), uniform(g, -0.05, 0.05),
                    uniform(g, -0.06, 0.06), uniform(g, -0.06, 0.06), g.nextDouble() < 0.5);
        }

        /**
         * Face coordinates as affine functions of the pixel indices: (ux, uy, u0, vx, vy, v0) with u = ux x + uy y + u0,
         * v = vx x + vy y + v0, the face magnified by zoom on top of the pose's scale.
         */
        double[] toFace(double zoom) {
            double half = SIZE / 2.0;
            double c0 = 0.5 / half - 1;
            double sign = mirror ? -1 : 1;
            double cos = StrictMath.cos(angle) / (scale * zoom);
            double sin = StrictMath.sin(angle) / (scale * zoom);
            return new double[] {sign * cos / half / yaw, sign * sin / half / yaw, sign * (cos * (c0 - tx) + sin * (c0 - ty)) / yaw,
                -sin / half, cos / half, -sin * (c0 - tx) + cos * (c0 - ty)};
        }
    }

    /**
     * The ground-truth landmarks of the image that {@link #render} draws from a generator in the same
     * state: a perSide x perSide grid over the face, row by row from the top, each row from the
     * image's left, as pixel coordinates (x, y) with pixel centres at integer + 0.5 (the patch
     * extraction's convention), written to out at offset. Grid point (i, j) lies at face
     * coordinates u = yawShift + s a_i halfWidth, v = b_j halfHeight with a, b evenly from -1
     * to 1: it follows the head's pose and this identity's proportions, and the inner features' sideways
     * shift; s is -1 on mirrored images, so landmark k is always on the same side of the image
     * (a mirrored face cannot be told apart from its mirror image).
     */
    void landmarks(Generator g, int perSide, float[] out, int offset) {
        Pose pose = Pose.draw(g);
        double[] a = pose.toFace(zoom);
        // invert the pixel-to-face map: (x, y) = A^-1 (u - u0, v - v0)
        double det = a[0] * a[4] - a[1] * a[3];
        double sign = pose.mirror() ? -1 : 1;
        for (int j = 0; j < perSide; j++) {
            double v = halfHeight * (perSide == 1 ? 0 : -1 + 2.0 * j / (perSide - 1));
            for (int i = 0; i < perSide; i++) {
                double u = pose.yawShift() + sign * halfWidth * (perSide == 1 ? 0 : -1 + 2.0 * i / (perSide - 1));
                double du = u - a[2];
                double dv = v - a[5];
                int at = offset + 2 * (j * perSide + i);
                out[at] = (float) ((a[4] * du - a[1] * dv) / det + 0.5);
                out[at + 1] = (float) ((-a[3] * du + a[0] * dv) / det + 0.5);
            }
        }
    }

    /**
     * Draws one image of this identity, normalised to [-1, 1] (3 x 112 x 112, channel-major) into
     * out at offset, with every nuisance drawn from g: pose (rotation, scale, shift, horizontal
     * squash for yaw, mirror), expression (eye opening, mouth height), lighting (gain, colour
     * cast, linear gradient), a background of random colour and gradient, an occluding patch half
     * of the time, and pixel noise.
     */
    void render(Generator g, float[] out, int offset) {
        Pose pose = Pose.draw(g);
        double yawShift = pose.yawShift();
        double eyeOpen = uniform(g, 0.45, 1.1);
        double mouthOpen = uniform(g, 0.6, 1.8);
        double gain = uniform(g, 0.55, 1.35);
        double bias = uniform(g, -0.25, 0.25);
        double[] cast = {uniform(g, -0.15, 0.15), uniform(g, -0.15, 0.15), uniform(g, -0.15, 0.15)};
        double lightDir = uniform(g, 0, 2 * Math.PI);
        double lightAmp = uniform(g, 0, 0.6);
        double[] bg = {uniform(g, -1, 1), uniform(g, -1, 1), uniform(g, -1, 1)};
        double bgDir = uniform(g, 0, 2 * Math.PI);
        double bgAmp = uniform(g, 0, 0.8);
        boolean occluded = g.nextDouble() < 0.3;
        double ox = uniform(g, -1, 1);
        double oy = uniform(g, -1, 1);
        double ow = uniform(g, 0.1, 0.35);
        double oh = uniform(g, 0.1, 0.35);
        double[] oc = {uniform(g, -1, 1), uniform(g, -1, 1), uniform(g, -1, 1)};
        double sigma = uniform(g, 0.02, 0.1);
        SplittableRandom noise = new SplittableRandom(Double.doubleToLongBits(g.nextDouble()));

        double[] a = pose.toFace(zoom);
        double ux = a[0];
        double uy = a[1];
        double u0 = a[2];
        double vx = a[3];
        double vy = a[4];
        double v0 = a[5];
        double half = SIZE / 2.0;
        double lx = StrictMath.cos(lightDir) * lightAmp;
        double ly = StrictMath.sin(lightDir) * lightAmp;
        double bx = StrictMath.cos(bgDir) * bgAmp;
        double by = StrictMath.sin(bgDir) * bgAmp;
        // the texture's and the hairline's waves along a row turn by a fixed angle per pixel:
        // rotating (cos, sin) by it replaces a cosine per pixel
        double[] stepCos = new double[WAVES + 1];
        double[] stepSin = new double[WAVES + 1];
        double[] waveCos = new double[WAVES + 1];
        double[] waveSin = new double[WAVES + 1];
        for (int w = 0; w <= WAVES; w++) {
            double d = w < WAVES ? waveU[w] * ux + waveV[w] * vx : hairFreq * ux;
            stepCos[w] = StrictMath.cos(d);
            stepSin[w] = StrictMath.sin(d);
        }
        double[] rgb = new double[3];
        int plane = SIZE * SIZE;
        for (int y = 0; y < SIZE; y++) {
            double py = (y + 0.5) / half - 1;
            double rowU = uy * y + u0;
            double rowV = vy * y + v0;
            for (int w = 0; w <= WAVES; w++) {
                double ph = w < WAVES ? waveU[w] * rowU + waveV[w] * rowV + wavePhase[w] : hairFreq * rowU;
                waveCos[w] = StrictMath.cos(ph);
                waveSin[w] = StrictMath.sin(ph);
            }
            for (int x = 0; x < SIZE; x++) {
                double px = (x + 0.5) / half - 1;
                double u = ux * x + rowU;
                double v = vx * x + rowV;
                double tex = 0;
                for (int w = 0; w < WAVES; w++) {
                    tex += waveAmp[w] * waveCos[w];
                }
                if (!face(u, v, tex, waveCos[WAVES], yawShift, eyeOpen, mouthOpen, rgb)) {
                    double ramp = bx * px + by * py;
                    rgb[0] = bg[0] + ramp;
                    rgb[1] = bg[1] + ramp;
                    rgb[2] = bg[2] + ramp;
                }
                for (int w = 0; w <= WAVES; w++) {
                    double c = waveCos[w] * stepCos[w] - waveSin[w] * stepSin[w];
                    waveSin[w] = waveSin[w] * stepCos[w] + waveCos[w] * stepSin[w];
                    waveCos[w] = c;
                }
                double light = gain * (1 + lx * px + ly * py);
                boolean covered = occluded && Math.abs(px - ox) < ow && Math.abs(py - oy) < oh;
                int at = offset + y * SIZE + x;
                for (int c = 0; c < 3; c++) {
                    double val = covered ? oc[c] : light * rgb[c] + bias + cast[c];
                    // three 21-bit uniforms from one draw; their sum is a cheap bell-shaped noise
                    long bits = noise.nextLong();
                    double n = ((bits & 0x1FFFFF) + ((bits >>> 21) & 0x1FFFFF) + ((bits >>> 42) & 0x1FFFFF)) * 0x1p-21 - 1.5;
                    val += 2 * sigma * n;
                    out[at + c * plane] = (float) Math.max(-1, Math.min(1, val));
                }
            }
        }
    }

    /** The face's colour at face coordinates (u, v) given its texture there, or false outside the head (hair included). */
    private boolean face(double u, double v, double tex, double hairCos, double yawShift, double eyeOpen, double mouthOpen, double[] rgb) {
        double eu = u / halfWidth;
        double ev = v / halfHeight;
        double r2 = eu * eu + ev * ev;
        double top = hairline + hairWave * hairCos;
        // hair: a cap over the upper head, a little wider than the face
        if (v < top && r2 < 1.25) {
            System.arraycopy(hair, 0, rgb, 0, 3);
            return true;
        }
        if (r2 >= 1) {
            return false;
        }
        // inner features move sideways with the head's yaw
        double fu = u - yawShift;
        double au = Math.abs(fu);
        for (int c = 0; c < 3; c++) {
            rgb[c] = skin[c] + tex;
        }
        double ex = (au - eyeX) / eyeR;
        double ey = (v - eyeY) / (eyeR * 0.6 * eyeOpen);
        double e2 = ex * ex + ey * ey;
        if (e2 < 1) {
            if (e2 < irisFrac * irisFrac) {
                System.arraycopy(iris, 0, rgb, 0, 3);
            } else {
                rgb[0] = 0.9;
                rgb[1] = 0.9;
                rgb[2] = 0.85;
            }
            return true;
        }
        double browY = eyeY - browGap - browTilt * (au - eyeX);
        if (Math.abs(au - eyeX) < eyeR * 1.3 && Math.abs(v - browY) < browThick) {
            System.arraycopy(hair, 0, rgb, 0, 3);
            return true;
        }
        double down = v - eyeY;
        if (down > 0 && down < noseLen && au < noseWidth * down / noseLen) {
            for (int c = 0; c < 3; c++) {
                rgb[c] -= noseShade;
            }
            return true;
        }
        double mu = fu / mouthW;
        double mv = (v - mouthY) / (mouthH * mouthOpen);
        if (mu * mu + mv * mv < 1) {
            System.arraycopy(lip, 0, rgb, 0, 3);
        }
        return true;
    }
}
