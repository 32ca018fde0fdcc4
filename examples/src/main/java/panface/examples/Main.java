package panface.examples;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import panface.examples.cli.Args;
import panface.examples.cli.Command;
import panface.examples.cli.CompareCommand;
import panface.examples.cli.DemoCommand;
import panface.examples.cli.DistillCommand;
import panface.examples.cli.EmbedCommand;
import panface.examples.cli.EvalCommand;
import panface.examples.cli.ExportCommand;
import panface.examples.cli.FacesCommand;
import panface.examples.cli.InspectCommand;
import panface.examples.cli.LafsCommand;
import panface.examples.cli.LaunchCommand;
import panface.examples.cli.PackCommand;
import panface.examples.cli.TrainCommand;
import panface.examples.cli.GifCommand;
import panface.examples.cli.GoldenCommand;
import panface.examples.cli.InfoCommand;
import panface.examples.cli.UsageException;

/** The {@code panface} command-line app: one subcommand per recipe. */
public final class Main {
    private static final Set<String> SWITCHES = Set.of("help", "flip", "tf32", "verbose", "quiet", "strict", "bf16", "no-progress", "autocast", "no-flip",
            "skip-bad-records", "bgr", "no-overlap", "kernels");
    /** Options a command may take several times. */
    private static final Set<String> REPEATABLE = Set.of("bin");

    private Main() {
    }

    /** Every command, in the order --help lists them. */
    static List<Command> commands() {
        return List.of(
                new TrainCommand(),
                new DemoCommand(),
                new InfoCommand(),
                new GoldenCommand(),
                new InspectCommand(),
                new EmbedCommand(),
                new CompareCommand(),
                new FacesCommand(),
                new LaunchCommand(),
                new PackCommand(),
                new EvalCommand(),
                new ExportCommand(),
                new DistillCommand(),
                new LafsCommand(),
                new GifCommand());
    }

    public static void main(String[] argv) {
        System.exit(run(argv));
    }

    /** Runs the app and returns the exit code. */
    public static int run(String[] argv) {
        Map<String, Command> byName = new LinkedHashMap<>();
        for (Command c : commands()) {
            byName.put(c.name(), c);
        }
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
            System.out.println(help(byName));
            return argv.length == 0 ? 2 : 0;
        }
        Command cmd = byName.get(argv[0]);
        if (cmd == null) {
            System.err.println("panface: unknown command '" + argv[0] + "'\n\n" + help(byName));
            return 2;
        }
        String[] rest = java.util.Arrays.copyOfRange(argv, 1, argv.length);
        try {
            // A malformed -Dpanface.* setting is reported here, by name, before any kernel class
            // fails to initialise on it.
            panface.tensor.RuntimeConfig.startup();
        } catch (IllegalArgumentException e) {
            System.err.println("panface: " + e.getMessage() + " (see ./panface info for every setting)");
            return 2;
        }
        try {
            Args args = new Args(rest, SWITCHES, REPEATABLE);
            if (args.has("help")) {
                System.out.println(cmd.usage());
                return 0;
            }
            return cmd.run(args);
        } catch (UsageException e) {
            System.err.println("panface " + cmd.name() + ": " + e.getMessage() + "\n\n" + cmd.usage());
            return 2;
        } catch (OutOfMemoryError e) {
            System.err.println("panface " + cmd.name() + ": out of memory (" + e.getMessage() + "); give the JVM more heap, e.g. PANFACE_JAVA_OPTS=-Xmx8g");
            return 1;
        } catch (Exception e) {
            System.err.println("panface " + cmd.name() + ": " + e.getMessage());
            if (Boolean.getBoolean("panface.stacktrace")) {
                e.printStackTrace();
            }
            return 1;
        }
    }

    private static String help(Map<String, Command> byName) {
        StringBuilder sb = new StringBuilder("""
                panface: face recognition in Java (tensors, autograd, CPU and CUDA backends, face models and losses)

                usage: panface COMMAND [options]      (panface COMMAND --help for a command's options)

                commands:
                """);
        for (Command c : byName.values()) {
            sb.append(String.format("  %-10s %s%n", c.name(), c.summary()));
        }
        return sb.toString().stripTrailing();
    }
}
