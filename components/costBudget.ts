import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface CostBudgetArgs {
    budgetName: string;
    monthlyUsd: number;
    /** Cost-allocation tags that select the stack's resources (all must match). */
    tags: Readonly<Record<string, string>>;
    actualThresholds: readonly number[];
    forecastThresholds: readonly number[];
    /** Notified through the alert topic when there is one, else by e-mail. */
    topicArn?: pulumi.Input<string>;
    emails: readonly string[];
}

/** Budgets filter matching resources that carry all the tags (an `ands` needs at least two operands). */
export function tagFilter(tags: Readonly<Record<string, string>>): aws.types.input.budgets.BudgetFilterExpression {
    const expressions = Object.entries(tags).map(([key, value]) => ({ tags: { key, values: [value] } }));
    if (expressions.length === 0) {
        throw new Error("A cost budget needs at least one cost-allocation tag to select the stack's resources.");
    }
    return expressions.length === 1 ? expressions[0] : { ands: expressions };
}

/**
 * A monthly AWS Budgets cost budget on the resources carrying this stack's cost-allocation tags, notifying
 * at percentages of actual and forecast spend. Budgets only sees tags activated as cost allocation tags.
 */
export class CostBudget extends pulumi.ComponentResource {
    public readonly budgetName: pulumi.Output<string>;

    constructor(name: string, args: CostBudgetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-yolo:cost:CostBudget", name, {}, opts);
        const subscribers = args.topicArn !== undefined ? { subscriberSnsTopicArns: [args.topicArn] } : { subscriberEmailAddresses: [...args.emails] };
        const notification = (notificationType: "ACTUAL" | "FORECASTED") => (threshold: number) => ({
            notificationType,
            comparisonOperator: "GREATER_THAN",
            threshold,
            thresholdType: "PERCENTAGE",
            ...subscribers,
        });
        const budget = new aws.budgets.Budget(
            `${name}-budget`,
            {
                name: args.budgetName,
                budgetType: "COST",
                limitAmount: args.monthlyUsd.toFixed(2),
                limitUnit: "USD",
                timeUnit: "MONTHLY",
                filterExpression: tagFilter(args.tags),
                notifications: [
                    ...args.actualThresholds.map(notification("ACTUAL")),
                    ...args.forecastThresholds.map(notification("FORECASTED")),
                ],
            },
            { parent: this },
        );
        this.budgetName = budget.name;
        this.registerOutputs({ budgetName: this.budgetName });
    }
}
