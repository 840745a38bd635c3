// Package provider bridges dmacvicar/terraform-provider-libvirt (0.8.x, the
// classic Domain/Volume/CloudInitDisk/Network/Pool API) to Pulumi.
//
// The upstream pulumi-libvirt provider module is not served by the module proxy
// reachable here, so ClusterOS Lab bridges the same Terraform provider itself,
// with the same package name and resource tokens (libvirt:index/domain:Domain, ...).
package provider

import (
	"github.com/dmacvicar/terraform-provider-libvirt/libvirt"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
)

// Info describes the bridged provider. version is the plugin version.
func Info(version string) tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:           shimv2.NewProvider(libvirt.Provider()),
		Name:        "libvirt",
		Version:     version,
		DisplayName: "libvirt",
		Description: "libvirt resources (domains, volumes, cloud-init disks, networks, pools), bridged from terraform-provider-libvirt.",
		Keywords:    []string{"pulumi", "libvirt"},
		License:     "Apache-2.0",
		Publisher:   "ClusterOS Lab",
		GitHubOrg:   "dmacvicar",
		Repository:  "https://github.com/dmacvicar/terraform-provider-libvirt",
		// Same token as the upstream pulumi-libvirt package (the default would be CloudinitDisk).
		Resources: map[string]*tfbridge.ResourceInfo{
			"libvirt_cloudinit_disk": {Tok: "libvirt:index/cloudInitDisk:CloudInitDisk"},
		},
		Config: map[string]*tfbridge.SchemaInfo{
			"uri": {Default: &tfbridge.DefaultInfo{EnvVars: []string{"LIBVIRT_DEFAULT_URI"}}},
		},
		JavaScript: &tfbridge.JavaScriptInfo{
			PackageName:  "@pulumi/libvirt",
			Dependencies: map[string]string{"@pulumi/pulumi": "^3.0.0"},
			DevDependencies: map[string]string{
				"@types/node": "^22.0.0",
				"typescript":  "^5.0.0",
			},
		},
	}
	// libvirt_cloudinit_disk -> libvirt:index/cloudInitDisk:CloudInitDisk, etc.
	info.MustComputeTokens(tokens.SingleModule("libvirt_", "index", tokens.MakeStandard("libvirt")))
	info.SetAutonaming(255, "-")
	return info
}
