// Plain QEMU VMs for the installer test, as a user's hardware boots: TCG, SeaBIOS, no -kernel,
// the serial console in a file. Their only network is QEMU's user network with restrict=on
// (nothing leaves QEMU but a forwarded port on this namespace's 127.0.0.1), or, for a network
// install, a tap device on a stack's provisioning network, in the daemon's namespace.
import { ChildProcess, spawn } from "node:child_process";

export class PlainVm {
    private readonly child: ChildProcess;
    private readonly ended: Promise<void>;

    /** `netns`: the network namespace QEMU runs in (where its tap device is), "" for this one. A later -m wins. */
    constructor(readonly name: string, readonly serialLog: string, args: string[], netns = "") {
        const argv = ["qemu-system-x86_64", "-name", `clusteros-e2e-${name}`, "-machine", "q35,accel=tcg",
            "-m", "1024", "-smp", "1", "-display", "none", "-serial", `file:${serialLog}`, "-monitor", "none", ...args];
        const [cmd, ...rest] = netns ? ["ip", "netns", "exec", netns, ...argv] : argv;
        this.child = spawn(cmd, rest, { stdio: "ignore" });
        this.ended = new Promise((resolve) => this.child.on("close", () => resolve()));
    }

    get running(): boolean { return this.child.exitCode === null && this.child.signalCode === null; }

    /** True when the VM powers itself off within `seconds`; else it is killed and this is false. */
    async powersOff(seconds: number): Promise<boolean> {
        const timer = new Promise<false>((resolve) => setTimeout(() => resolve(false), seconds * 1000));
        const off = await Promise.race([this.ended.then(() => true as const), timer]);
        if (!off) await this.kill();
        return off;
    }

    async kill(): Promise<void> {
        if (this.running) this.child.kill("SIGKILL");
        await this.ended;
    }
}

/** A TCP port nothing listens on here, from the kernel's ephemeral range. */
export async function freePort(): Promise<number> {
    const net = await import("node:net");
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
        });
    });
}
