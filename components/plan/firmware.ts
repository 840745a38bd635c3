// Where Debian's ovmf package puts the UEFI firmware: the code (read-only pflash) and the
// template each node's own variable store is copied from. One place for both paths.
import type { Firmware } from "./config-types";

export const OVMF = {
    code: "/usr/share/OVMF/OVMF_CODE_4M.fd",
    varsTemplate: "/usr/share/OVMF/OVMF_VARS_4M.fd",
} as const;

/** The domain settings for a firmware: none for SeaBIOS (libvirt's default), OVMF's for UEFI. */
export function firmwareOf(firmware: Firmware, domainName: string): { firmware?: string; nvram?: { file: string; template: string } } {
    if (firmware === "bios") return {};
    return {
        firmware: OVMF.code,
        nvram: { file: `/var/lib/libvirt/qemu/nvram/${domainName}_VARS.fd`, template: OVMF.varsTemplate },
    };
}
