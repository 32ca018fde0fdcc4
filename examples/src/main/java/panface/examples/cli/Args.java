package panface.examples.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parsed arguments: {@code --name value} options, {@code --flag} switches and positional words.
 * Options a command did not read are reported as unknown by {@link #finish()}. A bare {@code --}
 * ends the options: every word after it is kept, as given, in {@link #afterSeparator()} (the
 * command line of {@code launch}).
 */
public final class Args {
    private final Map<String, String> options = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();
    private final Set<String> read = new HashSet<>();
    private final List<String> afterSeparator = new ArrayList<>();
    private boolean separatorRead;
    private final Set<String> repeatable;
    private final Map<String, List<String>> repeated = new LinkedHashMap<>();

    /** Parses args; switches are names listed in {@code switches} (they take no value). */
    public Args(String[] args, Set<String> switches) {
        this(args, switches, Set.of());
    }

    /**
     * Parses args; switches take no value, and the options named in {@code repeatable} may be given
     * several times ({@link #getAll}); any other option given twice is refused.
     */
    public Args(String[] args, Set<String> switches, Set<String> repeatable) {
        this.repeatable = repeatable;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                afterSeparator.addAll(List.of(args).subList(i + 1, args.length));
                break;
            }
            if (a.startsWith("--") && a.length() > 2) {
                String name = a.substring(2);
                int eq = name.indexOf('=');
                String key = eq >= 0 ? name.substring(0, eq) : name;
                if (options.containsKey(key) && !repeatable.contains(key)) {
                    throw new UsageException("option --" + key + " is given twice");
                }
                if (eq >= 0) {
                    put(key, name.substring(eq + 1));
                } else if (switches.contains(name)) {
                    put(name, "true");
                } else {
                    if (i + 1 >= args.length) {
                        throw new UsageException("option --" + name + " needs a value");
                    }
                    put(name, args[++i]);
                }
            } else {
                positional.add(a);
            }
        }
    }

    private void put(String key, String value) {
        options.put(key, value);
        repeated.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }

    /** A string option, or the default; an option that may repeat must be given at most once to be read this way. */
    public String get(String name, String def) {
        read.add(name);
        List<String> all = repeated.get(name);
        if (all != null && all.size() > 1) {
            throw new UsageException("option --" + name + " is given twice");
        }
        return options.getOrDefault(name, def);
    }

    /** Every value of a repeatable option, in order (empty when absent). */
    public List<String> getAll(String name) {
        read.add(name);
        return List.copyOf(repeated.getOrDefault(name, List.of()));
    }

    /** An int option, or the default. */
    public int getInt(String name, int def) {
        String v = get(name, null);
        if (v == null) {
            return def;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects an integer, got '" + v + "'");
        }
    }

    /** An int option in [min, max], or the default. */
    public int getInt(String name, int def, int min, int max) {
        int v = getInt(name, def);
        if (v < min || v > max) {
            throw new UsageException("--" + name + " must be between " + min + " and " + max + ", got " + v);
        }
        return v;
    }

    /** A finite number option, or the default (NaN and the infinities are refused). */
    public double getDouble(String name, double def) {
        String v = get(name, null);
        if (v == null) {
            return def;
        }
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects a number, got '" + v + "'");
        }
        if (!Double.isFinite(d)) {
            throw new UsageException("--" + name + " expects a finite number, got '" + v + "'");
        }
        return d;
    }

    /** A finite number option in [min, max], or the default. */
    public double getDouble(String name, double def, double min, double max) {
        double d = getDouble(name, def);
        if (d < min || d > max) {
            throw new UsageException("--" + name + " must be between " + min + " and " + max + ", got " + d);
        }
        return d;
    }

    /**
     * A switch: false when absent, true when given bare ({@code --flip}); an explicit value must be
     * true or false ({@code --flip=false} turns it off; anything else is refused).
     */
    public boolean has(String name) {
        String v = get(name, null);
        if (v == null) {
            return false;
        }
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new UsageException("--" + name + " is true or false, got '" + v + "'");
        };
    }

    /** Positional arguments. */
    public List<String> positional() {
        return positional;
    }

    /** The words after a bare {@code --}, unparsed (empty when there is none). */
    public List<String> afterSeparator() {
        separatorRead = true;
        return afterSeparator;
    }

    /** Fails on options nobody read, and on words after {@code --} that the command does not take. */
    public void finish() {
        if (!separatorRead && !afterSeparator.isEmpty()) {
            throw new UsageException("unexpected arguments after --: " + String.join(" ", afterSeparator));
        }
        for (String k : options.keySet()) {
            if (!read.contains(k)) {
                throw new UsageException("unknown option --" + k);
            }
        }
    }
}
