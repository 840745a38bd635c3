# ClusterOS node image: one source per flavor, one build that runs the same provisioning on
# both and writes a qcow2 that boots through firmware. Built by images/build.sh with
# `packer build -only=qemu.debian` or `-only=qemu.ubuntu`; variables in variables.pkr.hcl.

# Debian 12: boots the mmdebstrap base (images/debian/build-base.sh) with direct kernel boot
# (the base has no boot loader yet: 15-bootloader.sh installs it). Works without internet
# (Packer talks to the guest over loopback).
source "qemu" "debian" {
  disk_image       = true
  iso_url          = "${var.base_dir}/disk.img"
  iso_checksum     = var.base_checksum
  format           = "qcow2"
  disk_interface   = "virtio"
  net_device       = "virtio-net"
  accelerator      = var.accelerator != "" ? var.accelerator : "tcg"
  cpus             = 2
  memory           = 1024
  headless         = true
  vnc_bind_address = "127.0.0.1"
  output_directory = var.output_dir
  vm_name          = "clusteros-node.qcow2"
  # Keep the base's size (Packer would grow it to 40 GiB): node disks may be as small as 4 GiB.
  disk_size = "3072M"
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

# Ubuntu 24.04 (the production image): starts from the pinned official cloud image
# (images/ubuntu/fetch.sh), which cloud-init configures for the build through NoCloud over
# Packer's HTTP server (images/ubuntu/build-user-data.mustache).
source "qemu" "ubuntu" {
  disk_image       = true
  iso_url          = var.cloud_image
  iso_checksum     = var.cloud_image_checksum
  format           = "qcow2"
  disk_size        = "8192M"
  disk_interface   = "virtio"
  net_device       = "virtio-net"
  accelerator      = var.accelerator != "" ? var.accelerator : "kvm"
  cpus             = 2
  memory           = 2048
  headless         = true
  vnc_bind_address = "127.0.0.1"
  http_directory   = var.http_dir
  output_directory = var.output_dir
  vm_name          = "clusteros-node.qcow2"
  qemuargs = [
    ["-smbios", "type=1,serial=ds=nocloud-net;s=http://{{ .HTTPIP }}:{{ .HTTPPort }}/"],
    ["-serial", "file:${var.serial_log}"],
  ]
  communicator         = "ssh"
  ssh_username         = "root"
  ssh_private_key_file = var.ssh_key
  ssh_timeout          = "20m"
  # Host keys and the build key go last: Packer needs them to send this command.
  shutdown_command = "rm -rf /root/.ssh /etc/ssh/ssh_host_* && systemctl poweroff"
}

build {
  sources = ["source.qemu.debian", "source.qemu.ubuntu"]

  # The cloud image configures itself for the build with cloud-init: let it finish first.
  provisioner "shell" {
    only   = ["qemu.ubuntu"]
    inline = ["cloud-init status --wait || true"]
  }

  # From here on both flavors run the same steps.
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
      "${path.root}/../common/provision/25-kubernetes.sh",
      "${path.root}/../common/provision/30-node-agent.sh",
      "${path.root}/../common/provision/40-services.sh",
      "${path.root}/../common/provision/45-cloud-init.sh",
      "${path.root}/../common/provision/50-extra.sh",
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
