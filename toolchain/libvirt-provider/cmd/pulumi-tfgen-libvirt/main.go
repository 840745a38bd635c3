// Command pulumi-tfgen-libvirt writes the Pulumi schema of the bridged provider.
// UPSTREAM_DOCS_DIR points at the terraform-provider-libvirt module source (setup
// passes the module cache directory) so the schema carries the upstream docs.
package main

import (
	"os"

	provider "clusteros-lab/toolchain/libvirt-provider"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
)

var version = "0.0.0-dev"

func main() {
	info := provider.Info(version)
	info.UpstreamRepoPath = os.Getenv("UPSTREAM_DOCS_DIR")
	tfgen.Main("libvirt", version, info)
}
