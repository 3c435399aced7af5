import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Persona, PERSONA_TAG_KEY, PERSONAS } from "../policies/catalog";
import {
    dataScientistPolicy,
    mlEngineerPolicy,
    PolicyDocument,
    pipelineExecutionPolicy,
    sagemakerTrustPolicy,
    Scope,
    ImageRepository,
    servingPolicy,
} from "./iamDocuments";
import { roleArn } from "./naming";

export interface TeamRolesArgs {
    /** Account, region, bucket and physical names the policies are scoped to. */
    scope: Scope;
    /** ARN of the data key. */
    keyArn: pulumi.Input<string>;
    /** ECR repositories of the images the pipeline's jobs run (training, Model Monitor analyzer), which the pipeline role may pull from. */
    jobImages: readonly ImageRepository[];
}

const DESCRIPTIONS: Record<Persona, string> = {
    "data-scientist": "Studio execution role of data scientists: read-only on data, models and pipeline runs",
    "ml-engineer": "Studio execution role of ML engineers: runs the training pipeline, writes artifacts",
    pipeline: "Execution role of the YOLO11 training pipeline and the jobs it starts",
};

/**
 * The three personas' IAM roles, each assumed only by SageMaker for this account, tagged `ml-persona`,
 * with one inline policy of its own (a separate RolePolicy resource, so reviews and the policy pack see it).
 */
export class TeamRoles extends pulumi.ComponentResource {
    public readonly roles: Readonly<Record<Persona, aws.iam.Role>>;
    public readonly roleArns: Readonly<Record<Persona, pulumi.Output<string>>>;
    public readonly accessPolicies: Readonly<Record<Persona, aws.iam.RolePolicy>>;
    /** The personas' serving policies and their attachments, when deployment is on. */
    public readonly servingGrants: pulumi.Resource[];

    constructor(name: string, args: TeamRolesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-yolo:iam:TeamRoles", name, {}, opts);
        const { scope } = args;
        const pipelineRoleArn = roleArn(scope.accountId, scope.names.roles.pipeline);
        const documents: Record<Persona, (keyArn: string) => PolicyDocument> = {
            "data-scientist": (keyArn) => dataScientistPolicy(scope, keyArn),
            "ml-engineer": (keyArn) => mlEngineerPolicy(scope, keyArn, pipelineRoleArn),
            pipeline: (keyArn) => pipelineExecutionPolicy(scope, keyArn, pipelineRoleArn, args.jobImages),
        };

        const roles = {} as Record<Persona, aws.iam.Role>;
        const policies = {} as Record<Persona, aws.iam.RolePolicy>;
        for (const persona of PERSONAS) {
            const role = new aws.iam.Role(
                `${name}-${persona}`,
                {
                    name: scope.names.roles[persona],
                    description: DESCRIPTIONS[persona],
                    assumeRolePolicy: JSON.stringify(sagemakerTrustPolicy(scope.accountId)),
                    maxSessionDuration: 3600,
                    tags: { [PERSONA_TAG_KEY]: persona },
                },
                { parent: this },
            );
            policies[persona] = new aws.iam.RolePolicy(
                `${name}-${persona}-access`,
                {
                    role: role.name,
                    name: `${persona}-access`,
                    policy: pulumi.output(args.keyArn).apply((keyArn) => JSON.stringify(documents[persona](keyArn))),
                },
                { parent: this },
            );
            roles[persona] = role;
        }

        // Serving rights in a managed policy per persona (see servingPolicy), attached by its ARN, known from its name.
        const servingGrants: pulumi.Resource[] = [];
        if (scope.features.deployment) {
            for (const persona of ["data-scientist", "ml-engineer"] as const) {
                const policyName = `${scope.names.roles[persona]}-serving`;
                const policy = new aws.iam.Policy(
                    `${name}-${persona}-serving`,
                    {
                        name: policyName,
                        description: persona === "ml-engineer" ? "ML engineers: operate and invoke the stack's endpoint and its monitoring" : "Data scientists: invoke and describe the stack's endpoint, follow its monitoring",
                        policy: JSON.stringify(servingPolicy(scope, persona)),
                    },
                    { parent: this },
                );
                const attachment = new aws.iam.RolePolicyAttachment(
                    `${name}-${persona}-serving-attachment`,
                    { role: roles[persona].name, policyArn: `arn:aws:iam::${scope.accountId}:policy/${policyName}` },
                    { parent: this, dependsOn: [policy] },
                );
                servingGrants.push(policy, attachment);
            }
        }

        this.roles = roles;
        this.servingGrants = servingGrants;
        this.accessPolicies = policies;
        this.roleArns = {
            "data-scientist": roles["data-scientist"].arn,
            "ml-engineer": roles["ml-engineer"].arn,
            pipeline: roles.pipeline.arn,
        };
        this.registerOutputs({ roleArns: this.roleArns });
    }
}
