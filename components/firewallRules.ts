// Azure Firewall renderer: the egress plan as the rule collections of one Firewall Policy rule
// collection group, in the shape of azure-native's `FirewallPolicyRuleCollectionGroup` inputs.
// Pure. Addresses and service tags become network rules; HTTPS names become application rules
// (matched by SNI); names on other ports become network rules with FQDNs (need DNS proxy).
import { VirtualNetworkType } from "./apimFacts";
import { EgressFlow, EgressPlan, Feature } from "./egressPlan";
import { RuleStyle } from "./args";
import { configurationHostDnsAdvice } from "./catalog";
import { SourceOptions } from "./options";
import { byCodePoint } from "./ordering";
import { DestinationKind, formatPorts, Protocol } from "./peers";

export interface NetworkRule {
    readonly ruleType: "NetworkRule";
    readonly name: string;
    readonly description: string;
    readonly ipProtocols: readonly string[];
    readonly sourceAddresses?: readonly string[];
    readonly sourceIpGroups?: readonly string[];
    readonly destinationAddresses?: readonly string[];
    readonly destinationFqdns?: readonly string[];
    readonly destinationPorts: readonly string[];
}

export interface ApplicationRule {
    readonly ruleType: "ApplicationRule";
    readonly name: string;
    readonly description: string;
    readonly protocols: readonly { readonly protocolType: "Https"; readonly port: number }[];
    readonly sourceAddresses?: readonly string[];
    readonly sourceIpGroups?: readonly string[];
    readonly targetFqdns: readonly string[];
}

export interface FilterRuleCollection {
    readonly ruleCollectionType: "FirewallPolicyFilterRuleCollection";
    readonly name: string;
    readonly priority: number;
    readonly action: { readonly type: "Allow" };
    readonly rules: readonly (NetworkRule | ApplicationRule)[];
}

export interface FirewallRendering {
    readonly ruleStyle: RuleStyle;
    readonly ruleCollections: readonly FilterRuleCollection[];
    /** Flow id → `<collection>/<rule>` that carries it. Flows left out by the rule style, and in-cluster flows, are absent. */
    readonly enforcedBy: Readonly<Record<string, string>>;
    /** What the firewall administrator must know for these rules to work. */
    readonly notes: readonly string[];
}

/** The name and priority of one rule collection. */
export interface CollectionName {
    readonly name: string;
    readonly priority: number;
}

/**
 * Where a gateway's rules go: a collection holds rules of one type only ("The rule type must
 * match the parent rule collection category", https://learn.microsoft.com/azure/firewall/policy-rule-sets),
 * so each gateway has a network and an application collection.
 */
export interface CollectionNames {
    readonly network: CollectionName;
    readonly application: CollectionName;
}

/** The collections of `SelfHostedGatewayEgress`'s own group. */
export const SINGLE_GATEWAY_COLLECTIONS: CollectionNames = {
    network: { name: "apim-gateway-network", priority: 100 },
    application: { name: "apim-gateway-application", priority: 200 },
};

/**
 * The configuration endpoint's default rule style per VNet mode. Internal: `ip`, since an
 * application rule makes the firewall resolve the name itself and the host's private record is
 * rarely visible to it. Otherwise `both`: exact while the VIP holds, still open by name if it changes
 * before the next deployment. Source: DESIGN.md §4, DocReference.IpAddresses.
 */
export function defaultRuleStyle(mode: VirtualNetworkType): RuleStyle {
    return mode === VirtualNetworkType.Internal ? RuleStyle.Ip : RuleStyle.Both;
}

function keptByStyle(flow: EgressFlow, style: RuleStyle): boolean {
    if (flow.feature !== Feature.Configuration || style === RuleStyle.Both) {
        return true;
    }
    const isAddress = flow.destination.kind === DestinationKind.Cidr;
    return style === RuleStyle.Ip ? isAddress : !isAddress;
}

function isHttpsOnly(flow: EgressFlow): boolean {
    return flow.ports.length === 1 && flow.ports[0].protocol === Protocol.Tcp && flow.ports[0].port === 443 && flow.ports[0].endPort === undefined;
}

/** Who the firewall sees connecting: the gateway hosts (or its proxy), or, for an image pull, the nodes. */
function sources(flow: EgressFlow, options: SourceOptions) {
    if (flow.fromNodes) {
        return { sourceAddresses: flow.fromNodes };
    }
    return {
        ...(options.sourceAddresses.length > 0 ? { sourceAddresses: options.sourceAddresses } : {}),
        ...(options.sourceIpGroupIds.length > 0 ? { sourceIpGroups: options.sourceIpGroupIds } : {}),
    };
}

function description(flow: EgressFlow): string {
    return `${flow.purpose} [${flow.reference}]`;
}

function networkRule(flow: EgressFlow, options: SourceOptions): NetworkRule {
    const protocols = [...new Set(flow.ports.map((p) => p.protocol))].sort(byCodePoint);
    const destination = flow.destination.kind === DestinationKind.Fqdn
        ? { destinationFqdns: [flow.destination.value] }
        : { destinationAddresses: [flow.destination.value] };
    return {
        ruleType: "NetworkRule",
        name: flow.id,
        description: description(flow),
        ipProtocols: protocols,
        ...sources(flow, options),
        ...destination,
        destinationPorts: flow.ports.map(formatPorts),
    };
}

function applicationRule(flow: EgressFlow, options: SourceOptions): ApplicationRule {
    return {
        ruleType: "ApplicationRule",
        name: flow.id,
        description: description(flow),
        protocols: [{ protocolType: "Https", port: 443 }],
        ...sources(flow, options),
        targetFqdns: [flow.destination.value],
    };
}

/** Renders the plan as firewall rule collections named by `collections`. Pure. */
export function renderFirewallRules(plan: EgressPlan, mode: VirtualNetworkType, options: SourceOptions, collections: CollectionNames = SINGLE_GATEWAY_COLLECTIONS, dnsProxyRead = false): FirewallRendering {
    const ruleStyle = options.ruleStyle ?? defaultRuleStyle(mode);
    const network: NetworkRule[] = [];
    const application: ApplicationRule[] = [];
    const enforcedBy: Record<string, string> = {};
    // Traffic to pods of the cluster never leaves it, so never reaches the firewall: an
    // in-cluster peer has no rule here, only its cluster policy (clusterPolicy.ts).
    for (const flow of plan.flows.filter((f) => keptByStyle(f, ruleStyle) && f.destination.kind !== DestinationKind.InCluster)) {
        if (flow.destination.kind === DestinationKind.Fqdn && isHttpsOnly(flow)) {
            application.push(applicationRule(flow, options));
            enforcedBy[flow.id] = `${collections.application.name}/${flow.id}`;
        } else {
            network.push(networkRule(flow, options));
            enforcedBy[flow.id] = `${collections.network.name}/${flow.id}`;
        }
    }
    const collection = (c: CollectionName, rules: readonly (NetworkRule | ApplicationRule)[]): FilterRuleCollection[] =>
        rules.length === 0 ? [] : [{ ruleCollectionType: "FirewallPolicyFilterRuleCollection", name: c.name, priority: c.priority, action: { type: "Allow" }, rules }];

    const notes: string[] = [];
    if (network.some((r) => r.destinationFqdns)) {
        // "You must enable DNS Proxy to use FQDNs in your network rules"
        // (https://learn.microsoft.com/azure/firewall/fqdn-filtering-network-rules); the Basic SKU
        // has no DNS proxy (https://learn.microsoft.com/azure/firewall/basic-features).
        // has no DNS proxy (https://learn.microsoft.com/azure/firewall/basic-features). With DNS proxy
        // read on (`dnsProxyRead`), what remains: "Clients should use the firewall as their resolver if
        // you use FQDNs in Network rules" (https://learn.microsoft.com/azure/firewall/dns-details).
        const names = network.filter((r) => r.destinationFqdns).map((r) => r.name).join(", ");
        notes.push(dnsProxyRead
            ? `Network rules with FQDN destinations (${names}) match the addresses the firewall's DNS proxy resolves: the gateway hosts must use the firewall as their DNS server, or a name they resolve elsewhere to another address is denied.`
            : `Network rules with FQDN destinations (${names}) need DNS proxy enabled on the firewall policy (dnsSettings.enableProxy), and the clients to use the firewall as their DNS server. A Basic-SKU Azure Firewall has no DNS proxy: there, give these destinations as addresses (backends) or leave the features off.`);
    }
    if (mode === VirtualNetworkType.Internal && application.some((r) => r.name === "configuration-host")) {
        notes.push(`The application rule for ${plan.configurationHost} makes the firewall resolve that name itself: in Internal mode the name is only in private DNS, so the firewall's DNS servers must resolve it to ${plan.configurationAddress}, from ${configurationHostDnsAdvice(plan.configurationHost)}.`);
    }
    return {
        ruleStyle,
        ruleCollections: [...collection(collections.network, network), ...collection(collections.application, application)],
        enforcedBy,
        notes,
    };
}
