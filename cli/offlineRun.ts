// Runs the real components under Pulumi's mock runtime, with the APIM reads answered from
// documents on disk. The offline preview, `verify` and the tests share it: there is no second
// code path, only different answers to `getApiManagementService` and `getClientConfig`.
import * as pulumi from "@pulumi/pulumi";
import { assertApimDocument } from "../components/apimFacts";
import { GatewayEgressRuleCollectionGroupArgs, SelfHostedGatewayEgressArgs } from "../components/args";
import { InputError } from "../components/errors";
import { GatewayEgressRuleCollectionGroup, HubGatewayReport, HubInstanceReport, RuleCollectionGroupReport } from "../components/gatewayEgressRuleCollectionGroup";
import { byCodePoint } from "../components/ordering";
import { GatewayHelmValues } from "../components/helmValues";
import { FlowReport, RuleRow } from "../components/report";
import { resetPolicyLedger } from "../components/groupWriter";
import { SelfHostedGatewayEgress } from "../components/selfHostedGatewayEgress";
import { RegisteredResource, setApimMocks, settle } from "./apimMocks";

export { RegisteredResource } from "./apimMocks";

export interface OfflineOutputs {
    ruleCollectionGroupName?: string;
    networkPolicyName?: string;
    configurationHost: string;
    configurationAddress: string;
    ruleStyle?: string;
    egressPlan: FlowReport[];
    changeRequest: RuleRow[];
    egressMatrix: string;
    notEnforceableInCluster: { flow: string; reason: string }[];
    notes: string[];
    gatewayHelmValues: GatewayHelmValues;
    probeScript: string;
    probeJobName?: string;
}

export interface OfflineHubOutputs {
    ruleCollectionGroups: RuleCollectionGroupReport[];
    firstDeployWrites: number;
    instances: HubInstanceReport[];
    gateways: HubGatewayReport[];
    notes: string[];
}

export interface OfflineRun<O = OfflineOutputs> {
    /** Every registered resource, the component included, sorted by type then name. */
    resources: RegisteredResource[];
    outputs: O;
    /** The APIM reads the component asked for, as `{resourceGroupName, serviceName}`. */
    apimReads: Record<string, unknown>[];
}

export interface OfflineOptions {
    /** The subscription the azure-native provider writes to, for a policy named by ID. */
    subscriptionId?: string;
    /** Receives every registration, also when the run is refused. */
    resources?: RegisteredResource[];
    /** Resource options of the component (a spec's transformations, say). */
    componentOptions?: pulumi.ComponentResourceOptions;
    /** Firewall policy documents answering the policy reads (`--firewall-policy`); none: not read. */
    firewallPolicies?: readonly Record<string, unknown>[];
    /** Rule collection group documents answering the group reads (`--rule-collection-groups`). */
    ruleCollectionGroups?: readonly Record<string, unknown>[];
}

/** The resource group in an ARM ID (`/subscriptions/…/resourceGroups/<group>/…`), if the document has one. */
export function resourceGroupOf(document: Record<string, unknown>): string | undefined {
    return typeof document.id === "string" ? /\/resourceGroups\/([^/]+)\//i.exec(document.id)?.[1] : undefined;
}

const same = (a: unknown, b: unknown) => typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();

/**
 * Whether two documents may describe one instance: same name, and same resource group where both
 * say. Not the subscription: a read names a resource group and a name only (and an instance's
 * name is its host name, unique in its cloud), so two documents that differ only there would
 * answer the same read.
 */
function sameInstance(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
    const groups = [resourceGroupOf(a), resourceGroupOf(b)];
    return same(a.name, b.name) && (groups.includes(undefined) || same(groups[0], groups[1]));
}

/**
 * Refuses two documents that describe one instance: each read is answered by one document, so
 * with two (different VIPs, say) whichever came first would win. Names compare as Azure compares
 * them, without regard to case.
 */
export function checkOneDocumentPerInstance(documents: readonly { file: string; document: Record<string, unknown> }[]): void {
    documents.forEach((later, i) => {
        const earlier = documents.slice(0, i).find((d) => sameInstance(d.document, later.document));
        if (earlier) {
            const group = resourceGroupOf(later.document) ?? resourceGroupOf(earlier.document);
            throw new InputError("--apim", later.file, `This document and ${earlier.file} both describe APIM instance ${String(later.document.name)}${group ? ` in resource group ${group}` : ""}: give one document per instance.`);
        }
    });
}

/**
 * The document that describes the instance read: same name and, when the document carries its
 * ID, same resource group (Azure compares names without regard to case). Refuses a read no
 * document describes, naming the arg that asked for it.
 */
function describing(documents: readonly Record<string, unknown>[], read: Record<string, unknown>, field: string): Record<string, unknown> {
    const named = documents.filter((d) => same(d.name, read.serviceName));
    const match = named.find((d) => resourceGroupOf(d) === undefined || same(resourceGroupOf(d), read.resourceGroupName));
    if (match) {
        return match;
    }
    if (named.length > 0) {
        throw new InputError(`${field}.resourceGroupName`, read.resourceGroupName, `The --apim document of ${String(read.serviceName)} says it is in resource group ${resourceGroupOf(named[0])}: the args and the document must describe the same instance.`);
    }
    const described = documents.map((d) => `${String(d.name)}${resourceGroupOf(d) ? ` in ${resourceGroupOf(d)}` : ""}`).join(", ");
    throw new InputError(`${field}.serviceName`, read.serviceName, `No --apim document describes this instance (the documents describe ${described}): the args and the documents must describe the same instances.`);
}

/**
 * Answers each read with the document that describes it. A single document answers every read:
 * whether it describes the instance the args name is the caller's to check before anything runs
 * (`checkDocumentMatches`), so that a bad document is still refused for what is wrong in it.
 */
export function answerFrom(documents: readonly Record<string, unknown>[], field: string): (read: Record<string, unknown>) => Record<string, unknown> {
    return (read) => (documents.length === 1 ? documents[0] : describing(documents, read, field));
}

/**
 * Refuses args whose APIM instance no document describes: the offline preview answers reads
 * from the documents given, so a mismatch would preview another instance's addresses. Args or
 * documents without usable names are left to the component's own checks.
 */
export function checkDocumentMatches(documents: readonly Record<string, unknown>[], apim: unknown, field: string): void {
    const read = (typeof apim === "object" && apim !== null ? apim : {}) as Record<string, unknown>;
    if (typeof read.serviceName === "string" && typeof read.resourceGroupName === "string" && documents.every((d) => typeof d.name === "string")) {
        describing(documents, read, field);
    }
}

async function run<O>(documents: readonly unknown[], field: string, options: OfflineOptions, build: () => { [K in keyof O]: pulumi.Output<O[K]> }): Promise<OfflineRun<O>> {
    // The mock can only answer a read with an object: anything else is refused here, with the
    // component's own words, rather than mangled by the RPC layer.
    documents.forEach(assertApimDocument);
    const resources = options.resources ?? [];
    const mocks = await setApimMocks({ answer: answerFrom(documents as Record<string, unknown>[], field), subscriptionId: options.subscriptionId, firewallPolicies: options.firewallPolicies, ruleCollectionGroups: options.ruleCollectionGroups }, resources, "apim-gateway-egress", "offline");
    resetPolicyLedger();
    const outputs = build();
    const keys = Object.keys(outputs) as (keyof O)[];
    const failures: unknown[] = [];
    const pending = keys.map((k) => settle(outputs[k]).catch((e: unknown) => {
        failures.push(e);
        throw e;
    }));
    const values = await Promise.all(pending).catch(async () => {
        // A refusal reaches several outputs, some through the SDK's serialization of a child's
        // inputs, which wraps it ("error serializing property ..."); a child whose inputs failed
        // never settles. Once the first rejection lands, let the others of the same refusal land
        // too (promise callbacks, no I/O), then report the refusal as it was raised (by the
        // mocks' answers, or by the component, rebuilt so it reads as the component wrote it).
        await new Promise((resolve) => setImmediate(resolve));
        const refusal = mocks.refusals[0] ?? failures.find((e): e is InputError => e instanceof InputError);
        throw refusal ? new InputError(refusal.field, refusal.value, refusal.expectation, refusal.hint) : failures[0];
    });
    await pulumi.runtime.disconnect();
    resources.sort((a, b) => byCodePoint(a.type, b.type) || byCodePoint(a.name, b.name));
    return { resources, outputs: Object.fromEntries(keys.map((k, i) => [k, values[i]])) as O, apimReads: mocks.reads };
}

/**
 * Builds `SelfHostedGatewayEgress` named `name` from `args` under mocks that answer the APIM
 * read with `apimDocument`, waits for every registration, and returns what was registered.
 * Throws the first error (an `InputError` for bad input); `options.resources` still holds what
 * was registered before it.
 */
export function runOffline(apimDocument: unknown, args: SelfHostedGatewayEgressArgs, name: string, options: OfflineOptions = {}): Promise<OfflineRun> {
    return run<OfflineOutputs & { ruleCollectionGroupId: string | undefined }>([apimDocument], "apim", options, () => {
        const c = new SelfHostedGatewayEgress(name, args, options.componentOptions);
        return {
            ruleCollectionGroupId: c.ruleCollectionGroupId,
            ruleCollectionGroupName: c.ruleCollectionGroupName,
            networkPolicyName: c.networkPolicyName,
            configurationHost: c.configurationHost,
            configurationAddress: c.configurationAddress,
            ruleStyle: c.ruleStyle,
            egressPlan: c.egressPlan,
            changeRequest: c.changeRequest,
            egressMatrix: c.egressMatrix,
            notEnforceableInCluster: c.notEnforceableInCluster,
            notes: c.notes,
            gatewayHelmValues: c.gatewayHelmValues,
            probeScript: c.probeScript,
            probeJobName: c.probeJobName,
        };
    }).then(({ outputs: { ruleCollectionGroupId: _id, ...outputs }, ...rest }) => ({ ...rest, outputs }));
}

/**
 * Builds `GatewayEgressRuleCollectionGroup` named `name` from `args` under mocks that answer
 * each APIM read with the one of `apimDocuments` that describes the instance read.
 */
export function runOfflineHub(apimDocuments: readonly unknown[], args: GatewayEgressRuleCollectionGroupArgs, name: string, options: OfflineOptions = {}): Promise<OfflineRun<OfflineHubOutputs>> {
    return run<OfflineHubOutputs & { ruleCollectionGroupIds: string[] }>(apimDocuments, "gateways[].apim", options, () => {
        const c = new GatewayEgressRuleCollectionGroup(name, args, options.componentOptions);
        return {
            ruleCollectionGroupIds: c.ruleCollectionGroupIds,
            ruleCollectionGroups: c.ruleCollectionGroups,
            firstDeployWrites: c.firstDeployWrites,
            instances: c.instances,
            gateways: c.gateways,
            notes: c.notes,
        };
    }).then(({ outputs: { ruleCollectionGroupIds: _ids, ...outputs }, ...rest }) => ({ ...rest, outputs }));
}
