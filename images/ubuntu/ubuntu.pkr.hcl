# ClusterOS node image, Ubuntu 24.04 flavor (the production image): starts from the pinned
# official cloud image (images/ubuntu/fetch.sh), which cloud-init configures for the build
# through NoCloud over Packer's HTTP server, then runs the shared provisioning over SSH.

variable "cloud_image" {
  type        = string
  description = "Path of the verified Ubuntu 24.04 cloud image (images/ubuntu/fetch.sh)."
}

variable "cloud_image_checksum" {
  type        = string
  description = "sha256 of the cloud image, as sha256:<hex>."
}

variable "http_dir" {
  type        = string
  description = "Directory with the build's NoCloud user-data and meta-data."
}

variable "ssh_key" {
  type        = string
  description = "Private key whose public half the build's user-data authorizes for root."
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
  default     = "kvm"
  description = "QEMU accelerator for the build VM: kvm or tcg."
}

variable "serial_log" {
  type        = string
  description = "File that receives the build VM's serial console."
}

source "qemu" "ubuntu" {
  disk_image       = true
  iso_url          = var.cloud_image
  iso_checksum     = var.cloud_image_checksum
  format           = "qcow2"
  disk_size        = "8192M"
  disk_interface   = "virtio"
  net_device       = "virtio-net"
  accelerator      = var.accelerator
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
  sources = ["source.qemu.ubuntu"]

  provisioner "shell" {
    inline = ["cloud-init status --wait || true", "mkdir -p /tmp/clusteros-payload"]
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
