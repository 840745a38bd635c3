// preseed-tree.mjs DIR < bareMetal.json: lays the stack's bareMetal output ({ files: [{ path,
// mode, content }], enableUnits: [unit] }) out under DIR as it will sit in the installed root:
// each file with its mode, each unit enabled the way systemctl enable does (a link in
// multi-user.target.wants). The installer unpacks it over the installed system.
import * as fs from "node:fs";
import * as path from "node:path";

const [dir] = process.argv.slice(2);
const preseed = JSON.parse(fs.readFileSync(0, "utf8"));
if (!preseed || !Array.isArray(preseed.files)) {
    console.error("preseed-tree: the bareMetal output has no files (is bareMetal.network set on the stack?)");
    process.exit(1);
}
const inside = (p) => {
    const full = path.join(dir, p);
    if (!path.isAbsolute(p) || !full.startsWith(path.resolve(dir) + path.sep)) throw new Error(`preseed-tree: bad path ${p}`);
    return full;
};
for (const f of preseed.files) {
    const full = inside(f.path);
    fs.mkdirSync(path.dirname(full), { recursive: true, mode: 0o755 });
    fs.writeFileSync(full, f.content, { mode: parseInt(f.mode, 8) });
    fs.chmodSync(full, parseInt(f.mode, 8));
}
for (const unit of preseed.enableUnits ?? []) {
    const link = inside(`/etc/systemd/system/multi-user.target.wants/${unit}`);
    fs.mkdirSync(path.dirname(link), { recursive: true, mode: 0o755 });
    fs.rmSync(link, { force: true });
    fs.symlinkSync(`/lib/systemd/system/${unit}`, link);
}
