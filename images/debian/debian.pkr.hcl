# ClusterOS node image, Debian 12 flavor: boots the mmdebstrap base (images/debian/build-base.sh)
# with direct kernel boot (the base has no boot loader yet: 15-bootloader.sh installs it),
# runs the shared provisioning over SSH and writes a qcow2 that boots through firmware.
# Built by images/build.sh; works without internet (Packer talks to the guest over loopback).

variable "base_dir" {
  type        = string
  description = "Output directory of build-base.sh: disk.img, vmlinuz, initrd.img, packer_ed25519."
}

variable "base_checksum" {
  type        = string
  description = "sha256 of disk.img, as sha256:<hex>."
}

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
  default     = "tcg"
  description = "QEMU accelerator for the build VM: kvm or tcg."
}

variable "serial_log" {
  type        = string
  description = "File that receives the build VM's serial console."
}

source "qemu" "debian" {
  disk_image       = true
  iso_url          = "${var.base_dir}/disk.img"
  iso_checksum     = var.base_checksum
  format           = "qcow2"
  disk_interface   = "virtio"
  net_device       = "virtio-net"
  accelerator      = var.accelerator
  cpus             = 2
  memory           = 1024
  headless         = true
  vnc_bind_address = "127.0.0.1"
  output_directory = var.output_dir
  vm_name          = "clusteros-node.qcow2"
  # Keep the base's size (Packer would grow it to 40 GiB): node disks may be as small as 4 GiB.
  disk_size        = "3072M"
  qemuargs = [
    ["-kernel", "${var.base_dir}/vmlinuz"],
    ["-initrd", "${var.base_dir}/initrd.img"],
    ["-append", "root=LABEL=clusteros-root rw console=ttyS0 cloud-init=disabled"],
    ["-serial", "file:${var.serial_log}"],
  ]
  communicator         = "ssh"
  ssh_username         = "root"
  ssh_private_key_file = "${var.base_dir}/packer_ed25519"
  ssh_timeout          = "15m"
  # Host keys and the build key go last: Packer needs them to send this command.
  shutdown_command = "rm -rf /root/.ssh /etc/ssh/ssh_host_* && systemctl poweroff"
}

build {
  sources = ["source.qemu.debian"]

  provisioner "shell" {
    inline = ["mkdir -p /tmp/clusteros-payload"]
  }

  provisioner "file" {
    source      = "${var.payload_dir}/"
    destination = "/tmp/clusteros-payload"
  }

  provisioner "shell" {
    scripts = [
      "${path.root}/../common/provision/10-packages.sh",
      "${path.root}/../common/provision/15-bootloader.sh",
      "${path.root}/../common/provision/20-k3s.sh",
      "${path.root}/../common/provision/30-node-agent.sh",
      "${path.root}/../common/provision/40-services.sh",
      "${path.root}/../common/provision/45-cloud-init.sh",
    ]
  }

  provisioner "file" {
    direction   = "download"
    source      = "/tmp/clusteros-boot/vmlinuz"
    destination = "${var.boot_dir}/vmlinuz"
  }

  provisioner "file" {
    direction   = "download"
    source      = "/tmp/clusteros-boot/initrd.img"
    destination = "${var.boot_dir}/initrd.img"
  }

  provisioner "shell" {
    scripts = ["${path.root}/../common/provision/90-cleanup.sh"]
  }
}
