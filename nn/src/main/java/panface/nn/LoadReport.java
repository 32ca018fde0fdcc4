package panface.nn;

import java.util.List;

/**
 * What {@link Module#loadStateDict} found: keys the module has that the state lacked, keys the
 * state has that the module lacks, and keys whose shapes differ ("key: (a, b) in the module, (c)
 * in the state").
 */
public record LoadReport(List<String> missing, List<String> unexpected, List<String> mismatched) {

    /** True when every key matched. */
    public boolean clean() {
        return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
    }

    @Override
    public String toString() {
        if (clean()) {
            return "all keys matched";
        }
        StringBuilder sb = new StringBuilder();
        append(sb, "missing", missing);
        append(sb, "unexpected", unexpected);
        append(sb, "mismatched shapes", mismatched);
        return sb.toString();
    }

    private static void append(StringBuilder sb, String what, List<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        if (!sb.isEmpty()) {
            sb.append("; ");
        }
        sb.append(keys.size()).append(' ').append(what).append(": ");
        int shown = Math.min(keys.size(), 10);
        sb.append(String.join(", ", keys.subList(0, shown)));
        if (keys.size() > shown) {
            sb.append(", ...");
        }
    }
}
