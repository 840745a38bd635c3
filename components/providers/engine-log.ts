// Forwards lines from inside a dynamic provider to the Pulumi engine's log, so long
// commands (a Packer build) show progress in `pulumi up`. The engine's address is the
// provider process's first argument. Falls back to stderr when there is no engine.
export type LineLogger = (line: string) => void;

/**
 * urn: the row of Pulumi's display the lines belong to (the stack's when absent).
 * ephemeral: a status line, shown while the resource works but not repeated among the
 * diagnostics at the end.
 */
export function engineLogger(prefix: string, opts: { urn?: string; ephemeral?: boolean } = {}): LineLogger {
    const address = process.argv[2];
    try {
        const grpc = require("@grpc/grpc-js");
        const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
        const engproto = require("@pulumi/pulumi/proto/engine_pb");
        if (!address) throw new Error("no engine address");
        const client = new engrpc.EngineClient(address, grpc.credentials.createInsecure());
        return (line: string) => {
            const req = new engproto.LogRequest();
            req.setSeverity(engproto.LogSeverity.INFO);
            req.setMessage(`${prefix}${line}`);
            req.setEphemeral(opts.ephemeral ?? false);
            if (opts.urn) req.setUrn(opts.urn);
            client.log(req, () => undefined);
        };
    } catch {
        return (line: string) => process.stderr.write(`${prefix}${line}\n`);
    }
}
