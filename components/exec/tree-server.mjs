// A static HTTP server of one directory tree, read-only: the provisioning network's HTTP side
// (components/providers/tree-server.ts starts it, bound to the boot server's address alone).
// GET and HEAD of regular files under the tree; anything else is refused (a directory, a path
// out of the tree, through a symbolic link or not, another method). One line per request on
// stdout: time, client, method, path, status, bytes of the body sent.
//   node tree-server.mjs ROOT ADDRESS PORT [LABEL]
// LABEL is not read: it names the server on its command line (its pid file).
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";

const [root, address, portText] = process.argv.slice(2);
const port = Number(portText);
if (!root || !address || !Number.isInteger(port)) {
    console.error("usage: tree-server.mjs ROOT ADDRESS PORT");
    process.exit(2);
}
const top = fs.realpathSync(root);

/** The file under the tree that a request path names, or undefined when it names none. */
function fileOf(urlPath) {
    let rel;
    try {
        rel = decodeURIComponent(urlPath.split("?")[0]);
    } catch {
        return undefined;
    }
    if (rel.includes("\0")) return undefined;
    let real;
    try {
        real = fs.realpathSync(path.join(top, path.normalize(`/${rel}`)));
    } catch {
        return undefined;
    }
    if (real !== top && !real.startsWith(`${top}${path.sep}`)) return undefined;
    const st = fs.statSync(real);
    return st.isFile() ? { real, size: st.size } : undefined;
}

const server = http.createServer((req, res) => {
    let status = 200;
    let bytes = 0;
    // The client's address now: once its connection is gone (a reset), the socket has none.
    const client = req.socket.remoteAddress;
    // On close, which every response has: a client that closes as soon as it has the body
    // (busybox's wget) can leave a response without its 'finish'.
    res.on("close", () => console.log(`${new Date().toISOString()} ${client} ${req.method} ${req.url} ${status} ${bytes}`));
    if (req.method !== "GET" && req.method !== "HEAD") {
        status = 405;
        res.writeHead(status, { Allow: "GET, HEAD" }).end();
        return;
    }
    const file = fileOf(req.url ?? "/");
    if (!file) {
        status = 404;
        res.writeHead(status, { "Content-Type": "text/plain" }).end("not found\n");
        return;
    }
    res.writeHead(status, { "Content-Type": "application/octet-stream", "Content-Length": file.size });
    if (req.method === "HEAD") {
        res.end();
        return;
    }
    fs.createReadStream(file.real).on("data", (chunk) => (bytes += chunk.length)).on("error", () => res.destroy()).pipe(res);
});

server.on("error", (e) => {
    console.error(`cannot serve on ${address}:${port}: ${e.code ?? e.message}`);
    process.exit(3);
});
server.listen(port, address, () => console.log(`serving ${top} at http://${address}:${port}/`));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 2000).unref());
