// The files of cloud-init/: mustache templates for plain config files (values inserted
// verbatim, no HTML escaping), and YAML documents that code fills in as data and the
// `yaml` library writes out. No YAML or config text is assembled by string concatenation.
import * as fs from "node:fs";
import * as path from "node:path";
import Mustache from "mustache";
import { Document, parseDocument } from "yaml";

export const TEMPLATE_DIR = path.join(__dirname, "..", "..", "cloud-init");

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

/**
 * A step the stack runs on a node over SSH (a script of cloud-init/), after the helper it
 * waits with: identity-wait.sh's wait_for_identity.
 */
export function nodeStep(name: string): string {
    return `${template("identity-wait.sh")}\n${template(name)}`;
}

export function render(name: string, view: object): string {
    return renderFile(path.join(TEMPLATE_DIR, name), view);
}

/** Renders the mustache template at an absolute path. */
export function renderFile(file: string, view: object): string {
    return Mustache.render(read(file), view, {}, { escape: (s: string) => s });
}

/** No folding of long values (keys, base64): each value stays on its line. */
const YAML_OUT = { lineWidth: 0 } as const;
/** cloud-init reads YAML 1.1 (PyYAML): a value such as "on" or "0600" is quoted for it. */
const YAML_IN = { version: "1.1" } as const;

/**
 * The YAML document of cloud-init/ at `name`, its comments kept, with the values at the
 * given paths set (a path is a list of keys and indices, e.g. ["users", 0, "name"]).
 */
export function fillYaml(name: string, values: [path: (string | number)[], value: unknown][]): string {
    const doc = parseDocument(template(name), YAML_IN);
    for (const [at, value] of values) doc.setIn(at, doc.createNode(value));
    return doc.toString(YAML_OUT);
}

/** A YAML document of `data`, with `comment` as its first lines. */
export function toYaml(data: object, comment?: string): string {
    const doc = new Document(data, YAML_IN);
    if (comment) doc.commentBefore = comment.split("\n").map((l) => ` ${l}`).join("\n");
    return doc.toString(YAML_OUT);
}

export function b64(text: string): string {
    return Buffer.from(text, "utf8").toString("base64");
}
