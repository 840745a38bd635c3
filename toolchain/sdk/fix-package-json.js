// Pins the generated @pulumi/libvirt package to the provider version it was generated
// from, and drops its postinstall (setup compiles it with the project's TypeScript).
const fs = require("node:fs");
const [file, version] = process.argv.slice(2);
const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
pkg.version = version;
pkg.pulumi = { ...pkg.pulumi, version };
delete pkg.scripts.postinstall;
for (const dep of ["typescript", "@types/node"]) delete pkg.dependencies[dep];
fs.writeFileSync(file, JSON.stringify(pkg, null, 4) + "\n");
