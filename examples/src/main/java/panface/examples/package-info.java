/**
 * The command-line recipes: train, evaluate, embed, golden cases. An application module: it
 * exports nothing; {@code java -m panface.examples/panface.examples.Main} runs it as a module.
 */
package panface.examples;
