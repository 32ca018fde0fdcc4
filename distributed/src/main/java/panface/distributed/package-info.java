/** Communicators, sharded Partial FC, data-parallel gradient all-reduce and the multi-process launcher. */
package panface.distributed;
