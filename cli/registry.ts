// The model registry as the CLI reads it: versions of a model package group, their approval status and
// the CustomerMetadataProperties the pipeline's RegisterModel step writes (registerStep in
// components/pipelineDefinition.ts: the quality metrics and where the version came from).
import {
    DescribeModelPackageCommand,
    DescribeModelPackageCommandOutput,
    DescribeModelPackageGroupCommand,
    ListModelPackagesCommandInput,
    ModelPackageSummary,
    paginateListModelPackages,
    SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { MODEL_METADATA, MONITORING_BASELINE, QUALITY_METRICS } from "../components/pipelineDefinition";
import { UsageError } from "./errors";

/** Approval statuses of a model package version (ModelApprovalStatus). */
export const APPROVAL_STATUSES = ["Approved", "Rejected", "PendingManualApproval"] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/**
 * AWS gives every versioned model package a status, PendingManualApproval unless its registration said
 * otherwise; an emulator may leave it unset, which is shown as what AWS would show.
 */
export const DEFAULT_APPROVAL_STATUS: ApprovalStatus = "PendingManualApproval";

export function approvalStatusOf(modelPackage: { ModelApprovalStatus?: string }): string {
    return modelPackage.ModelApprovalStatus ?? DEFAULT_APPROVAL_STATUS;
}

// arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>; group names as CreateModelPackageGroup allows them.
const VERSIONED_MODEL_PACKAGE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/([a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62})\/(\d+)$/;
const ARN_SHAPE = "arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>";

export type ModelVersionTarget =
    | { readonly kind: "version"; readonly version: number }
    | { readonly kind: "arn"; readonly arn: string; readonly group: string; readonly version: number };

/** A version number of the group, or a versioned model package ARN; anything else is a UsageError. */
export function parseModelVersionTarget(value: string, argument = "version-or-arn"): ModelVersionTarget {
    const trimmed = value.trim();
    if (/^\d+$/.test(trimmed) && Number(trimmed) >= 1 && Number.isSafeInteger(Number(trimmed))) {
        return { kind: "version", version: Number(trimmed) };
    }
    if (trimmed.startsWith("arn:")) {
        const match = VERSIONED_MODEL_PACKAGE_ARN.exec(trimmed);
        if (!match) {
            throw new UsageError([`<${argument}>: ${JSON.stringify(value)} is not a versioned model package ARN; expected ${ARN_SHAPE} (see the models command).`]);
        }
        return { kind: "arn", arn: trimmed, group: match[1], version: Number(match[2]) };
    }
    throw new UsageError([
        `<${argument}>: ${JSON.stringify(value)} is neither a version number (1, 2, ...) of the model package group nor a model package ARN (${ARN_SHAPE}); see the models command.`,
    ]);
}

/** Checks that the group exists, so that an empty listing is never mistaken for a missing group. */
export async function describeGroup(client: SageMakerClient, group: string): Promise<void> {
    await client.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: group }));
}

export interface ListVersionsOptions {
    readonly status?: ApprovalStatus;
    readonly limit: number;
}

/** The newest `limit` versions of the group (with `status` only), newest first. */
export async function listVersions(client: SageMakerClient, group: string, options: ListVersionsOptions): Promise<ModelPackageSummary[]> {
    const input: ListModelPackagesCommandInput = {
        ModelPackageGroupName: group,
        ModelPackageType: "Versioned",
        SortBy: "CreationTime",
        SortOrder: "Descending",
        MaxResults: Math.min(options.limit, 100),
        ...(options.status ? { ModelApprovalStatus: options.status } : {}),
    };
    const versions: ModelPackageSummary[] = [];
    for await (const page of paginateListModelPackages({ client, pageSize: input.MaxResults }, input)) {
        versions.push(...(page.ModelPackageSummaryList ?? []));
        if (versions.length >= options.limit) {
            break;
        }
    }
    // Filtered and sorted again because an emulator may not (moto leaves a status unset); on AWS a no-op.
    return versions
        .filter((version) => options.status === undefined || approvalStatusOf(version) === options.status)
        .sort((a, b) => (b.ModelPackageVersion ?? 0) - (a.ModelPackageVersion ?? 0))
        .slice(0, options.limit);
}

/** The summary of version `version` of the group; a UsageError naming the newest version when there is none. */
export async function findVersion(client: SageMakerClient, group: string, version: number, argument = "version-or-arn"): Promise<ModelPackageSummary> {
    let newest: number | undefined;
    const pages = paginateListModelPackages(
        { client, pageSize: 100 },
        { ModelPackageGroupName: group, ModelPackageType: "Versioned", SortBy: "CreationTime", SortOrder: "Descending", MaxResults: 100 },
    );
    for await (const page of pages) {
        for (const summary of page.ModelPackageSummaryList ?? []) {
            const number = summary.ModelPackageVersion ?? 0;
            newest = Math.max(newest ?? 0, number);
            if (number === version) {
                return summary;
            }
        }
        // Versions grow with creation time: once the pages are below the version asked for, it is not there.
        const last = page.ModelPackageSummaryList?.at(-1)?.ModelPackageVersion;
        if (last !== undefined && last < version) {
            break;
        }
    }
    if (newest === undefined) {
        await describeGroup(client, group);
    }
    throw new UsageError([
        newest === undefined
            ? `<${argument}>: model package group ${group} has no versions yet, so there is no version ${version}.`
            : `<${argument}>: model package group ${group} has no version ${version}; its newest is ${newest} (see the models command).`,
    ]);
}

export async function describeVersion(client: SageMakerClient, arn: string): Promise<DescribeModelPackageCommandOutput> {
    return client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
}

/** The quality metrics a version carries (CustomerMetadataProperties, as strings), by label; null when absent or not a number. */
export function versionMetrics(properties: Readonly<Record<string, string>> | undefined): Record<string, number | null> {
    return Object.fromEntries(
        QUALITY_METRICS.map((metric) => {
            const text = properties?.[metric.metadataKey];
            const value = text === undefined || text.trim() === "" ? NaN : Number(text);
            return [metric.label, Number.isFinite(value) ? value : null];
        }),
    );
}

/** The pipeline execution that registered a version: the RegisterModel step's metadata, else SageMaker's GeneratedBy. */
export function producingExecution(modelPackage: Pick<DescribeModelPackageCommandOutput, "CustomerMetadataProperties" | "MetadataProperties">): string | undefined {
    return modelPackage.CustomerMetadataProperties?.[MODEL_METADATA.pipelineExecutionArn] || modelPackage.MetadataProperties?.GeneratedBy || undefined;
}

export const formatMetric = (value: number | null | undefined): string => (typeof value === "number" ? value.toFixed(3) : "-");

/** `mAP50-95 0.535, mAP50 0.812, precision 0.778, recall 0.701` (metrics a version lacks are left out). */
export function metricsSummary(metrics: Readonly<Record<string, number | null>>): string {
    return Object.entries(metrics)
        .filter(([, value]) => value !== null)
        .map(([label, value]) => `${label} ${formatMetric(value)}`)
        .join(", ");
}

/** The files a Model Monitor baseline prefix holds (what the baselining job writes and the schedule reads). */
/** The files of a baseline prefix, as the pipeline's BaselineStatistics step names them. */
export const BASELINE_FILES = { statistics: MONITORING_BASELINE.statisticsFile, constraints: MONITORING_BASELINE.constraintsFile } as const;

export type VersionBaseline =
    | { readonly kind: "none" }
    | { readonly kind: "prefix"; readonly prefix: string; readonly statistics: string; readonly constraints: string }
    | { readonly kind: "unusable"; readonly problem: string };

/**
 * The Model Monitor baseline a version was registered with (ModelMetrics.ModelDataQuality: the statistics and
 * constraints the baselining job wrote), as the one S3 prefix the data-quality schedule is given: both files
 * must sit side by side under their standard names, since the schedule's job definition names the prefix only.
 */
export function versionBaseline(modelPackage: Pick<DescribeModelPackageCommandOutput, "ModelMetrics">): VersionBaseline {
    const quality = modelPackage.ModelMetrics?.ModelDataQuality;
    const statistics = quality?.Statistics?.S3Uri;
    const constraints = quality?.Constraints?.S3Uri;
    if (!statistics && !constraints) {
        return { kind: "none" };
    }
    if (!statistics || !constraints) {
        return { kind: "unusable", problem: `ModelMetrics.ModelDataQuality has ${statistics ? "Statistics" : "Constraints"} but no ${statistics ? "Constraints" : "Statistics"}` };
    }
    const folder = (uri: string) => uri.slice(0, uri.lastIndexOf("/") + 1);
    if (!statistics.endsWith(`/${BASELINE_FILES.statistics}`) || !constraints.endsWith(`/${BASELINE_FILES.constraints}`) || folder(statistics) !== folder(constraints)) {
        return {
            kind: "unusable",
            problem: `its baseline files ${statistics} and ${constraints} are not ${BASELINE_FILES.statistics} and ${BASELINE_FILES.constraints} under one prefix, which is what the monitoring schedule reads`,
        };
    }
    return { kind: "prefix", prefix: folder(statistics), statistics, constraints };
}

/** The version a versioned model package ARN names (e.g. a deployed model's ModelPackageName), else undefined. */
export function versionOfModelPackageArn(arn: string | undefined): { group: string; version: number } | undefined {
    const match = arn === undefined ? null : VERSIONED_MODEL_PACKAGE_ARN.exec(arn);
    return match ? { group: match[1], version: Number(match[2]) } : undefined;
}
