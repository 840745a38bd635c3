// `lab usb`'s options as scripts/usb.sh takes them: paths made absolute against the directory
// the command runs in (a repository's own), options not given not inherited from the caller's
// environment (a SEEDS left exported would put other machines' seeds on the medium, a
// NETBOOT_HTTP would point the network tree at another server).
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { usbEnv } from "../../lab/usb";

describe("lab usb", () => {
    it("passes the seed, the seeds and install.conf as absolute paths", () => {
        const env = usbEnv({ dist: "dist", seed: "one", seeds: "rack1/seeds", config: "install.conf" }, {});
        expect([env.SEED, env.SEEDS, env.INSTALL_CONF]).toEqual(["one", "rack1/seeds", "install.conf"].map((p) => path.resolve(p)));
    });

    it("drops a seed, seeds or install.conf of the caller's environment that the command was not given", () => {
        const env = usbEnv({ dist: "dist", seeds: "/srv/seeds" }, { SEED: "/old/seed", SEEDS: "/old/seeds", INSTALL_CONF: "/old/conf", PATH: "/bin" });
        expect(env).toEqual({ SEEDS: "/srv/seeds", PATH: "/bin" });
    });

    it("passes --netboot-http as it is (a server, not a path), and drops an inherited NETBOOT_HTTP it was not given", () => {
        expect(usbEnv({ dist: "dist", netbootHttp: ":8080" }, {}).NETBOOT_HTTP).toBe(":8080");
        expect(usbEnv({ dist: "dist" }, { NETBOOT_HTTP: "10.0.0.1" }).NETBOOT_HTTP).toBeUndefined();
    });
});
