// Command pulumi-resource-libvirt is the bridged libvirt resource provider.
// schema.json is produced by pulumi-tfgen-libvirt at setup time (not committed).
package main

import (
	_ "embed"

	provider "clusteros-lab/toolchain/libvirt-provider"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
)

var version = "0.0.0-dev"

//go:embed schema.json
var schema []byte

func main() {
	tfbridge.Main("libvirt", version, provider.Info(version), schema)
}
