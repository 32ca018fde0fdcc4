package panface.distributed;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a JVM like this one that runs another main class of ours, for the launcher's
 * ranks and for anything else that starts a child JVM. It works the same whether this JVM runs our
 * jars on the class path or as named modules on the module path: the options this JVM was started
 * with carry the module path and its patches, reads and exports (the {@code java} launcher records
 * {@code --module-path x} as {@code --module-path=x}, which it accepts back); the class path comes
 * next, then the main class, as {@code -m module/class} when it lives in a named module.
 */
public final class JvmCommand {
    /** How the {@code java} launcher records {@code -m}; a property name reserved by the JVM, so it cannot be passed on. */
    private static final String MAIN_MODULE_PROPERTY = "-Djdk.module.main=";

    private JvmCommand() {
    }

    /**
     * The options this JVM was started with, less the launcher's record of its main module and less
     * debugger agents (every child would listen on the same port).
     */
    public static List<String> options() {
        List<String> kept = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith(MAIN_MODULE_PROPERTY) && !a.startsWith("-agentlib:jdwp") && !a.startsWith("-Xrunjdwp")) {
                kept.add(a);
            }
        }
        return kept;
    }

    /**
     * Whether an option says where classes come from or what may use what (module path, patches,
     * added modules, reads, exports, opens, native access): a child that picks only some of this
     * JVM's options keeps at least these, or it cannot find or run our code.
     */
    public static boolean isModuleOption(String option) {
        for (String p : new String[] {"--module-path", "--upgrade-module-path", "--patch-module", "--add-modules",
                "--limit-modules", "--add-reads", "--add-exports", "--add-opens", "--enable-native-access"}) {
            if (option.equals(p) || option.startsWith(p + "=")) {
                return true;
            }
        }
        return false;
    }

    /** This JVM's options that {@link #isModuleOption} keeps. */
    public static List<String> moduleOptions() {
        return options().stream().filter(JvmCommand::isModuleOption).toList();
    }

    /**
     * {@code java}, {@code options}, this JVM's class path, then {@code main}: the command that runs
     * {@code main} the way this JVM runs our code; the program's arguments go after it.
     */
    public static List<String> of(List<String> options, Class<?> main) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
        cmd.addAll(options);
        String classPath = System.getProperty("java.class.path", "");
        if (!classPath.isEmpty()) {
            cmd.add("-cp");
            cmd.add(classPath);
        }
        Module m = main.getModule();
        if (m.isNamed()) {
            cmd.add("-m");
            cmd.add(m.getName() + "/" + main.getName());
        } else {
            cmd.add(main.getName());
        }
        return cmd;
    }
}
