// build-agent.ts SOURCE: the node agent built from its Go main package (config key
// nodeAgentSource), or found built, before `make up` enters the lab's namespace, where the Go
// module proxy does not answer. Prints the binary's path; the Pulumi program then finds it
// in the cache. A source that does not build exits 1 with the compiler's message.
import { AgentBuildError, agentBuildProblem, buildNodeAgent } from "../components/node-agent-build";
import { formatProblems } from "../components/plan/config";
import { cacheDir } from "../components/plan/paths";

const source = process.argv[2];
if (!source) {
    console.error("usage: build-agent.ts SOURCE");
    process.exit(2);
}
try {
    console.log(buildNodeAgent(source, cacheDir()).path);
} catch (e) {
    if (!(e instanceof AgentBuildError)) throw e;
    console.error(formatProblems("clusteros-lab", [agentBuildProblem(source, e)]));
    process.exit(1);
}
