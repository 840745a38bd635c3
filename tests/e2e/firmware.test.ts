// A node that boots its disk through firmware, as hardware does: no kernel in its domain, GRUB
// on its serial console, and with UEFI, OVMF with a variable store of the node's own; then the
// node is healthy by lab status (cloud-init done, SSH, mesh, SLURM). E2E_FIRMWARE_STACK (the
// e2e's stack when unset) and E2E_FIRMWARE (bios|uefi) say which stack's node 1 and which firmware.
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { e2e, eventually, expectOk, inHost, prefixOf, run, script, virsh } from "./context";

const stack = process.env.E2E_FIRMWARE_STACK || e2e.stack;
const firmware = process.env.E2E_FIRMWARE ?? "bios";
const domain = `${prefixOf(stack)}-node-1`;
const serialLog = `/var/log/libvirt/qemu/${domain}-serial.log`;
/** Titles name the stack by its role, not by its per-run name. */
const node = stack === e2e.stack ? "node 1" : "the second stack's node 1";

describe(`${node} (${firmware})`, () => {
    it(`${node}: boots its disk through firmware, no kernel given by the domain (${firmware})`, async () => {
        const xml = (await virsh("dumpxml", domain)).stdout;
        expect(xml).not.toContain("<kernel>");
        expect(xml).toContain("<boot dev='hd'/>");
        if (firmware === "uefi") {
            expect(xml, "UEFI firmware (OVMF)").toMatch(/<loader[^>]*>[^<]*OVMF_CODE/);
            expect(xml, "the node's own variable store").toMatch(new RegExp(`<nvram[^>]*>[^<]*${domain}`));
        }
    });

    it(`${node}: GRUB booted the kernel (its menu is on the serial console)`, async () => {
        const seen = await eventually(60, () => fs.existsSync(serialLog) && fs.readFileSync(serialLog, "latin1").includes("GNU GRUB"), 2000);
        expect(seen, `no GRUB menu in ${serialLog}`).toBe(true);
    });

    it(`${node}: healthy (cloud-init done, SSH, mesh, SLURM) after a ${firmware} boot`, async () => {
        expectOk(await run(inHost([script("lab.sh"), "--stack", stack, "status", "--wait", "300"]), { log: `status-${stack}.log` }), "lab status");
    }, 600_000);
});
