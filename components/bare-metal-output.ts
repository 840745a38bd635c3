// The stack output bareMetal: the network pre-seed for machines installed from the installer
// medium (make usb), as a Pulumi secret, since it holds the WiFi PSK; never given to the lab's VMs.
import * as pulumi from "@pulumi/pulumi";
import { BareMetal, NOT_SET, Preseed, renderBareMetal } from "./plan/bare-metal";

/** The pre-seed as a secret, or why there is none. */
export function bareMetalOutput(bm: BareMetal | undefined): pulumi.Output<Preseed> | string {
    return bm ? pulumi.secret(renderBareMetal(bm)) : NOT_SET;
}
