// Parsing the same document text once per evaluation instead of once per policy: every identity policy is
// read by half a dozen policies and every pipeline definition by a dozen, so `parseDocument` and
// `parseDefinition` keep what they made of each text. Parses are shared: callers only read them.

/** `parse`, remembering the result of each text (a parse that throws is not remembered). */
export function cachedByText<T>(parse: (text: string) => T, limit = 4096): (text: string) => T {
    const cache = new Map<string, T>();
    return (text) => {
        const hit = cache.get(text);
        if (hit !== undefined) {
            return hit;
        }
        const parsed = parse(text);
        // A long-running engine sees stack after stack: forget everything rather than grow without bound.
        if (cache.size >= limit) {
            cache.clear();
        }
        cache.set(text, parsed);
        return parsed;
    };
}
