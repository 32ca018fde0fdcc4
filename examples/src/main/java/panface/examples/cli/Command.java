package panface.examples.cli;

/** One subcommand of the command-line app. */
public interface Command {

    /** The word that selects it ("golden", "demo", ...). */
    String name();

    /** One line for the command list. */
    String summary();

    /** Its full usage text. */
    String usage();

    /**
     * Runs it. Returns the process exit code. A {@link UsageException} prints the usage and exits
     * with code 2.
     */
    int run(Args args) throws Exception;
}
