// Renders the mustache templates in cloud-init/. Templates are data: no YAML or config
// text is assembled by string concatenation in code. Values are inserted verbatim (no
// HTML escaping); callers pass YAML-safe values (JSON strings, base64).
import * as fs from "node:fs";
import * as path from "node:path";
import Mustache from "mustache";

export const TEMPLATE_DIR = path.join(__dirname, "..", "cloud-init");

const cache = new Map<string, string>();

export function template(name: string): string {
    let t = cache.get(name);
    if (t === undefined) {
        t = fs.readFileSync(path.join(TEMPLATE_DIR, name), "utf8");
        cache.set(name, t);
    }
    return t;
}

export function render(name: string, view: object): string {
    return Mustache.render(template(name), view, {}, { escape: (s: string) => s });
}

export function b64(text: string): string {
    return Buffer.from(text, "utf8").toString("base64");
}
