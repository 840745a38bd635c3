// A node's VNC display, reachable from this host. QEMU listens on 127.0.0.1 where libvirt
// runs: in host mode that is here, and the address is printed as it is. In namespace mode
// that loopback is the namespace's own, so a forwarder listens on this host's 127.0.0.1
// (the display's own port when free) and carries each connection into the namespace.
import { spawn } from "node:child_process";
import * as net from "node:net";
import { inPlace } from "./place";

/** "127.0.0.1:1" or ":1" (virsh vncdisplay) -> TCP port 5901. */
export function vncPort(display: string): number {
    const m = /:(\d+)$/.exec(display.trim());
    if (!m) throw new Error(`not a VNC display: '${display}'`);
    return 5900 + Number(m[1]);
}

function listen(server: net.Server, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
    });
}

/** Forwards 127.0.0.1:<port> here to 127.0.0.1:<target> in the namespace; resolves with the port. */
export async function forwardVnc(netns: string, target: number): Promise<{ port: number; server: net.Server }> {
    const server = net.createServer((socket) => {
        const [program, ...args] = inPlace(["socat", "STDIO", `TCP:127.0.0.1:${target}`], netns);
        const child = spawn(program, args, { stdio: ["pipe", "pipe", "ignore"] });
        socket.pipe(child.stdin);
        child.stdout.pipe(socket);
        socket.on("error", () => child.kill());
        socket.on("close", () => child.kill());
        child.on("exit", () => socket.destroy());
    });
    let port: number;
    try {
        port = await listen(server, target);
    } catch {
        port = await listen(server, 0); // the display's port is taken here: any free one
    }
    return { port, server };
}
