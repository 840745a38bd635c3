// Renders the mustache templates in cloud-init/. Templates are data: no YAML or config
// text is assembled by string concatenation in code. Values are inserted verbatim (no
// HTML escaping); callers pass YAML-safe values (JSON strings, base64).
import * as fs from "node:fs";
import * as path from "node:path";
import Mustache from "mustache";

export const TEMPLATE_DIR = path.join(__dirname, "..", "cloud-init");

const cache = new Map<string, string>();

function read(file: string): string {
    let t = cache.get(file);
    if (t === undefined) {
        t = fs.readFileSync(file, "utf8");
        cache.set(file, t);
    }
    return t;
}

/** A template (or plain file) of cloud-init/, by its path there. */
export function template(name: string): string {
    return read(path.join(TEMPLATE_DIR, name));
}

export function render(name: string, view: object): string {
    return renderFile(path.join(TEMPLATE_DIR, name), view);
}

/** Renders the mustache template at an absolute path. */
export function renderFile(file: string, view: object): string {
    return Mustache.render(read(file), view, {}, { escape: (s: string) => s });
}

export function b64(text: string): string {
    return Buffer.from(text, "utf8").toString("base64");
}
