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

/** What SageMaker does with Std:Join / Std:JsonGet / Get at run time, for a given report and parameters. */
export function evaluateExpression(value: unknown, report: Record<string, unknown>, parameters: Record<string, unknown>, outputs: Record<string, string>): unknown {
    const v = value as Record<string, any>;
    if (typeof value !== "object" || value === null) {
        return value;
    }
    if ("Std:Join" in v) {
        return v["Std:Join"].Values.map((item: unknown) => String(evaluateExpression(item, report, parameters, outputs))).join(v["Std:Join"].On);
    }
    if ("Std:JsonGet" in v) {
        return v["Std:JsonGet"].Path.split(".").reduce((node: any, key: string) => node?.[key], report);
    }
    if ("Get" in v) {
        const get = v.Get as string;
        if (get.startsWith("Parameters.")) {
            return parameters[get.slice("Parameters.".length)];
        }
        return outputs[get];
    }
    throw new Error(`unknown expression ${JSON.stringify(value)}`);
}
