package panface.examples.cli;

/** Bad command-line input: the message says what is wrong; the command's usage is printed. */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
