// The arguments of a dynamic resource: its provider's inputs, each of which may be an Output.
import * as pulumi from "@pulumi/pulumi";

export type ArgsOf<T> = { [K in keyof T]: pulumi.Input<T[K]> };
