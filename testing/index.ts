// clusteros-lab/testing: tests of a ClusterOS cluster that read like what they check.
// See docs/WRITING_TESTS.md.
export type { ConfigInput } from "./config-paths";
export { useLabCluster } from "./hooks";
export type { UseOptions } from "./hooks";
export { LabCluster, SHARED_STACK_ENV } from "./lab-cluster";
export type { UpOptions } from "./lab-cluster";
export { CommandFailed, LabNode, TimedOut } from "./lab-node";
export type { Degradation } from "./netem";
export type { LinkFault } from "../cli/faults";
export type { PartitionShape } from "../cli/partition-shapes";
export type { DiskFault } from "../cli/disk-faults";
export type { Corrupted } from "../cli/disk-corruption";
