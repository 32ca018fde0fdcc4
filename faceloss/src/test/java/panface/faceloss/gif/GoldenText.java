package panface.faceloss.gif;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Reads the small text golden files of the GIF tests: blocks "name rows cols" then the rows. */
final class GoldenText {
    private GoldenText() {
    }

    static Map<String, double[][]> read(String resource) throws IOException {
        Map<String, double[][]> out = new HashMap<>();
        try (InputStream in = GoldenText.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing golden file " + resource);
            }
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            int i = 0;
            while (i < lines.length) {
                String line = lines[i++].trim();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] h = line.split(" ");
                double[][] a = new double[Integer.parseInt(h[1])][];
                for (int r = 0; r < a.length; r++) {
                    String[] f = lines[i++].trim().split(" ");
                    a[r] = new double[f.length];
                    for (int c = 0; c < f.length; c++) {
                        a[r][c] = Double.parseDouble(f[c]);
                    }
                }
                out.put(h[0], a);
            }
        }
        return out;
    }

    static float[][] floats(double[][] a) {
        float[][] f = new float[a.length][];
        for (int r = 0; r < a.length; r++) {
            f[r] = new float[a[r].length];
            for (int c = 0; c < a[r].length; c++) {
                f[r][c] = (float) a[r][c];
            }
        }
        return f;
    }
}
