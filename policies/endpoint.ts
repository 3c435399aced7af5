// Real-time serving: an endpoint bills every hour it exists, for every instance, so its configuration runs on
// allowed inference types with a bounded count and every endpoint has autoscaling limits; its volumes are
// keyed the way SageMaker accepts (EBS types take a key, NVMe types reject one); what it captures of its
// traffic is encrypted and stays in the stack's buckets; Model Monitor's outputs and volumes are encrypted;
// and the roles the model and the monitor run as reach only what serving needs.
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { ofTypes, ScopedResourcePolicy } from "./appliesTo";
import { DEFAULT_INFERENCE_INSTANCE_TYPES, DEFAULT_LIMITS, ENDPOINT_SERVICE, MODEL_MONITOR_SERVICE, SERVICE_TAG_KEY } from "./catalog";
import { integerKnob, knobs, listText, stringList } from "./knobs";
import { storageKind, VolumeKnobs, volumeSchema } from "./pipeline";
import { serviceRoleSteps } from "./roleGrants";
import { indexOf } from "./stackIndex";
import { bucketsByName } from "./storage";
import { eachKnown, elements, isSetOrUnknown, peek, UNKNOWN } from "./unknowns";

export const ENDPOINT_TYPE = "aws:sagemaker/endpoint:Endpoint";
export const ENDPOINT_CONFIG_TYPE = "aws:sagemaker/endpointConfiguration:EndpointConfiguration";
export const DATA_QUALITY_JOB_TYPE = "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition";
export const MONITORING_SCHEDULE_TYPE = "aws:sagemaker/monitoringSchedule:MonitoringSchedule";
export const SCALABLE_TARGET_TYPE = "aws:appautoscaling/target:Target";

/** The variant lists of an endpoint configuration (a shadow variant runs instances too). */
const VARIANT_LISTS = ["productionVariants", "shadowProductionVariants"] as const;

type Json = Record<string, any>;

/** Each variant of a configuration with where it is (`productionVariants[0]`), read one at a time (preview unknowns). */
function variantsOf(props: Json): { where: string; read: () => Json | undefined }[] {
    return VARIANT_LISTS.flatMap((list) =>
        elements(() => props[list]).map((read, index) => ({ where: `${list}[${index}]`, read: () => read() as Json | undefined })),
    );
}

const hasValue = (value: unknown) => value !== undefined && value !== null && value !== "";

interface InstanceKnobs {
    endpointInstanceTypes: string[];
    maxInstanceCount: number;
}
const instanceSchema = {
    properties: {
        endpointInstanceTypes: stringList("Instance types an endpoint configuration's variants (production and shadow) may run on.", DEFAULT_INFERENCE_INSTANCE_TYPES),
        maxInstanceCount: integerKnob("Most instances a variant may start with (initialInstanceCount).", DEFAULT_LIMITS.maxInstanceCount, 1),
    },
};

export const sagemakerEndpointInstanceTypesAllowed: ScopedResourcePolicy = {
    appliesTo: ofTypes(ENDPOINT_CONFIG_TYPE),
    name: "sagemaker-endpoint-instance-types-allowed",
    description:
        "Every variant of a SageMaker endpoint configuration (productionVariants and shadowProductionVariants) runs on an instance type of endpointInstanceTypes and starts with an initialInstanceCount of at most maxInstanceCount. A variant without an instance type (serverless, inference components) is reported: its cost is not bounded by these rules.",
    enforcementLevel: "mandatory",
    configSchema: instanceSchema,
    validateResource: async (args, reportViolation) => {
        if (args.type !== ENDPOINT_CONFIG_TYPE) {
            args.notApplicable("not an endpoint configuration");
        }
        const { endpointInstanceTypes, maxInstanceCount } = knobs<InstanceKnobs>(args, instanceSchema);
        const variants = variantsOf(args.props);
        if (variants.length === 0 && peek(() => args.props.productionVariants) !== UNKNOWN) {
            reportViolation(`Endpoint configuration ${args.name} has no productionVariants; give it one on a type of endpointInstanceTypes.`);
        }
        await eachKnown(variants, ({ where, read }) => {
            const variant = read() ?? {};
            const type = variant.instanceType;
            if (!hasValue(type)) {
                reportViolation(
                    `Endpoint configuration ${args.name} ${where} has no instanceType (a serverless or inference-component variant), so neither its type nor its instance count can be bounded; give it an instanceType of endpointInstanceTypes (${listText(endpointInstanceTypes)}).`,
                );
                return;
            }
            if (!endpointInstanceTypes.includes(String(type))) {
                reportViolation(
                    `Endpoint configuration ${args.name} ${where}.instanceType is "${String(type)}", which is not in endpointInstanceTypes (${listText(endpointInstanceTypes)}); use an allowed type or extend endpointInstanceTypes in the pack config.`,
                );
            }
            const count = variant.initialInstanceCount;
            if (typeof count !== "number") {
                reportViolation(`Endpoint configuration ${args.name} ${where} states no initialInstanceCount; set it to at most ${maxInstanceCount}.`);
            } else if (count > maxInstanceCount) {
                reportViolation(
                    `Endpoint configuration ${args.name} ${where}.initialInstanceCount is ${count}, above maxInstanceCount ${maxInstanceCount}; lower it (autoscaling adds instances when traffic needs them) or raise maxInstanceCount in the pack config.`,
                );
            }
        });
    },
};

export const sagemakerEndpointVolumeKms: ScopedResourcePolicy = {
    appliesTo: ofTypes(ENDPOINT_CONFIG_TYPE),
    name: "sagemaker-endpoint-volume-kms",
    description:
        "A SageMaker endpoint configuration keys its instances' storage volumes the way SageMaker accepts for the types its variants run on: all EBS types (ml.m5, ml.c5, ml.t3…) → kmsKeyArn is required; all NVMe instance-storage types (ml.g4dn, ml.g5…, encrypted in hardware) → kmsKeyArn must be absent, because CreateEndpointConfig fails with a key on them; a mix, or a type of unknown storage, is reported. A key known only after deployment counts as set.",
    enforcementLevel: "mandatory",
    configSchema: volumeSchema,
    validateResource: async (args, reportViolation) => {
        if (args.type !== ENDPOINT_CONFIG_TYPE) {
            args.notApplicable("not an endpoint configuration");
        }
        const { instanceStorage } = knobs<VolumeKnobs>(args, volumeSchema);
        const types: string[] = [];
        await eachKnown(variantsOf(args.props), ({ read }) => {
            const type = read()?.instanceType;
            if (hasValue(type)) {
                types.push(String(type));
            }
        });
        const unknown = [...new Set(types.filter((type) => storageKind(type, instanceStorage) === undefined))];
        const nvme = [...new Set(types.filter((type) => storageKind(type, instanceStorage) === "nvme"))];
        const ebs = [...new Set(types.filter((type) => storageKind(type, instanceStorage) === "ebs"))];
        if (unknown.length > 0) {
            reportViolation(`Endpoint configuration ${args.name} runs on ${listText(unknown)}, whose instance storage is unknown; add the type to the catalog or to instanceStorage ("nvme" or "ebs").`);
        }
        const key = peek(() => args.props.kmsKeyArn);
        const keySet = key === UNKNOWN || hasValue(key);
        if (nvme.length > 0 && ebs.length > 0) {
            reportViolation(
                `Endpoint configuration ${args.name} has variants on NVMe-storage types (${listText(nvme)}) and on EBS types (${listText(ebs)}); SageMaker requires kmsKeyArn for the EBS volumes and rejects it for NVMe types, so put the variants on one storage kind.`,
            );
        } else if (nvme.length > 0 && keySet) {
            reportViolation(
                `Endpoint configuration ${args.name} sets kmsKeyArn but runs on NVMe instance-storage types (${listText(nvme)}), which SageMaker encrypts in hardware and for which CreateEndpointConfig rejects a key; remove kmsKeyArn.`,
            );
        } else if (ebs.length > 0 && !keySet) {
            reportViolation(`Endpoint configuration ${args.name} runs on EBS-backed types (${listText(ebs)}) without kmsKeyArn; set it to the stack's KMS key.`);
        }
    },
};

interface CaptureKnobs {
    allowedBuckets: string[];
    allowedPrefixes: string[];
}
const captureSchema = {
    properties: {
        allowedBuckets: stringList("Buckets outside the stack an endpoint may capture its traffic to (their encryption and access are not checked by this pack).", []),
        allowedPrefixes: stringList(
            "Key prefixes a capture destination must be under (the stack's monitoring/ holds the capture, with its own retention and only the endpoint and Model Monitor roles writing or reading it there; elsewhere, e.g. datasets/, captured traffic would mix with training data).",
            ["monitoring/"],
        ),
    },
};

/** The bucket of an `s3://<bucket>/...` URI. */
function bucketOfUri(uri: unknown): string | undefined {
    return typeof uri === "string" ? /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/|$)/.exec(uri)?.[1] : undefined;
}

export const sagemakerEndpointDataCapture: StackValidationPolicy = {
    name: "sagemaker-endpoint-data-capture",
    description:
        "Every SageMaker endpoint configuration captures its traffic for Model Monitor: dataCaptureConfig with enableCapture true (the provider's default is false), an initialSamplingPercentage above 0 and captureOptions that include Output (the record preprocessor computes every monitored feature from the response and drops a record without one), encrypted with a KMS key (kmsKeyId; a key known only after deployment counts as set), to an s3:// destination in a bucket of the stack (created, or adopted: configured by the stack's S3 resources) or of allowedBuckets, under one of allowedPrefixes (monitoring/).",
    enforcementLevel: "mandatory",
    configSchema: captureSchema,
    validateStack: async (args, reportViolation) => {
        const configs = indexOf(args.resources).ofType(ENDPOINT_CONFIG_TYPE);
        if (configs.length === 0) {
            args.notApplicable("the stack has no endpoint configuration");
        }
        const { allowedBuckets, allowedPrefixes } = knobs<CaptureKnobs>(args, captureSchema);
        const { buckets, pending } = bucketsByName(args.resources);
        const stackBuckets = new Set(buckets.map((view) => view.name));
        const work: (() => void)[] = [...pending];
        for (const config of configs) {
            const label = `Endpoint configuration ${config.name}`;
            const capture = () => config.props.dataCaptureConfig as Json | undefined;
            const report = (message: string) => reportViolation(`${label} ${message}`, config.urn);
            // One step per setting: one unknown during preview must not hide the others.
            work.push(
                () => {
                    if (!capture()) {
                        report("has no dataCaptureConfig, so Model Monitor sees none of its traffic; add one with enableCapture: true, captureOptions Input and Output, the stack's KMS key and a destination under the stack's bucket.");
                    }
                },
                () => {
                    const enabled = capture() && capture()!.enableCapture;
                    if (capture() && enabled !== true) {
                        report(`dataCaptureConfig.enableCapture is ${JSON.stringify(enabled ?? null)}; set it to true (the provider's default is false: nothing is captured).`);
                    }
                },
                () => {
                    const percent = capture()?.initialSamplingPercentage;
                    if (capture() && (typeof percent !== "number" || percent <= 0)) {
                        report(`dataCaptureConfig.initialSamplingPercentage is ${JSON.stringify(percent ?? null)}; capture a share above 0 (1-100).`);
                    }
                },
                () => {
                    if (capture() && elements(() => capture()!.captureOptions).length === 0) {
                        report("dataCaptureConfig has no captureOptions; capture Input and Output (the monitor reads the response).");
                    }
                },
                () => {
                    const options = capture() ? elements(() => capture()!.captureOptions) : [];
                    const modes = options.map((read) => (read() as Json | undefined)?.captureMode);
                    if (options.length > 0 && !modes.includes("Output")) {
                        report(
                            `dataCaptureConfig.captureOptions capture ${listText(modes.map((mode) => JSON.stringify(mode ?? null)))} but not "Output"; add { captureMode: "Output" }: the record preprocessor computes every monitored feature from the endpoint's response and drops a captured request without one, so Model Monitor would see no traffic.`,
                        );
                    }
                },
                () => {
                    if (capture() && !isSetOrUnknown(() => capture()!.kmsKeyId)) {
                        report("dataCaptureConfig has no kmsKeyId, so captured requests and responses are stored without the stack's key; set it to the stack's KMS key.");
                    }
                },
                () => {
                    if (!capture()) {
                        return;
                    }
                    const uri = capture()!.destinationS3Uri;
                    const bucket = bucketOfUri(uri);
                    if (bucket === undefined) {
                        report(`dataCaptureConfig.destinationS3Uri ${JSON.stringify(uri ?? null)} is not an s3://<bucket>/<prefix> URI; capture under the stack's bucket.`);
                    } else if (!stackBuckets.has(bucket) && !allowedBuckets.includes(bucket)) {
                        report(
                            `captures to s3://${bucket}/, which is not a bucket of this stack (${listText([...stackBuckets]) || "none"}), so its encryption, public access and retention are not the stack's; capture under the stack's bucket or list the bucket in allowedBuckets.`,
                        );
                    }
                    const key = String(uri).slice(`s3://${bucket}/`.length);
                    if (bucket !== undefined && !allowedPrefixes.some((prefix) => key.startsWith(prefix))) {
                        report(
                            `dataCaptureConfig.destinationS3Uri ${JSON.stringify(uri)} is not under ${listText(allowedPrefixes.map((prefix) => `s3://${bucket}/${prefix}`))}, where captured traffic has its own retention and readers; capture under ${allowedPrefixes[0] ?? "an allowed prefix"} (e.g. s3://${bucket}/monitoring/data-capture/) or extend allowedPrefixes in the pack config.`,
                        );
                    }
                },
            );
        }
        await eachKnown(work, (step) => step());
    },
};

/** Where a monitoring job's output key, instance type and volume key are, per resource type. */
function monitoringJobsOf(type: string, props: Json): { where: string; outputKey: () => unknown; cluster: () => Json | undefined }[] {
    if (type === DATA_QUALITY_JOB_TYPE) {
        return [{ where: "", outputKey: () => props.dataQualityJobOutputConfig?.kmsKeyId, cluster: () => props.jobResources?.clusterConfig }];
    }
    const inline = props.monitoringScheduleConfig?.monitoringJobDefinition;
    // A schedule that names a job definition is checked through that definition (sagemaker-monitoring-job-in-stack
    // reports one that is not in the stack).
    return inline
        ? [{ where: "monitoringScheduleConfig.monitoringJobDefinition.", outputKey: () => inline.monitoringOutputConfig?.kmsKeyId, cluster: () => inline.monitoringResources?.clusterConfig }]
        : [];
}

export const sagemakerMonitoringEncryption: ScopedResourcePolicy = {
    appliesTo: ofTypes(DATA_QUALITY_JOB_TYPE, MONITORING_SCHEDULE_TYPE),
    name: "sagemaker-monitoring-encryption",
    description:
        "Model Monitor jobs — a DataQualityJobDefinition, or a MonitoringSchedule's inline monitoringJobDefinition — write their reports with a KMS key (dataQualityJobOutputConfig.kmsKeyId / monitoringOutputConfig.kmsKeyId) and key their volume the way SageMaker accepts for the instance type: EBS types require clusterConfig.volumeKmsKeyId, NVMe instance-storage types reject it. A key known only after deployment counts as set.",
    enforcementLevel: "mandatory",
    configSchema: volumeSchema,
    validateResource: async (args, reportViolation) => {
        if (args.type !== DATA_QUALITY_JOB_TYPE && args.type !== MONITORING_SCHEDULE_TYPE) {
            args.notApplicable("not a Model Monitor job");
        }
        const { instanceStorage } = knobs<VolumeKnobs>(args, volumeSchema);
        const label = args.type === DATA_QUALITY_JOB_TYPE ? `Data quality job definition ${args.name}` : `Monitoring schedule ${args.name}`;
        const outputWhere = (where: string) => (where === "" ? "dataQualityJobOutputConfig.kmsKeyId" : `${where}monitoringOutputConfig.kmsKeyId`);
        const clusterWhere = (where: string) => (where === "" ? "jobResources.clusterConfig" : `${where}monitoringResources.clusterConfig`);
        const steps = monitoringJobsOf(args.type, args.props).flatMap((job) => [
            () => {
                if (!isSetOrUnknown(job.outputKey)) {
                    reportViolation(`${label} has no ${outputWhere(job.where)}, so its reports (statistics, violations of the captured traffic) are written without the stack's key; set it.`);
                }
            },
            () => {
                const cluster = job.cluster() ?? {};
                const type = String(cluster.instanceType);
                const kind = storageKind(type, instanceStorage);
                const keySet = isSetOrUnknown(() => cluster.volumeKmsKeyId);
                const where = `${clusterWhere(job.where)}.volumeKmsKeyId`;
                if (kind === undefined) {
                    reportViolation(`${label} runs on ${type}, whose instance storage is unknown; add the type to the catalog or to instanceStorage ("nvme" or "ebs").`);
                } else if (kind === "ebs" && !keySet) {
                    reportViolation(`${label} runs on the EBS-backed ${type} without ${where}; set it to the stack's KMS key.`);
                } else if (kind === "nvme" && keySet) {
                    reportViolation(`${label} sets ${where} but runs on ${type}, whose NVMe instance storage SageMaker encrypts in hardware and for which it rejects a volume key; remove it.`);
                }
            },
        ]);
        await eachKnown(steps, (step) => step());
    },
};

/** Monitoring job definitions sagemaker-monitoring-encryption reads (the other monitoring types are not checked). */
const CHECKED_JOB_DEFINITION_TYPES = [DATA_QUALITY_JOB_TYPE];

export const sagemakerMonitoringJobInStack: StackValidationPolicy = {
    name: "sagemaker-monitoring-job-in-stack",
    description:
        "Every SageMaker MonitoringSchedule runs a job the pack can inspect: an inline monitoringJobDefinition, or a monitoringJobDefinitionName naming a DataQualityJobDefinition of this stack. A schedule naming a job definition made outside the stack (or of a type sagemaker-monitoring-encryption does not read) is reported: whether its reports and volume are encrypted cannot be checked.",
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateStack: async (args, reportViolation) => {
        const index = indexOf(args.resources);
        const schedules = index.ofType(MONITORING_SCHEDULE_TYPE);
        if (schedules.length === 0) {
            args.notApplicable("the stack has no monitoring schedule");
        }
        const definitions = CHECKED_JOB_DEFINITION_TYPES.flatMap((type) => index.ofType(type));
        const work = schedules.map((schedule) => () => {
            const config = schedule.props.monitoringScheduleConfig as Json | undefined;
            if (config?.monitoringJobDefinition) {
                return; // inline: judged by sagemaker-monitoring-encryption
            }
            const named = config?.monitoringJobDefinitionName;
            // Reading every definition's name: one unknown (preview) makes the schedule wait instead of being reported.
            const names = definitions.map((definition) => definition.props.name);
            if (typeof named === "string" && named !== "" && names.includes(named)) {
                return;
            }
            reportViolation(
                typeof named === "string" && named !== ""
                    ? `Monitoring schedule ${schedule.name} runs the job definition "${named}", which is not a DataQualityJobDefinition of this stack (${listText(names.map(String)) || "none"}), so the pack cannot check that its reports and volume are encrypted; define the job in the stack (aws.sagemaker.DataQualityJobDefinition) and name that.`
                    : `Monitoring schedule ${schedule.name} names no job definition (monitoringJobDefinitionName) and has no inline monitoringJobDefinition; name a DataQualityJobDefinition of this stack.`,
                schedule.urn,
            );
        });
        await eachKnown(work, (step) => step());
    },
};

interface ScalingKnobs {
    maxCapacity: number;
}
const scalingSchema = {
    properties: {
        maxCapacity: integerKnob("Most instances autoscaling may give one endpoint variant (the scalable target's maxCapacity).", DEFAULT_LIMITS.maxInstanceCount, 1),
    },
};

const DESIRED_INSTANCE_COUNT = "sagemaker:variant:DesiredInstanceCount";

export const sagemakerEndpointAutoscalingLimits: StackValidationPolicy = {
    name: "sagemaker-endpoint-autoscaling-limits",
    description: `Every SageMaker endpoint has, for each variant of its configuration (matched by endpointConfigName), an Application Auto Scaling target of the stack (aws.appautoscaling.Target, serviceNamespace sagemaker, scalableDimension ${DESIRED_INSTANCE_COUNT}, resourceId endpoint/<endpoint>/variant/<variant>) whose maxCapacity is at most maxCapacity and not below its minCapacity: no endpoint without a ceiling on what it can scale to.`,
    enforcementLevel: "mandatory",
    configSchema: scalingSchema,
    validateStack: async (args, reportViolation) => {
        const index = indexOf(args.resources);
        const endpoints = index.ofType(ENDPOINT_TYPE);
        if (endpoints.length === 0) {
            args.notApplicable("the stack has no endpoint");
        }
        const { maxCapacity } = knobs<ScalingKnobs>(args, scalingSchema);
        const configsByName = new Map<string, PolicyResource>();
        for (const config of index.ofType(ENDPOINT_CONFIG_TYPE)) {
            const name = peek(() => config.props.name);
            if (typeof name === "string") {
                configsByName.set(name, config);
            }
        }
        const targets: { target: PolicyResource; resourceId: string }[] = [];
        const work: (() => void)[] = [];
        for (const target of index.ofType(SCALABLE_TARGET_TYPE)) {
            const resourceId = peek(() => target.props.resourceId);
            if (resourceId === UNKNOWN) {
                work.push(() => void target.props.resourceId);
            } else if (typeof resourceId === "string" && peek(() => target.props.scalableDimension) === DESIRED_INSTANCE_COUNT && peek(() => target.props.serviceNamespace) === "sagemaker") {
                targets.push({ target, resourceId });
            }
        }
        for (const endpoint of endpoints) {
            work.push(() => {
                const name = endpoint.props.name;
                if (typeof name !== "string" || name === "") {
                    reportViolation(`Endpoint ${endpoint.name} has no name, so no autoscaling target can name it; give it a name and register its variants with Application Auto Scaling.`, endpoint.urn);
                    return;
                }
                const prefix = `endpoint/${name}/variant/`;
                const own = targets.filter(({ resourceId }) => resourceId.startsWith(prefix));
                const config = configsByName.get(String(peek(() => endpoint.props.endpointConfigName)));
                const variantNames = config
                    ? variantsOf(config.props)
                          .filter(({ where }) => where.startsWith("productionVariants"))
                          .map(({ read }) => read()?.variantName)
                    : [];
                const named = variantNames.filter((variant): variant is string => typeof variant === "string" && variant !== "");
                const missing = config ? named.filter((variant) => !own.some(({ resourceId }) => resourceId === `${prefix}${variant}`)) : own.length === 0 ? ["(any)"] : [];
                if (missing.length > 0) {
                    reportViolation(
                        `Endpoint ${endpoint.name} (${name}) has no Application Auto Scaling target for ${missing[0] === "(any)" ? "its variants" : `variant${missing.length > 1 ? "s" : ""} ${listText(missing)}`}, so nothing bounds how many instances it runs; add an aws.appautoscaling.Target with serviceNamespace "sagemaker", scalableDimension "${DESIRED_INSTANCE_COUNT}", resourceId "${prefix}${missing[0] === "(any)" ? "<variant>" : missing[0]}" and a maxCapacity of at most ${maxCapacity}.`,
                        endpoint.urn,
                    );
                }
                for (const { target, resourceId } of own) {
                    const max = target.props.maxCapacity;
                    const min = target.props.minCapacity;
                    if (typeof max !== "number" || max > maxCapacity) {
                        reportViolation(
                            `Autoscaling target ${target.name} (${resourceId}) has maxCapacity ${JSON.stringify(max ?? null)}, above the ${maxCapacity} instances an endpoint variant may scale to (maxCapacity); lower it or raise maxCapacity in the pack config.`,
                            target.urn,
                        );
                    } else if (typeof min === "number" && min > max) {
                        reportViolation(`Autoscaling target ${target.name} (${resourceId}) has minCapacity ${min} above its maxCapacity ${max}; autoscaling cannot keep both.`, target.urn);
                    }
                }
            });
        }
        await eachKnown(work, (step) => step());
    },
};

interface ServingRoleKnobs {
    endpointAllowedActions: string[];
    endpointWritablePrefixes: string[];
    monitorAllowedActions: string[];
    monitorWritablePrefixes: string[];
    trustedPolicyArns: string[];
}
const LOGS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"];
const ECR_PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability", "ecr:GetAuthorizationToken"];
const servingRoleSchema = {
    properties: {
        endpointAllowedActions: stringList(`Actions the endpoint's role (\`${SERVICE_TAG_KEY}: ${ENDPOINT_SERVICE}\`) may hold (named, no wildcards).`, [
            "s3:GetObject",
            "s3:PutObject",
            "kms:Decrypt",
            "kms:GenerateDataKey",
            ...ECR_PULL,
            ...LOGS,
        ]),
        endpointWritablePrefixes: stringList("Key prefixes under which the endpoint's role may write objects (its data capture).", ["monitoring/data-capture/"]),
        monitorAllowedActions: stringList(`Actions the Model Monitor role (\`${SERVICE_TAG_KEY}: ${MODEL_MONITOR_SERVICE}\`) may hold (named, no wildcards).`, [
            "s3:ListBucket",
            "s3:GetBucketLocation",
            "s3:GetObject",
            "s3:PutObject",
            "s3:AbortMultipartUpload",
            "kms:Decrypt",
            "kms:GenerateDataKey",
            "kms:CreateGrant",
            ...ECR_PULL,
            ...LOGS,
            "cloudwatch:PutMetricData",
        ]),
        monitorWritablePrefixes: stringList("Key prefixes under which the Model Monitor role may write objects (its reports).", ["monitoring/reports/"]),
        trustedPolicyArns: stringList("Managed policies not defined in the stack that may nevertheless be attached to the serving roles.", []),
    },
};

export const sagemakerServingRolesScoped: StackValidationPolicy = {
    name: "sagemaker-serving-roles-scoped",
    description: `Every role tagged \`${SERVICE_TAG_KEY}: ${ENDPOINT_SERVICE}\` (an endpoint's model) or \`${SERVICE_TAG_KEY}: ${MODEL_MONITOR_SERVICE}\` (Model Monitor jobs) holds only named actions of its allow-list — S3 reads, S3 writes only under its writable prefixes (the data capture; the reports), the key through S3 (kms:CreateGrant only for AWS resources: the monitor's job volume), image pulls, logs (and the monitor's drift metrics) — counting inline policies, RolePolicy resources and attached policies of the stack; wildcards, NotAction and unreadable attached policies are reported.`,
    enforcementLevel: "mandatory",
    configSchema: servingRoleSchema,
    validateStack: async (args, reportViolation) => {
        const config = knobs<ServingRoleKnobs>(args, servingRoleSchema);
        const trusted = { trustedPolicyArns: config.trustedPolicyArns };
        const endpoint = serviceRoleSteps(
            args.resources,
            ENDPOINT_SERVICE,
            { allowedActions: config.endpointAllowedActions, writablePrefixes: config.endpointWritablePrefixes, ...trusted },
            { role: "the endpoint role", service: "the endpoint" },
            reportViolation,
        );
        const monitor = serviceRoleSteps(
            args.resources,
            MODEL_MONITOR_SERVICE,
            { allowedActions: config.monitorAllowedActions, writablePrefixes: config.monitorWritablePrefixes, ...trusted },
            { role: "the Model Monitor role", service: "Model Monitor" },
            reportViolation,
        );
        if (!endpoint.found && !monitor.found) {
            args.notApplicable(`no role is tagged ${SERVICE_TAG_KEY}: ${ENDPOINT_SERVICE} or ${MODEL_MONITOR_SERVICE}`);
        }
        await eachKnown([...endpoint.steps, ...monitor.steps], (step) => step());
    },
};

export const endpointPolicies = [
    sagemakerEndpointInstanceTypesAllowed,
    sagemakerEndpointVolumeKms,
    sagemakerEndpointDataCapture,
    sagemakerMonitoringEncryption,
    sagemakerMonitoringJobInStack,
    sagemakerEndpointAutoscalingLimits,
    sagemakerServingRolesScoped,
];
