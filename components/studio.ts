import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PERSONA_TAG_KEY } from "../policies/catalog";
import { STUDIO_MIN_IDLE_MINUTES, StudioUser, UserRole } from "./config";
import { Scope, studioAppsPolicy } from "./iamDocuments";

export interface StudioArgs {
    /** Account, region and physical names (the domain name among them). */
    scope: Scope;
    /** VPC of the domain. */
    vpcId: string;
    /** Subnets of the domain's apps. */
    subnetIds: readonly string[];
    /** Key that encrypts the domain's EFS home folders and space volumes. */
    keyArn: pulumi.Input<string>;
    /** Execution role per persona; users get their role's, the domain default is the data scientist's (least privilege). */
    executionRoles: Readonly<Record<UserRole, aws.iam.Role>>;
    /** One user profile per entry. */
    users: readonly StudioUser[];
    /** Default JupyterLab instance type (from the Studio allow-list). */
    defaultInstanceType: string;
    /** `PublicInternetOnly` or `VpcOnly`. */
    networkAccess: string;
    /** Security groups of the apps (required by SageMaker with VpcOnly). */
    securityGroupIds: readonly string[];
    /** Keep the home EFS file system when the domain is destroyed. */
    retainHomeFileSystem: boolean;
    /** JupyterLab apps shut down after this many idle minutes; users may choose up to the maximum. */
    idleShutdown: { readonly defaultMinutes: number; readonly maxMinutes: number };
    /**
     * Each user's sessions carry their profile name as `sts:SourceIdentity`, so CloudTrail tells people apart who
     * share a persona role; every role SageMaker assumes for them must then trust `sts:SetSourceIdentity`.
     */
    sourceIdentity: boolean;
    /** Lifecycle configuration every JupyterLab app runs at start (base64 script), if any. */
    lifecycleConfig?: { readonly name: string; readonly content: string };
}

/** The SageMaker Studio domain (IAM auth, KMS-encrypted storage) and a user profile per person. */
export class Studio extends pulumi.ComponentResource {
    public readonly domainId: pulumi.Output<string>;
    public readonly domainArn: pulumi.Output<string>;
    /** Studio URL (sign in through the console or a presigned URL for a user profile). */
    public readonly url: pulumi.Output<string>;
    public readonly userProfiles: Readonly<Record<string, aws.sagemaker.UserProfile>>;
    public readonly lifecycleConfigArn?: pulumi.Output<string>;

    constructor(name: string, args: StudioArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-yolo:studio:Studio", name, {}, opts);
        const lifecycle = args.lifecycleConfig
            ? new aws.sagemaker.StudioLifecycleConfig(
                  `${name}-jupyterlab-lifecycle`,
                  {
                      studioLifecycleConfigName: args.lifecycleConfig.name,
                      studioLifecycleConfigAppType: "JupyterLab",
                      studioLifecycleConfigContent: args.lifecycleConfig.content,
                  },
                  { parent: this },
              )
            : undefined;
        const jupyterLab = {
            // The lifecycle configuration runs by default and is the only one users may pick.
            defaultResourceSpec: { instanceType: args.defaultInstanceType, ...(lifecycle ? { lifecycleConfigArn: lifecycle.arn } : {}) },
            ...(lifecycle ? { lifecycleConfigArns: [lifecycle.arn] } : {}),
            appLifecycleManagement: {
                idleSettings: {
                    lifecycleManagement: "ENABLED",
                    idleTimeoutInMinutes: args.idleShutdown.defaultMinutes,
                    minIdleTimeoutInMinutes: STUDIO_MIN_IDLE_MINUTES,
                    maxIdleTimeoutInMinutes: args.idleShutdown.maxMinutes,
                },
            },
        };
        const leastPrivileged = args.executionRoles["data-scientist"].arn;

        const domain = new aws.sagemaker.Domain(
            `${name}-domain`,
            {
                domainName: args.scope.names.domain,
                authMode: "IAM",
                vpcId: args.vpcId,
                subnetIds: [...args.subnetIds],
                kmsKeyId: args.keyArn,
                appNetworkAccessType: args.networkAccess,
                defaultUserSettings: {
                    executionRole: leastPrivileged,
                    ...(args.securityGroupIds.length > 0 ? { securityGroups: [...args.securityGroupIds] } : {}),
                    studioWebPortal: "ENABLED",
                    defaultLandingUri: "studio::",
                    jupyterLabAppSettings: jupyterLab,
                },
                defaultSpaceSettings: { executionRole: leastPrivileged, jupyterLabAppSettings: jupyterLab },
                retentionPolicy: { homeEfsFileSystem: args.retainHomeFileSystem ? "Retain" : "Delete" },
                domainSettings: { executionRoleIdentityConfig: args.sourceIdentity ? "USER_PROFILE_NAME" : "DISABLED" },
                tagPropagation: "ENABLED",
            },
            { parent: this },
        );

        // What the Studio UI does with each execution role depends on the domain id, known only after creation.
        for (const [role, executionRole] of Object.entries(args.executionRoles)) {
            new aws.iam.RolePolicy(
                `${name}-${role}-studio-apps`,
                {
                    role: executionRole.name,
                    name: "studio-apps",
                    policy: pulumi
                        .all([domain.id, args.keyArn])
                        .apply(([domainId, keyArn]) => JSON.stringify(studioAppsPolicy(args.scope, domainId, keyArn))),
                },
                { parent: this },
            );
        }

        const profiles: Record<string, aws.sagemaker.UserProfile> = {};
        for (const user of args.users) {
            profiles[user.name] = new aws.sagemaker.UserProfile(
                `${name}-user-${user.name}`,
                {
                    domainId: domain.id,
                    userProfileName: user.name,
                    userSettings: { executionRole: args.executionRoles[user.role].arn, jupyterLabAppSettings: jupyterLab },
                    tags: { [PERSONA_TAG_KEY]: user.role },
                },
                { parent: this },
            );
        }

        this.domainId = domain.id;
        this.domainArn = domain.arn;
        this.url = domain.url;
        this.userProfiles = profiles;
        this.lifecycleConfigArn = lifecycle?.arn;
        this.registerOutputs({ domainId: this.domainId, url: this.url });
    }
}
