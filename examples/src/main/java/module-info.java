/**
 * The command-line app ({@code panface.examples.Main}): an application, so it exports nothing; run
 * it as {@code java -p ... -m panface.examples/panface.examples.Main} or from the class path.
 */
module panface.examples {
    requires panface.distributed;
    requires java.management;
    requires jdk.management;
    requires org.slf4j;
}
