// ClusterOS Lab: a declarative N-node test cluster on libvirt. See README.md. The program
// itself is components/program.ts, which a ClusterOS repository's program can use as well.
import { clusterProgram } from "./components/program";

export = clusterProgram();
