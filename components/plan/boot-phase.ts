// Where a node's boot is, read from what its serial console printed since the boot began
// (the firmware's and GRUB's screens, the kernel's messages on console=ttyS0, systemd's
// banner, cloud-init's stage lines). Pure: the provider that waits for a node to answer SSH
// (providers/remote-command.ts) feeds it the console's new text and shows each new phase.
// Dynamic providers carry this function into their own process: it uses nothing from
// outside itself.

/** Where the console's latest boot begins: its last GRUB screen (0 when it shows none). */
export function lastBootStart(consoleText: string): number {
    return Math.max(0, consoleText.lastIndexOf("GNU GRUB"));
}

/**
 * The furthest phase the console's latest boot reaches: "firmware" before anything is
 * printed, then "GRUB", "kernel", "systemd", "cloud-init <stage>" for each of cloud-init's
 * four stages (two when the seed skips the later ones), and "cloud-init done".
 */
export function bootPhase(consoleText: string): string {
    const text = consoleText.slice(lastBootStart(consoleText));
    // Later phases first: the first that matches is the furthest reached.
    const phases: [RegExp, string | ((m: RegExpMatchArray) => string)][] = [
        [/Cloud-init v\. \S+ finished at/, "cloud-init done"],
        // A seed that needs no later stage: the image records the result itself (images/common/cloud).
        [/ClusterOS: cloud-init done/, "cloud-init done"],
        [/Cloud-init v\. \S+ running '([a-z:-]+)'/, (m) => `cloud-init ${m[1]}`],
        [/Welcome to .*Linux/, "systemd"],
        [/\] Linux version \d/, "kernel"],
        [/GNU GRUB/, "GRUB"],
    ];
    for (const [pattern, label] of phases) {
        const matches = [...text.matchAll(new RegExp(pattern.source, "g"))];
        if (matches.length === 0) continue;
        return typeof label === "string" ? label : label(matches[matches.length - 1]);
    }
    return "firmware";
}
