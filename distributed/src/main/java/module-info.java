/**
 * Collectives (NCCL, and an in-process one for tests), rendezvous, sharded Partial FC,
 * data-parallel training and the multi-process launcher.
 */
module panface.distributed {
    requires transitive panface.faceloss;
    requires panface.nativebindings;
    requires java.management;

    exports panface.distributed;
}
