// "Did you mean ...?" for misspelt config keys: the known key nearest by edit distance. Pure.

/** Levenshtein distance. */
function distance(a: string, b: string): number {
    const d = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let prev = d[0];
        d[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const cur = d[j];
            d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = cur;
        }
    }
    return d[b.length];
}

/** The known key a misspelt one most likely means, if any is close (case is ignored). */
export function closest(key: string, known: readonly string[]): string | undefined {
    const scored = known.map((k) => ({ k, d: distance(key.toLowerCase(), k.toLowerCase()) })).sort((a, b) => a.d - b.d);
    return scored[0] && scored[0].d <= Math.max(2, Math.floor(key.length / 4)) ? scored[0].k : undefined;
}
