/** JMH benchmarks and side-by-side comparison programs; each validates its result before it times. */
package panface.bench;
