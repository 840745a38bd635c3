// Writes Pulumi.yaml's `config:` block from the config schema (components/plan/config-schema.ts),
// where each key is declared once; the rest of Pulumi.yaml is kept as it is.
// Run by `make pulumi-yaml`; tests/unit/config-schema.test.ts fails until it has been run.
import * as fs from "node:fs";
import { parseDocument } from "yaml";
import { pulumiConfigBlock } from "../components/plan/config-schema";
import { PROJECT_FILE } from "../components/plan/defaults";

const doc = parseDocument(fs.readFileSync(PROJECT_FILE, "utf8"));
doc.set("config", doc.createNode(pulumiConfigBlock()));
fs.writeFileSync(PROJECT_FILE, doc.toString({ lineWidth: 0 }));
console.log(`${PROJECT_FILE}: config block written from the schema`);
