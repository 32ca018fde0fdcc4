package panface.nn.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import javax.imageio.ImageIO;

/** Draws a {@link RocCurve}: TAR (linear, 0 to 1) over FAR (logarithmic, decades down to what the negatives resolve). */
final class RocPlot {
    static final int WIDTH = 720;
    static final int HEIGHT = 540;
    private static final int LEFT = 80;
    private static final int RIGHT = 30;
    private static final int TOP = 50;
    private static final int BOTTOM = 70;

    private RocPlot() {
    }

    /** The lowest decade of the FAR axis: the decade of 1/negatives, rounded down, and at most 1e-1. */
    static int lowestDecade(int negatives) {
        return Math.min(-1, (int) Math.floor(Math.log10(1.0 / negatives) + 1e-9));
    }

    static void write(RocCurve roc, Path file, String title) throws IOException {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            draw(g, roc, title);
        } finally {
            g.dispose();
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(img, "png", file.toFile())) {
            throw new IOException("no PNG writer available");
        }
    }

    private static void draw(Graphics2D g, RocCurve roc, String title) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        int lo = lowestDecade(roc.negatives());
        int w = WIDTH - LEFT - RIGHT;
        int h = HEIGHT - TOP - BOTTOM;
        Axes ax = new Axes(LEFT, TOP, w, h, lo);

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        g.setStroke(new BasicStroke(1f));
        for (int d = lo; d <= 0; d++) {
            int x = ax.x(Math.pow(10, d));
            g.setColor(new Color(225, 225, 225));
            g.drawLine(x, TOP, x, TOP + h);
            for (int m = 2; m <= 9 && d < 0; m++) {
                int xm = ax.x(m * Math.pow(10, d));
                g.setColor(Color.BLACK);
                g.drawLine(xm, TOP + h, xm, TOP + h + 3);
            }
            g.setColor(Color.BLACK);
            g.drawLine(x, TOP + h, x, TOP + h + 6);
            String label = d == 0 ? "1" : "1e" + d;
            g.drawString(label, x - fm.stringWidth(label) / 2, TOP + h + 8 + fm.getAscent());
        }
        for (int k = 0; k <= 10; k++) {
            double v = k / 10.0;
            int y = ax.y(v);
            g.setColor(new Color(225, 225, 225));
            g.drawLine(LEFT, y, LEFT + w, y);
            g.setColor(Color.BLACK);
            g.drawLine(LEFT - 6, y, LEFT, y);
            String label = String.format(Locale.ROOT, "%.1f", v);
            g.drawString(label, LEFT - 10 - fm.stringWidth(label), y + fm.getAscent() / 2 - 1);
        }
        g.drawRect(LEFT, TOP, w, h);

        String xl = "False accept rate (FAR, log scale)";
        g.drawString(xl, LEFT + (w - fm.stringWidth(xl)) / 2, HEIGHT - 18);
        String yl = "True accept rate (TAR)";
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.drawString(yl, -(TOP + (h + fm.stringWidth(yl)) / 2), 24);
        g.setTransform(saved);

        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        FontMetrics tm = g.getFontMetrics();
        String t = title == null ? "ROC" : title;
        g.drawString(t, (WIDTH - tm.stringWidth(t)) / 2, TOP - 18);

        g.setClip(LEFT, TOP, w + 1, h + 1);
        g.setColor(new Color(31, 119, 180));
        g.setStroke(new BasicStroke(2f));
        g.draw(curve(roc, ax));
        g.setClip(null);

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        String legend = String.format(Locale.ROOT, "AUC %.5f   %d same / %d different pairs", roc.auc(), roc.positives(), roc.negatives());
        g.setColor(Color.BLACK);
        g.drawString(legend, LEFT + w - fm.stringWidth(legend) - 8, TOP + h - 10);
    }

    /**
     * The curve through the operating points. Consecutive points are joined by the straight line of
     * linear FAR-TAR space (ties move both rates together), which bends on a log axis, so each
     * segment is drawn in small steps; FAR 0 lies at the axis's left edge.
     */
    private static Path2D curve(RocCurve roc, Axes ax) {
        double[] f = roc.falseAcceptRates();
        double[] t = roc.trueAcceptRates();
        double left = Math.pow(10, ax.lowestDecade);
        Path2D.Double p = new Path2D.Double();
        p.moveTo(ax.xd(Math.max(f[0], left)), ax.yd(t[0]));
        for (int i = 1; i < f.length; i++) {
            int steps = f[i] == f[i - 1] ? 1 : 24;
            for (int s = 1; s <= steps; s++) {
                double a = (double) s / steps;
                double fx = f[i - 1] + a * (f[i] - f[i - 1]);
                double ty = t[i - 1] + a * (t[i] - t[i - 1]);
                p.lineTo(ax.xd(Math.max(fx, left)), ax.yd(ty));
            }
        }
        return p;
    }

    /** Data to pixel coordinates. */
    private record Axes(int left, int top, int width, int height, int lowestDecade) {
        double xd(double far) {
            return left + width * (Math.log10(far) - lowestDecade) / -lowestDecade;
        }

        int x(double far) {
            return (int) Math.round(xd(far));
        }

        double yd(double tar) {
            return top + height * (1 - tar);
        }

        int y(double tar) {
            return (int) Math.round(yd(tar));
        }
    }
}
