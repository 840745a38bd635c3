// The lab's frame relay for one node (cli/link-relay.ts starts it, detached): QEMU's
// filter-redirector on the node's network backend sends it every frame the guest sends (it
// connects to DIR/from-qemu.sock) and takes back what to send on (DIR/to-qemu.sock), after
// the rules (cli/relay-rules.ts) delayed, duplicated, reordered or corrupted it. It ends when
// QEMU lets go of it (the fault healed, the node off) or on SIGTERM.
//   relay.ts DIR RULES_JSON
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { FrameReader, framed, impair, Packet, RelayRule } from "./relay-rules";

function main(dir: string, rules: RelayRule[]): void {
    let toQemu: net.Socket | undefined;
    const send = (p: Packet) => { toQemu?.write(framed(p)); };
    const listen = (name: string, onConnection: (s: net.Socket) => void) => {
        const file = path.join(dir, name);
        fs.rmSync(file, { force: true });
        const server = net.createServer(onConnection);
        return new Promise<void>((ready) => server.listen(file, () => ready()));
    };
    const reader = new FrameReader();
    Promise.all([
        listen("to-qemu.sock", (s) => { toQemu = s; s.on("error", () => undefined); }),
        listen("from-qemu.sock", (s) => {
            s.on("data", (chunk: Buffer) => {
                for (const packet of reader.push(chunk)) {
                    for (const { packet: out, afterMs } of impair(packet, rules, Math.random)) {
                        if (afterMs === 0) send(out); else setTimeout(() => send(out), afterMs);
                    }
                }
            });
            // QEMU let go (chardev removed, or the node stopped): nothing is left to relay.
            s.on("close", () => process.exit(0));
            s.on("error", () => process.exit(0));
        }),
    ]).then(() => fs.writeFileSync(path.join(dir, "ready"), `${process.pid}\n`));
}

process.on("SIGTERM", () => process.exit(0));
main(process.argv[2], JSON.parse(process.argv[3]) as RelayRule[]);
