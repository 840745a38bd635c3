// Kubernetes on the cluster, in the stack's distribution: what the seed promises, checked from
// outside. A Deployment with a pod on every node, a DaemonSet, pod-to-pod traffic across nodes
// (over the WireGuard mesh), a ClusterIP Service reached from another node's pod, a
// StatefulSet's stable pod name, and kubelet logs free of /dev/kmsg and cgroup errors. (Every
// node Ready is part of checks.test.ts.) E2E_KUBERNETES=upstream or k3s gives the e2e's stack
// that distribution; the ci stack's is off, and K3s's image needs the internet.
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { untilDeadline } from "../../components/exec/spawn";
import { renderFile } from "../../components/plan/templates";
import { PROJECT_ROOT } from "../../components/plan/paths";
import { e2eCluster, nodeCount, numbers } from "./e2e-cluster";
import { distribution, Kube, OFF_REASON, skipBecause } from "./kubernetes";

const WORKLOADS = path.join(PROJECT_ROOT, "tests", "e2e", "fixtures", "kubernetes", "workloads.yaml.mustache");
const lab = e2eCluster();
const count = nodeCount();
const all = numbers(count);
const dist = distribution();

/** Pods labelled app=<app>: node, pod IP, name, phase. */
interface Pod { node: string; ip: string; name: string; phase: string }

if (dist === "off") {
    it.skip(OFF_REASON, () => undefined);
} else {
    const kube = new Kube(lab, dist);
    const pods = async (app: string): Promise<Pod[]> => {
        const out = await kube.ctl(`get pods -l app=${app} -o jsonpath='{range .items[*]}{.spec.nodeName} {.status.podIP} {.metadata.name} {.status.phase}{"\\n"}{end}'`);
        return out.trim().split("\n").filter(Boolean).map((l) => { const [node, ip, name, phase] = l.split(" "); return { node, ip, name, phase }; });
    };
    /** Waits until `kubectl rollout status` of the object succeeds. */
    const rollout = async (object: string, seconds: number) => {
        const ok = await untilDeadline(Date.now() + seconds * 1000, 5000,
            async () => ((await kube.ctl(`rollout status ${object} --timeout=20s`).catch(() => undefined)) !== undefined ? true : undefined));
        expect(ok, `${object} did not roll out within ${seconds} s:\n${await kube.ctl("get pods -o wide").catch((e) => String(e))}`).toBe(true);
    };
    /**
     * The body of an HTTP GET of ip:port from inside the pod (one line: the echo pods answer
     * their name). With busybox nc: the wget of Debian's static busybox, the upstream test
     * image, segfaults (exit 139) on any URL.
     */
    const fetch = (pod: string, ip: string, port: number) =>
        kube.ctl(`exec ${pod} -- sh -c 'printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -w 10 ${ip} ${port} | tail -n 1'`)
            .then((s) => s.trim(), (e) => String(e));

    describe(`Kubernetes (${dist}) workloads on ${count} nodes`, () => {
        afterAll(async () => {
            // The workloads go: the rest of the e2e should not pay for them under TCG.
            if (!(await kube.missing())) await kube.ctl("delete deployment/echo daemonset/client statefulset/web service/echo service/web --wait=false").catch(() => undefined);
        });

        it(`Kubernetes: the Deployment's ${count} pods run, on ${count} different nodes`, async (ctx) => {
            const why = await kube.missing();
            if (why) skipBecause(ctx, why);
            await kube.ctl("apply -f -", renderFile(WORKLOADS, { testImage: await kube.testImage(), nodes: count }));
            await rollout("deployment/echo", 600);
            expect(new Set((await pods("echo")).map((p) => p.node)).size).toBe(count);
        }, 900_000);

        it(`Kubernetes: the DaemonSet has a running pod on each of the ${count} nodes`, async (ctx) => {
            const why = await kube.missing();
            if (why) skipBecause(ctx, why);
            await rollout("daemonset/client", 300);
            expect(new Set((await pods("client")).filter((p) => p.phase === "Running").map((p) => p.node)).size).toBe(count);
        }, 600_000);

        it.for(all)("Kubernetes: a pod on cluster-node-%i reaches the pod on the next node across the mesh", async (i, ctx) => {
            const why = await kube.missing();
            if (why) skipBecause(ctx, why);
            const client = (await pods("client")).find((p) => p.node === `cluster-node-${i}`);
            const target = (await pods("echo")).find((p) => p.node === `cluster-node-${(i % count) + 1}`);
            expect(client && target, "a client pod on this node and an echo pod on the next").toBeTruthy();
            expect(await fetch(client!.name, target!.ip, 8080)).toBe(target!.name);
        });

        it("Kubernetes: a pod on cluster-node-2 reaches the ClusterIP Service echo, answered by one of its pods", async (ctx) => {
            const why = await kube.missing();
            if (why) skipBecause(ctx, why);
            const ip = (await kube.ctl("get service echo -o jsonpath='{.spec.clusterIP}'")).trim();
            const client = (await pods("client")).find((p) => p.node === "cluster-node-2");
            expect(client, "a client pod on cluster-node-2").toBeTruthy();
            expect((await pods("echo")).map((p) => p.name)).toContain(await fetch(client!.name, ip, 80));
        });

        it("Kubernetes: the StatefulSet's pod web-0 runs, and after deletion comes back as web-0 (a new pod, the same name)", async (ctx) => {
            const why = await kube.missing();
            if (why) skipBecause(ctx, why);
            await rollout("statefulset/web", 300);
            const uid = (await kube.ctl("get pod web-0 -o jsonpath='{.metadata.uid}'")).trim();
            await kube.ctl("delete pod web-0 --wait=true");
            const back = await untilDeadline(Date.now() + 300_000, 5000, async () => {
                const [now, phase] = (await kube.ctl("get pod web-0 -o jsonpath='{.metadata.uid} {.status.phase}'").catch(() => "")).trim().split(" ");
                return now && now !== uid && phase === "Running" ? true : undefined;
            });
            expect(back, "web-0 running again under a new uid").toBe(true);
        }, 900_000);

        it.for(all)("Kubernetes: kubelet on node %i logs no /dev/kmsg or cgroup error", async (n, ctx) => {
            const why = await kube.missing();
            if (why) skipBecause(ctx, why);
            const units = dist === "k3s" ? "-u k3s -u k3s-agent" : "-u kubelet";
            const log = await lab().node(n).succeed(`sudo journalctl ${units} --no-pager -o cat`);
            // Errors only: klog's E lines, or an error or failure said in words (kubelet's
            // configuration dump has "failCgroupV1: true", which is not one). Not counted, as
            // races and not a node without cgroups: a pod's own cgroup files gone while kubelet
            // reads them (kubelet racing a pod's deletion: the test deletes web-0), and a
            // kubepods slice's controller file withdrawn under the read (ENODEV, "no such
            // device": systemd turns a slice's controllers on and off as pods come and go; CI
            // saw kubepods-besteffort.slice/cpuset.cpus.effective).
            const races = [/kubepods[^ ]*-pod[0-9a-f_]+\.slice\/[a-z.]+: no such file or directory/,
                /\/sys\/fs\/cgroup\/kubepods\.slice\/[^ ]*\.slice\/[a-z.]+: no such device"?$/];
            const bad = log.split("\n").filter((l) => /kmsg|cgroup/i.test(l) && /^E\d{4} |\berror\b|\bfail(ed|ure)?\b/i.test(l))
                .filter((l) => !races.some((race) => race.test(l)));
            expect(bad.slice(0, 5)).toEqual([]);
        });
    });
}
