package panface.nn.eval;

/** The few JSON pieces the evaluation writes: strings and numbers. */
final class Json {
    private Json() {
    }

    /** A JSON string literal, with quotes, backslashes and control characters escaped. */
    static String string(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** A JSON number (shortest round-trip form); NaN and infinities, which JSON lacks, become null. */
    static String number(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }
}
