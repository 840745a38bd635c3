// The package's API (main of the packed package, `make pack`), for a ClusterOS repository's
// own Pulumi program: the whole lab program, or its parts: the config read and validated,
// the pure plan, and the component that declares it. The test API is clusteros-lab/testing.
export { clusterProgram } from "./components/program";
export { Cluster } from "./components/cluster";
export { planCluster } from "./components/plan/cluster-plan";
export type { ClusterPlan, NodeOutput } from "./components/plan/cluster-plan";
export { loadClusterConfig } from "./components/pulumi-config";
export type { ClusterConfig } from "./components/plan/config";
