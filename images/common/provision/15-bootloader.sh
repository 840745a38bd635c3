#!/usr/bin/env bash
# The image boots through firmware, as hardware does, from one disk:
#   BIOS: GRUB's core image in the BIOS boot partition, boot code in the protective MBR;
#   UEFI: GRUB at the removable-media path EFI/BOOT/BOOTX64.EFI, which firmware finds
#         without NVRAM entries (a fresh server, a USB stick, a new VM's variable store).
# Both read /boot/grub/grub.cfg on the root filesystem, found by UUID. Also leaves the
# image's kernel and initrd in /tmp/clusteros-boot: the installer medium boots them.
. /tmp/clusteros-payload/lib.sh
root_part="$(findmnt -no SOURCE /)"
disk="/dev/$(lsblk -no PKNAME "$root_part")"
[ -b "$disk" ] || { say "cannot find the disk under $root_part"; exit 1; }
mountpoint -q /boot/efi || mount /boot/efi
install -D -m 0644 "$PAYLOAD/grub/90-clusteros.cfg" /etc/default/grub.d/90-clusteros.cfg
# The initramfs mounts a local root: the hook keeps network-root drivers out of every
# initramfs built from now on (the Debian base's was already built with it).
install -D -m 0755 "$PAYLOAD/initramfs/zz-clusteros-local-root" /etc/initramfs-tools/hooks/zz-clusteros-local-root
grub-install --target=i386-pc "$disk"
grub-install --target=x86_64-efi --efi-directory=/boot/efi --removable --no-nvram
update-grub
[ -f /boot/efi/EFI/BOOT/BOOTX64.EFI ] || { say "no EFI/BOOT/BOOTX64.EFI on the ESP"; exit 1; }
# iwd is for bare-metal WiFi: off in the image, the network pre-seed enables it.
systemctl disable iwd.service 2>/dev/null || true
mkdir -p /tmp/clusteros-boot
kernel="$(find /boot -maxdepth 1 -name 'vmlinuz-*' | sort -V | tail -n1)"
cp "$kernel" /tmp/clusteros-boot/vmlinuz
cp "/boot/initrd.img-${kernel#/boot/vmlinuz-}" /tmp/clusteros-boot/initrd.img
say "GRUB installed for BIOS and UEFI on $disk ($(uname -r) boots from $(grep -o 'root=[^ ]*' /boot/grub/grub.cfg | head -n1))"
