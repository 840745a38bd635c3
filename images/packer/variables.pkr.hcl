# Variables of the node image build (node.pkr.hcl). images/build.sh sets the shared ones
# for every build and the ones of the flavor it builds. A flavor's own variables default to
# null so that the other flavor's build needs none of them; the flavor that reads them must
# be given them all (Packer names a missing base_dir; a missing checksum or image fails
# validate; a missing ssh_key or http_dir only shows as an SSH timeout).

# Shared by both flavors.

variable "output_dir" {
  type        = string
  description = "Directory Packer creates for the qcow2; must not exist yet."
}

variable "boot_dir" {
  type        = string
  description = "Directory that receives the image's kernel and initrd (vmlinuz, initrd.img): the installer medium boots them."
}

variable "payload_dir" {
  type        = string
  description = "Directory uploaded to /tmp/clusteros-payload (node-agent, build settings)."
}

variable "accelerator" {
  type        = string
  default     = ""
  description = "QEMU accelerator for the build VM: kvm or tcg; empty takes the flavor's default (debian tcg, ubuntu kvm)."

  validation {
    condition     = contains(["", "kvm", "tcg"], var.accelerator)
    error_message = "The accelerator must be kvm or tcg."
  }
}

variable "serial_log" {
  type        = string
  description = "File that receives the build VM's serial console."
}

# debian-12 (source qemu.debian) only.

variable "base_dir" {
  type        = string
  default     = null
  description = "debian: output directory of images/debian/build-base.sh: disk.img, vmlinuz, initrd.img, packer_ed25519."
}

variable "base_checksum" {
  type        = string
  default     = null
  description = "debian: sha256 of disk.img, as sha256:<hex>."
}

# ubuntu-24.04 (source qemu.ubuntu) only.

variable "cloud_image" {
  type        = string
  default     = null
  description = "ubuntu: path of the verified Ubuntu 24.04 cloud image (images/ubuntu/fetch.sh)."
}

variable "cloud_image_checksum" {
  type        = string
  default     = null
  description = "ubuntu: sha256 of the cloud image, as sha256:<hex>."
}

variable "http_dir" {
  type        = string
  default     = null
  description = "ubuntu: directory with the build's NoCloud user-data and meta-data."
}

variable "ssh_key" {
  type        = string
  default     = null
  description = "ubuntu: private key whose public half the build's user-data authorizes for root."
}
