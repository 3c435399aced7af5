/** Every `{Get: ...}` reference anywhere in a value of a pipeline definition. */
export function references(value: unknown): string[] {
    if (Array.isArray(value)) {
        return value.flatMap(references);
    }
    if (value && typeof value === "object") {
        const get = (value as { Get?: unknown }).Get;
        return [...(typeof get === "string" ? [get] : []), ...Object.values(value).flatMap(references)];
    }
    return [];
}
