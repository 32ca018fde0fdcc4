/** The command-line recipes: train, evaluate, embed, golden cases. */
package panface.examples;
