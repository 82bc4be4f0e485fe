// The whole pure pipeline in one call: APIM document → facts → plan → firewall and cluster
// renderings → report. The components run it once per gateway and deployment inside a single
// apply, so a gateway costs Pulumi one Output chain, not one per stage.
import { ApimFacts, normalizeApim } from "./apimFacts";
import { configurationHostDnsAdvice } from "./catalog";
import { ClusterRendering, renderClusterPolicy } from "./clusterPolicy";
import { buildEgressPlan, EgressPlan } from "./egressPlan";
import { InputError } from "./errors";
import { chartNotes, GatewayHelmValues, gatewayHelmValues, telemetryNotes } from "./helmValues";
import { CollectionNames, FilterRuleCollection, FirewallRendering, renderFirewallRules, SINGLE_GATEWAY_COLLECTIONS } from "./firewallRules";
import { dnsProxyWorks, PolicyReading } from "./firewallPolicyFacts";
import { checkRoom, GatewayFirewall, policyNotes, policyRoom } from "./firewallPolicyFindings";
import { HubOptions, Options, PlacementOptions, SourceOptions } from "./options";
import { byCodePoint } from "./ordering";
import { DestinationKind } from "./peers";
import { BLOCKED_IN_CLUSTER, clusterRows, describeFlows, firewallRows, FlowReport, flowsByRule, GroupTarget, RuleRow } from "./report";
import { groupBytes, hubCollectionNames, layoutGroups } from "./ruleCollectionGroups";

export interface Derivation {
    readonly facts: ApimFacts;
    readonly plan: EgressPlan;
    /** Undefined when the gateway's options write no firewall rules. */
    readonly firewall?: FirewallRendering;
    readonly cluster: ClusterRendering;
    /** One row per flow with the rules that carry it. */
    readonly flows: FlowReport[];
    /** The facts' warnings, then what the firewall administrator must know. */
    readonly notes: string[];
    /** The gateway chart's values these rules assume. */
    readonly helmValues: GatewayHelmValues;
}

/**
 * The change request of one gateway: every firewall rule (in `target`, when the gateway writes
 * its own group) and every cluster rule, then the notes, the flows blocked in the cluster last.
 */
export function changeRequest(d: Derivation, target: GroupTarget | undefined): { rows: RuleRow[]; notes: string[] } {
    return {
        rows: [...(d.firewall && target ? firewallRows(target, d.firewall.ruleCollections) : []), ...clusterRows(d.cluster, flowsByRule(d.flows))],
        notes: [...d.notes, ...d.cluster.notEnforceable.map((n) => `${n.flow} is ${BLOCKED_IN_CLUSTER}: ${n.reason}`)],
    };
}

/** The rule collections of a component's own group, refused past the size the policy accepts. */
function checkGroupSize(firewall: FirewallRendering, maxGroupBytes: number): void {
    const bytes = groupBytes(firewall.ruleCollections);
    if (bytes > maxGroupBytes) {
        throw new InputError("firewall.maxGroupBytes", maxGroupBytes, `The rule collection group would take about ${Math.ceil(bytes / 1024)} KB: split the backends across components, or put the gateway into a GatewayEgressRuleCollectionGroup, which spreads rules over several groups.`);
    }
}

/** What the policy's facts say of one gateway's rules (`firewallPolicyFindings.ts`). */
function gatewayFirewall(prefix: string, sources: SourceOptions, firewall: FirewallRendering, plan: EgressPlan): GatewayFirewall {
    return { prefix, sources, ruleCollections: firewall.ruleCollections, knownAddresses: new Map([[plan.configurationHost, plan.configurationAddress]]) };
}

const namedAs = (name: string) => (n: string) => n.toLowerCase() === name.toLowerCase();

/**
 * Runs facts → plan → renderers → report, with what `policy` (the target policy as read) says of
 * the rules. Pure; throws `InputError` on bad input.
 */
export function deriveEgress(document: unknown, options: Options, collections: CollectionNames = SINGLE_GATEWAY_COLLECTIONS, policy?: PolicyReading): Derivation {
    const facts = normalizeApim(document);
    const plan = buildEgressPlan(facts, options);
    const firewall = options.firewall && renderFirewallRules(plan, facts.virtualNetworkType, options.firewall, collections, dnsProxyWorks(policy?.facts));
    const policyFindings: string[] = [];
    if (firewall && options.placement && options.firewall) {
        const own = namedAs(options.placement.ruleCollectionGroupName);
        const room = policyRoom(policy, options.placement, own);
        checkGroupSize(firewall, room.placement.maxGroupBytes);
        checkRoom(room, policy);
        policyFindings.push(...room.notes, ...policyNotes(policy, [gatewayFirewall("", options.firewall, firewall, plan)], options.placement, own));
    }
    const cluster = renderClusterPolicy(plan, options.cluster, options.egressProxy);
    return {
        facts, plan, firewall, cluster,
        flows: describeFlows(plan, firewall, cluster),
        notes: [...facts.warnings, ...configurationNotes(facts, options), ...proxyNotes(plan, options), ...telemetryNotes(options), ...(firewall?.notes ?? []), ...chartNotes(facts, plan, cluster, options), ...policyFindings],
        helmValues: gatewayHelmValues(facts, plan, options),
    };
}

/** What the administrators must know about the configuration endpoint's address. */
function configurationNotes(facts: ApimFacts, options: Options): string[] {
    // The overview's "Internet connectivity" option publishes a ConfigurationApi custom host through
    // Application Gateway: the gateway then connects to the Application Gateway, not to the VIP.
    return facts.configurationHostIsCustom && options.configurationAddress === undefined
        ? [`The configuration host ${facts.configurationHost} is a custom ConfigurationApi hostname: if Application Gateway publishes it (the "Internet connectivity" option), the gateway connects to the Application Gateway's address, not to the VIP ${facts.configurationAddress}. Set firewall.configurationAddress to that address.`]
        : [];
}

/** What the proxy's administrator must know: the proxy, not the gateway, resolves and connects. */
function proxyNotes(plan: EgressPlan, options: Options): string[] {
    const proxy = options.egressProxy;
    if (!proxy) {
        return [];
    }
    return [
        `The gateway sends every connection to the forward proxy ${proxy.address}:${proxy.port} by name (CONNECT), so the proxy resolves the names: it must resolve ${plan.configurationHost} to ${plan.configurationAddress} (for an Internal instance, from ${configurationHostDnsAdvice(plan.configurationHost)}), and the firewall sees the proxy as the source of every flow.`,
        // The gateway trusts the proxy's certificate only through its own trust store: CA
        // certificates uploaded to API Management are not used by a self-hosted gateway
        // (api-management-howto-ca-certificates), and the Gateway Certificate Authority ones
        // arrive over the configuration connection, which the proxy carries too. That the proxy
        // carries it is the .NET default (HttpClient.DefaultProxy reads HTTPS_PROXY), not a chart
        // promise: the chart says "for outbound HTTP requests to backend services", and its
        // maintainer wrote only "This already works today and can be done by using HTTP_PROXY &
        // HTTPS_PROXY" (Azure/api-management-self-hosted-gateway issue 153).
        // Chart 1.15.1 templates/deployment.yaml mounts only the configuration backup and the
        // localsyslog socket, and takes no extra volumes: the CA's volume needs a patch.
        "If the proxy inspects TLS (re-signs the connections it forwards), the gateway must trust the proxy's CA: set certificates.local.ca.enabled to true (self-hosted gateway settings reference, Security; the chart passes it through gateway.configuration.additional), which needs the gateway to run as root or user 1001, and mount the CA into the gateway container. The chart (1.15.1) has no value for an extra volume: add the CA's volume and volumeMount with a Helm post-renderer or a kustomize patch of its Deployment. CA certificates uploaded to API Management do not reach a self-hosted gateway, and the gateway certificate authorities come over the configuration connection itself.",
        ...(options.backends.some((b) => b.destination.kind === DestinationKind.InCluster) ? ["In-cluster backends bypass the proxy only when the gateway's backend URLs name them as `<service>.<namespace>.svc` or `<service>.<namespace>.svc.cluster.local` (NO_PROXY matches by suffix): a bare `<service>` or `<service>.<namespace>` goes to the proxy, which cannot reach it."] : []),
        ...(options.features.eventHubs.enabled ? ["Through egressProxy only Event Hubs on 443 is opened: AMQP on 5671-5672 cannot pass a forward proxy (Event Hubs clients take a proxy only for AMQP over WebSockets, on 443). Check that the gateway's Event Hubs logs arrive; if they do not, the logger needs a path that does not go through the proxy."] : []),
    ];
}

/** One rule collection group of a hub, as laid out. */
export interface HubGroup {
    /** The group's name in the policy: `firewall.ruleCollectionGroupName`, then `-2`, `-3`, ... */
    readonly name: string;
    readonly gateways: readonly string[];
    readonly ruleCollections: readonly FilterRuleCollection[];
    readonly bytes: number;
}

/** One gateway of a hub. */
export interface HubGatewayDerivation {
    readonly name: string;
    readonly facts: ApimFacts;
    /** The address its configuration rule opens: its declared `configurationAddress`, or the VIP. */
    readonly configurationAddress: string;
    /** Its rules as rendered at the first position of a group (names as in the group; priorities moved by the layout). */
    readonly firewall: FirewallRendering;
    /** Index into `HubDerivation.groups`. */
    readonly group: number;
}

/** One APIM instance of a hub, read once however many gateways belong to it. */
export interface HubInstance {
    readonly apim: Options["apim"];
    readonly facts: ApimFacts;
}

export interface HubDerivation {
    /** The hub's placement, its limits as the policy shows them (`policyRoom`). */
    readonly placement: PlacementOptions;
    /** Groups already on the policy that the hub does not write. */
    readonly existingGroups: readonly string[];
    readonly groups: readonly HubGroup[];
    /** In code-point order of their service names, lowercased (Azure's names ignore case). */
    readonly instances: readonly HubInstance[];
    /** In code-point order of their names, as the options give them. */
    readonly gateways: readonly HubGatewayDerivation[];
    /** Each distinct note once, in first-seen order. */
    readonly notes: string[];
}

/** `base`, `base-2`, `base-3`, ...: the names of a hub's groups, within Azure's 80 characters. */
export function groupNames(base: string, count: number): string[] {
    if (count > 1 && base.length > 77) {
        throw new InputError("firewall.ruleCollectionGroupName", base, `The rules need ${count} rule collection groups, named ${base}-2 and on: shorten the name to 77 characters or fewer.`);
    }
    return Array.from({ length: count }, (_, i) => (i === 0 ? base : `${base}-${i + 1}`));
}

/** One gateway of a hub through facts → plan → firewall rules, rendered at the first position of a group. */
export interface PlannedGateway {
    readonly g: HubOptions["gateways"][number];
    readonly instance: HubInstance;
    readonly plan: EgressPlan;
    readonly firewall: FirewallRendering;
    readonly configurationAddress: string;
}

/**
 * Each gateway of a hub through facts → plan → firewall rules, with the document of its instance
 * (`documentOf`) and the target policy as read; each instance's facts once, however many gateways belong to it.
 */
export function planHub(hub: HubOptions, documentOf: (apim: Options["apim"]) => unknown, policy?: PolicyReading): PlannedGateway[] {
    const factsOf = new Map<unknown, HubInstance>();
    return hub.gateways.map((g) => {
        const document = documentOf(g.options.apim);
        const instance = factsOf.get(document) ?? { apim: g.options.apim, facts: normalizeApim(document) };
        factsOf.set(document, instance);
        // Rendered once, at the first position of a group; the layout moves the priorities.
        const plan = buildEgressPlan(instance.facts, g.options);
        const firewall = renderFirewallRules(plan, instance.facts.virtualNetworkType, g.options.firewall as SourceOptions, hubCollectionNames(g.name, 0), dnsProxyWorks(policy?.facts));
        return { g, instance, plan, firewall, configurationAddress: plan.configurationAddress };
    });
}

/**
 * The pure pipeline of a hub: `planHub`, then every gateway's collections laid out in as few
 * groups as `maxGroupBytes` (or the room the policy read leaves) allows. Throws `InputError` on bad input.
 */
export function deriveHub(hub: HubOptions, documentOf: (apim: Options["apim"]) => unknown, policy?: PolicyReading): HubDerivation {
    const planned = planHub(hub, documentOf, policy);
    // Its own groups are the base name and `<base>-N`, those of an earlier, longer layout included.
    const base = hub.placement.ruleCollectionGroupName.toLowerCase();
    const own = (n: string) => n.toLowerCase() === base || (n.toLowerCase().startsWith(`${base}-`) && /^\d+$/.test(n.slice(base.length + 1)));
    const room = policyRoom(policy, hub.placement, own);
    const findings = [...room.notes, ...policyNotes(policy, planned.map(({ g, firewall, plan }) => gatewayFirewall(`gateway ${g.name}: `, g.options.firewall as SourceOptions, firewall, plan)), hub.placement, own)];
    const layout = layoutGroups(planned.map(({ g, firewall }) => ({ gateway: g.name, field: g.field, collections: firewall.ruleCollections })), room.placement.maxGroupBytes);
    const names = groupNames(hub.placement.ruleCollectionGroupName, layout.length);
    const groupOf = new Map(layout.flatMap((group, i) => group.gateways.map((gateway) => [gateway, i] as const)));
    const gateways = planned.map(({ g, instance, firewall, configurationAddress }) => ({ name: g.name, facts: instance.facts, configurationAddress, firewall, group: groupOf.get(g.name) as number }));
    const lowercaseName = (i: HubInstance) => i.apim.serviceName.toLowerCase();
    return {
        placement: room.placement,
        existingGroups: room.existingGroups,
        groups: layout.map((group, i) => ({ name: names[i], gateways: group.gateways, ruleCollections: group.ruleCollections, bytes: group.bytes })),
        instances: [...new Set(planned.map((p) => p.instance))].sort((a, b) => byCodePoint(lowercaseName(a), lowercaseName(b))),
        gateways,
        notes: [...new Set([...planned.flatMap(({ g, instance, firewall }) => [...instance.facts.warnings, ...configurationNotes(instance.facts, g.options), ...firewall.notes]), ...findings])],
    };
}
