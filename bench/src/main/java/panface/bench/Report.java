package panface.bench;

import java.util.Locale;

/** Prints one measurement as a JSON line ({"name": ..., "seconds": ..., ...}) for the comparison scripts. */
public final class Report {
    private Report() {
    }

    /** One result line; extra is a pre-formatted JSON fragment (without braces) or empty. */
    public static void line(String name, double seconds, String extra) {
        System.out.println(String.format(Locale.ROOT, "{\"name\":\"%s\",\"seconds\":%.9f%s}", name, seconds,
                extra.isEmpty() ? "" : "," + extra));
    }
}
