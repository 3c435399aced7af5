// `npm run plan [-- --stack dev] [-- --json] [-- --preview] [-- --policy-pack-config <file>]`: the main job on the
// embedded dev config. Runs the real program under Pulumi mocks (no AWS account, no Pulumi CLI), prints the
// resource tree, writes the pipeline definition to build/, reports what a run and the platform at rest cost
// (tools/costReport.ts), and evaluates the policy pack over the stack; the report and the pack read the same
// pack config, so the report prices a run as the verdict judges it.
import * as fs from "fs";
import * as path from "path";
import { UsageError } from "../cli/errors";
import { readPackConfig } from "../cli/validation";
import { ConfigError, parseConfig } from "../components/config";
import { STEPS } from "../components/pipelineDefinition";
import type { ConditionStep, PipelineDefinition, PipelineStep } from "../components/pipelineDefinition";
import { evaluate, toPolicyResources } from "../policies/offline";
import { costReport, formatCostReport } from "./costReport";
import { runOfflineStack } from "./offlineStack";
import { PROJECT_ROOT, rawStackConfig, stackPolicyConfig, withStackPolicyConfig } from "./stackConfig";

interface PlanOptions {
    stack: string;
    json: boolean;
    preview: boolean;
    /** A `--policy-pack-config` file, as `pulumi preview` and `yolo-pipeline start` take it. */
    policyPackConfig?: string;
}

function parseArgs(argv: string[]): PlanOptions {
    const options: PlanOptions = { stack: "dev", json: false, preview: false };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--json") {
            options.json = true;
        } else if (arg === "--preview") {
            options.preview = true;
        } else if (arg === "--stack" && argv[i + 1]) {
            options.stack = argv[++i];
        } else if (arg === "--policy-pack-config" && argv[i + 1] !== undefined) {
            options.policyPackConfig = argv[++i];
        } else if (arg === "--help" || arg === "-h") {
            process.stdout.write("usage: npm run plan [-- --stack <name>] [--json] [--preview] [--policy-pack-config <file>]\n");
            process.exit(0);
        } else {
            process.stderr.write(`plan: unknown argument ${JSON.stringify(arg)}; expected --stack <name>, --json, --preview or --policy-pack-config <file>\n`);
            process.exit(2);
        }
    }
    return options;
}

/** `4 h`, `1.5 h`, `20 min`. */
function duration(seconds: unknown): string {
    const value = Number(seconds);
    return value >= 3600 ? `${Number((value / 3600).toFixed(2))} h` : `${Number((value / 60).toFixed(1))} min`;
}

/** One step as the plan prints it: a job with its instances and runtime, any other step with its type. */
function stepSummary(step: PipelineStep, definition: PipelineDefinition): string {
    const valueOf = (value: unknown): string => {
        const get = (value as { Get?: string } | undefined)?.Get;
        if (get?.startsWith("Parameters.")) {
            const name = get.slice("Parameters.".length);
            return `${String(definition.Parameters.find((parameter) => parameter.Name === name)?.DefaultValue)} (${name})`;
        }
        return String(value);
    };
    if (step.Type === "Training") {
        const a = step.Arguments;
        const spot = a.EnableManagedSpotTraining === true ? ", managed spot" : "";
        return `${step.Name} (Training on ${valueOf(a.ResourceConfig?.InstanceType)} x ${valueOf(a.ResourceConfig?.InstanceCount)}${spot}, max ${duration(a.StoppingCondition?.MaxRuntimeInSeconds)})`;
    }
    if (step.Type === "Processing") {
        const cluster = step.Arguments.ProcessingResources?.ClusterConfig;
        return `${step.Name} (Processing on ${valueOf(cluster?.InstanceType)} x ${valueOf(cluster?.InstanceCount)}, max ${duration(step.Arguments.StoppingCondition?.MaxRuntimeInSeconds)})`;
    }
    return `${step.Name} (${step.Type})`;
}

function summarize(steps: readonly PipelineStep[], definition: PipelineDefinition): string[] {
    return steps.flatMap((step) => (step.Type === "Condition" ? conditionSummary(step, definition) : [stepSummary(step, definition)]));
}

/**
 * A chain of Condition steps, each nesting the next as its only if-step and failing the run otherwise, is a
 * gate: `quality gate [A -> B]` followed by the steps that run when every check holds. Any other
 * Condition shows both branches.
 */
function conditionSummary(first: ConditionStep, definition: PipelineDefinition): string[] {
    const chain = [first];
    for (let next = first.Arguments.IfSteps; next.length === 1 && next[0].Type === "Condition"; next = next[0].Arguments.IfSteps) {
        chain.push(next[0]);
    }
    const last = chain[chain.length - 1];
    const gate = chain.every((step) => step.Arguments.ElseSteps.length > 0 && step.Arguments.ElseSteps.every((other) => other.Type === "Fail"));
    if (gate) {
        const kind = first.Name === STEPS.checkDataset ? "dataset check" : "quality gate";
        return [`${kind} [${chain.map((step) => step.Name).join(" -> ")}]`, ...summarize(last.Arguments.IfSteps, definition)];
    }
    const branch = (steps: readonly PipelineStep[]) => summarize(steps, definition).join(" -> ") || "nothing";
    return [`${first.Name} (Condition: if ${branch(first.Arguments.IfSteps)}; else ${branch(first.Arguments.ElseSteps)})`];
}

/** The `steps:` line of the plan: jobs, the quality gate and what runs after it. Exported for testing. */
export function stepsLine(definition: PipelineDefinition): string {
    return summarize(definition.Steps, definition).join(" -> ");
}

async function main(): Promise<void> {
    const options = parseArgs(process.argv.slice(2));
    const packConfig = readPackConfig(options.policyPackConfig);
    const started = Date.now();
    const stack = await runOfflineStack({ stack: options.stack, preview: options.preview });
    const pipeline = stack.resources.find((resource) => resource.type === "aws:sagemaker/pipeline:Pipeline");
    if (!pipeline || typeof pipeline.inputs.pipelineDefinition !== "string") {
        throw new Error("The stack registered no SageMaker pipeline with a known definition.");
    }
    const definition = JSON.parse(pipeline.inputs.pipelineDefinition) as PipelineDefinition;
    const definitionFile = path.join(PROJECT_ROOT, "build", `pipeline-definition.${options.stack}.json`);
    fs.mkdirSync(path.dirname(definitionFile), { recursive: true });
    fs.writeFileSync(definitionFile, `${JSON.stringify(definition, null, 2)}\n`);
    // The program validated this config already; the pack and the report need what they cannot read off a resource.
    const platformConfig = parseConfig(rawStackConfig(options.stack));
    const { replication } = platformConfig;
    const policyConfig = withStackPolicyConfig(stackPolicyConfig(platformConfig), packConfig);
    fs.writeFileSync(path.join(PROJECT_ROOT, "build", `policy-config.${options.stack}.json`), `${JSON.stringify(policyConfig, null, 4)}\n`);
    const violations = await evaluate(toPolicyResources(stack.resources), policyConfig);
    const cost = costReport({ resources: stack.resources, definition, stackRegion: stack.config["aws:region"] ?? "us-east-1" }, {
        replicatedDataGb: replication.estimatedDataGb,
        packConfig: policyConfig,
    });
    const elapsedMs = Date.now() - started;

    if (options.json) {
        const document = {
            stack: options.stack,
            preview: options.preview,
            resources: stack.resources.map((resource) => ({ type: resource.type, name: resource.name, inputs: resource.inputs })),
            outputs: stack.outputs,
            pipelineDefinition: definition,
            pipelineDefinitionFile: path.relative(PROJECT_ROOT, definitionFile),
            cost,
            violations,
        };
        const text = `${JSON.stringify(document, null, 2)}\n`;
        // npm prints its "> script" banner on stdout too; CI can read the file or run `npm run -s plan -- --json`.
        fs.writeFileSync(path.join(PROJECT_ROOT, "build", `plan.${options.stack}.json`), text);
        process.stdout.write(text);
    } else {
        const out: string[] = [];
        const config = stack.config;
        out.push(`Stack ${options.stack} of sagemaker-yolo: profile ${config["aws:profile"]}, region ${config["aws:region"]}${options.preview ? ", preview (provider-computed values unknown)" : ""}`);
        out.push(`(offline: the real program under Pulumi mocks; nothing was sent to AWS)`);
        out.push("");
        const components = stack.resources.filter((resource) => !resource.custom);
        out.push(`Resources (${stack.resources.filter((resource) => resource.custom).length} AWS resources in ${components.length} components)`);
        const printTree = (parent: string | undefined, depth: number) => {
            for (const resource of stack.resources.filter((r) => r.options.parent === parent)) {
                const indent = "  ".repeat(depth + 1);
                const flags = resource.options.retainOnDelete ? "  [retained on destroy]" : "";
                out.push(`${indent}${resource.name.padEnd(40 - indent.length)} ${resource.type}${flags}`);
                if (!resource.custom) {
                    printTree(resource.name, depth + 1);
                }
            }
        };
        printTree(undefined, 0);
        out.push("");
        out.push(`Pipeline ${String(pipeline.inputs.pipelineName)}: definition written to ${path.relative(PROJECT_ROOT, definitionFile)}`);
        out.push(`  parameters: ${definition.Parameters.map((parameter) => `${parameter.Name}=${String(parameter.DefaultValue)}`).join(", ")}`);
        out.push(`  steps:      ${stepsLine(definition)}`);
        out.push("");
        out.push("Outputs");
        const outputWidth = Math.max(...Object.keys(stack.outputs).map((key) => key.length)) + 1;
        for (const [key, value] of Object.entries(stack.outputs)) {
            out.push(`  ${key.padEnd(outputWidth)} ${value === undefined ? "(known after deployment)" : typeof value === "string" ? value : JSON.stringify(value)}`);
        }
        out.push("");
        out.push(...formatCostReport(cost));
        out.push("");
        if (violations.length === 0) {
            const from = options.policyPackConfig ? `the stack's config and ${options.policyPackConfig}` : "the stack's config";
            out.push(`Policy verdict: no violations (policy pack in policies/ with build/policy-config.${options.stack}.json, from ${from})`);
        } else {
            out.push(`Policy verdict: ${violations.length} violation(s)`);
            for (const violation of violations) {
                out.push(`  [${violation.enforcementLevel}] ${violation.policy}${violation.resource ? ` (${violation.resource})` : ""}: ${violation.message}`);
            }
        }
        out.push(`Planned in ${(elapsedMs / 1000).toFixed(1)} s.`);
        process.stdout.write(`${out.join("\n")}\n`);
    }
    if (violations.some((violation) => violation.enforcementLevel === "mandatory")) {
        process.exitCode = 1;
    }
}

// Run as a script (npm run plan); imported by tests for stepsLine.
if (require.main === module) {
    main().catch(fail);
}

function fail(error: unknown): void {
    if (error instanceof ConfigError || error instanceof UsageError) {
        process.stderr.write(`${error.message}\n`);
        process.exit(2);
    }
    process.stderr.write(`plan failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
}
