# shellcheck shell=bash
# The installer, tested the way CoreOS's testiso does it: release artifacts made with
# `make usb` from the test stack's image (with a NoCloud seed, an install.conf and the stack's
# network pre-seed), then plain QEMU VMs, firmware boot only (no -kernel):
#   1. a disk that holds partitions: the installer refuses, powers off, the disk is unchanged;
#   2. an empty disk: the installer boots from the ISO as a CD, installs unattended, powers off;
#   3. that disk alone boots through SeaBIOS and comes up with the seed's identity (hostname,
#      SSH key) and the pre-seeded network, the root grown to the disk. (OVMF booting the same
#      disk is the UEFI stack's node in e2e.sh: its fresh variable store has no boot entry
#      either, so the firmware takes the removable-media path, as here.)
# The VMs' only network is QEMU's user network with restrict=on: nothing leaves QEMU but the
# forwarded SSH port on this namespace's 127.0.0.1.
# Expects WORK, STACK and the helpers of lib.sh.

# firmware_boot_checks STACK NODE bios|uefi: the lab node booted its disk through firmware,
# as hardware does: no kernel in its domain, GRUB on its serial console, and (uefi) OVMF
# loaded with a variable store of its own. The node being healthy (cloud-init done, SSH)
# is checked by lab status.
firmware_boot_checks() {
  local stack="$1" n="$2" fw="$3" dom="clusteros-lab-$1-node-$2" xml
  xml="$(virsh -c qemu:///system dumpxml "$dom")"
  check "$stack node $n: boots its disk through firmware, no kernel given by the domain ($fw)" \
    bash -c "! grep -q '<kernel>' <<<\"\$1\" && grep -q \"<boot dev='hd'/>\" <<<\"\$1\"" _ "$xml"
  if [ "$fw" = uefi ]; then
    check "$stack node $n: UEFI firmware (OVMF) with the node's own variable store" \
      bash -c "grep -q \"<loader.*OVMF_CODE\" <<<\"\$1\" && grep -q \"<nvram.*$dom\" <<<\"\$1\"" _ "$xml"
  fi
  check "$stack node $n: GRUB booted the kernel (its menu is on the serial console)" \
    until_ok 60 grep -aq "GNU GRUB" "/var/log/libvirt/qemu/$dom-serial.log"
  check "$stack node $n: healthy (cloud-init done, SSH, mesh, SLURM) after a $fw boot" \
    quietly "$WORK/status-$stack.log" in_host scripts/lab.sh --stack "$stack" status --wait 300 \
    || cat "$WORK/status-$stack.log"
}

# The test's WiFi passphrase: set as a secret, it must never be readable in the state or
# the outputs, only in the installed machine's 0600 iwd file.
E2E_PSK="e2e-psk-$RANDOM-$RANDOM-not-in-state"

# bare_metal_config STACK: a network pre-seed for machines installed from STACK's medium
# (wired DHCP, which the installed VM's user network answers, and a WiFi network).
bare_metal_config() {
  pulumi config set --stack "$1" --path bareMetal.network.wired.dhcp true >/dev/null
  pulumi config set --stack "$1" --path bareMetal.network.wifi.ssid "ClusterOS Lab" >/dev/null
  pulumi config set --stack "$1" --secret --path bareMetal.network.wifi.psk "$E2E_PSK" >/dev/null
}

INSTALL_TIMEOUT="${CLUSTEROS_LAB_INSTALL_TIMEOUT:-900}"

# qemu_vm NAME SERIAL-LOG ARGS...: a TCG VM with SeaBIOS, in the background; its pid in VM_PID.
qemu_vm() {
  local name="$1" serial="$2"; shift 2
  qemu-system-x86_64 -name "clusteros-e2e-$name" -machine q35,accel=tcg -m 1024 -smp 1 \
    -display none -serial "file:$serial" -monitor none "$@" &
  VM_PID=$!
}

# vm_ends PID SECONDS: the VM powers itself off in time (else it is killed and this fails).
vm_ends() {
  local pid="$1" deadline=$(( $(date +%s) + $2 ))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then kill "$pid"; wait "$pid" 2>/dev/null; return 1; fi
    sleep 2
  done
  wait "$pid" 2>/dev/null
  return 0
}

metal() { # metal CMD...: on the installed machine, as the seed's user with the seed's key
  ssh -i "$WORK/metal" -p "$METAL_PORT" "${SSH_OPTS[@]}" clusteros@127.0.0.1 "$@"
}

metal_answers() { metal true 2>/dev/null; }
metal_is_seeded() { [ "$(metal 'cloud-init status | grep -q done && hostname')" = metal-1 ]; }
metal_root_grown() { [ "$(metal df -BG --output=size / | tail -n1 | tr -dc 0-9)" -ge 5 ]; }

# free_port: a TCP port nothing listens on here, from the kernel's ephemeral range.
free_port() {
  local p
  for p in $(shuf -i "$(tr '\t' - < /proc/sys/net/ipv4/ip_local_port_range)" -n 20); do
    [ -n "$(ss -Hltn "sport = :$p")" ] || { echo "$p"; return 0; }
  done
  return 1
}

# The seed a user would put on the medium for one machine: its name and who may log in.
write_install_inputs() {
  ssh-keygen -q -t ed25519 -N '' -C e2e-metal -f "$WORK/metal"
  mkdir -p "$WORK/seed"
  cat > "$WORK/seed/user-data" <<EOF
#cloud-config
hostname: metal-1
users:
  - name: clusteros
    sudo: "ALL=(ALL) NOPASSWD:ALL"
    shell: /bin/bash
    ssh_authorized_keys: ["$(cat "$WORK/metal.pub")"]
EOF
  printf 'instance-id: metal-1\nlocal-hostname: metal-1\n' > "$WORK/seed/meta-data"
  # The test wants the VM off after a refusal, not a shell on its console.
  printf 'on_error=poweroff\nafter=poweroff\n' > "$WORK/install.conf"
}

# Boots the installed disk alone, through SeaBIOS, and checks the machine.
installed_boot_checks() {
  local serial="$WORK/metal-bios.log"
  METAL_PORT="$(free_port)"
  qemu_vm metal-bios "$serial" -drive "file=$WORK/target.qcow2,if=virtio,format=qcow2" \
    -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$METAL_PORT-:22" -device virtio-net-pci,netdev=n0
  local pid=$VM_PID
  check "installed disk, bios: boots through firmware alone and answers SSH with the seed's key" \
    until_ok 600 metal_answers || tail -20 "$serial"
  check "installed disk, bios: cloud-init done, hostname from the seed" until_ok 300 metal_is_seeded
  check "installed disk, bios: the kernel was started by BIOS firmware" metal test ! -d /sys/firmware/efi
  check "installed disk, bios: the root file system was grown to the 6 GiB disk" metal_root_grown
  preseed_checks
  metal sudo poweroff >/dev/null 2>&1
  vm_ends "$pid" 120 || record FAIL "installed disk, bios: the VM did not power off"
}

# The stack's bareMetal.network (wired DHCP and a WiFi network, set by the e2e) reached the
# installed system: networkd brought the wired NIC up, iwd holds the WiFi secret, root only.
preseed_checks() {
  check "installed disk: the wired network is the pre-seed's (systemd-networkd), cloud-init's is off" \
    metal 'networkctl status --no-pager "$(ls /sys/class/net | grep -E "^(en|eth)" | head -n1)" | grep -q "Network File: /etc/systemd/network/60-clusteros-wired.network" && test -f /etc/cloud/cloud.cfg.d/99-clusteros-bare-metal.cfg'
  check "installed disk: iwd is enabled and its WiFi secret file is mode 600, root's" \
    metal 'systemctl is-enabled iwd.service >/dev/null && [ "$(sudo sh -c "stat -c \"%a %U\" /var/lib/iwd/*.psk")" = "600 root" ]'
}

install_checks() {
  write_install_inputs
  check "make usb writes raw, raw.gz, the installer ISO and SHA256SUMS with a seed and the network pre-seed" \
    quietly "$WORK/usb.log" env DIST_DIR="$WORK/dist" make usb STACK="$STACK" SEED="$WORK/seed" INSTALL_CONF="$WORK/install.conf" \
    || { tail -20 "$WORK/usb.log"; return 1; }
  check "the artifacts match their SHA256SUMS" bash -c "cd '$WORK/dist' && sha256sum --quiet -c SHA256SUMS"
  check "the ISO, which holds a seed and a pre-seed, is readable by its owner only" mode_ok "$WORK/dist/clusteros-installer.iso" 077
  check "the WiFi passphrase is in neither the state, the stack file nor the outputs, in plain text" \
    bash -c "! { pulumi stack export --stack '$STACK'; cat 'Pulumi.$STACK.yaml'; pulumi stack output --stack '$STACK' --json; } | grep -q -F '$E2E_PSK'"
  local iso="$WORK/dist/clusteros-installer.iso"

  # 1. A disk that holds partitions, and no overwrite: refused, nothing written.
  qemu-img create -q -f raw "$WORK/used.raw" 1G
  sgdisk -n 1:0:+100M -t 1:8300 "$WORK/used.raw" >/dev/null && printf 'precious data' | dd of="$WORK/used.raw" bs=1M seek=2 conv=notrunc status=none
  local before; before="$(sha256sum < "$WORK/used.raw")"
  qemu_vm refuse "$WORK/install-refuse.log" -drive "file=$WORK/used.raw,if=virtio,format=raw" \
    -drive "file=$iso,media=cdrom,readonly=on" -boot once=d
  check "installer on a disk with partitions: refuses and powers off" vm_ends "$VM_PID" 300 \
    || tail -20 "$WORK/install-refuse.log"
  check "the refusal names the disk's partitions and the overwrite setting" \
    grep -q "REFUSED: /dev/vda is not empty (partitions: vda1); to install over it, set clusteros.overwrite=yes" "$WORK/install-refuse.log"
  check "the refused disk is unchanged (same checksum)" test "$(sha256sum < "$WORK/used.raw")" = "$before"

  # 2. An empty disk: installed without a person, then the VM powers off.
  qemu-img create -q -f qcow2 "$WORK/target.qcow2" 6G
  local start; start=$(date +%s)
  qemu_vm install "$WORK/install.log" -drive "file=$WORK/target.qcow2,if=virtio,format=qcow2" \
    -drive "file=$iso,media=cdrom,readonly=on" -boot once=d
  check "installer on an empty disk (BIOS, CD): installs unattended and powers off" vm_ends "$VM_PID" "$INSTALL_TIMEOUT" \
    || tail -30 "$WORK/install.log"
  echo "  install took $(( $(date +%s) - start ))s"
  check "the installer verified the image, wrote it, added the seed and the pre-seed" \
    bash -c "grep -q 'installed ClusterOS on /dev/vda' '$WORK/install.log' && grep -q 'NoCloud seed added' '$WORK/install.log' && grep -q 'network pre-seed added' '$WORK/install.log'"

  # 3. The installed disk, alone.
  installed_boot_checks
}
