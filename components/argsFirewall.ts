// The firewall args: the Azure Firewall Policy a writer targets and how its rule collection
// groups are placed, and a gateway's sources and rule style. Part of args.ts, which re-exports it.
import type * as pulumi from "@pulumi/pulumi";

/** How the configuration endpoint is opened on the Azure Firewall. */
export const RuleStyle = {
    /** A network rule to the VIP read from Azure, TCP 443. Needs nothing of the firewall's DNS. */
    Ip: "ip",
    /** An application rule for the configuration host (HTTPS, matched by SNI). */
    Fqdn: "fqdn",
    /** Both: exact while the VIP holds, and still open by name if the VIP changes before the next deployment. */
    Both: "both",
} as const;
export type RuleStyle = (typeof RuleStyle)[keyof typeof RuleStyle];

/** An inclusive range of rule collection group priorities. */
export interface PriorityRange {
    /** First priority, at least 100. */
    start: pulumi.Input<number>;
    /** Last priority, at most 65000. */
    end: pulumi.Input<number>;
}

/**
 * An existing Azure Firewall Policy and how this program's rule collection groups are placed in
 * it. Give either `policyId`, or `policyName` with `resourceGroupName`; not both.
 */
export interface FirewallPolicyTarget {
    /**
     * Resource ID of the firewall policy, `/subscriptions/…/resourceGroups/…/providers/Microsoft.Network/firewallPolicies/…`.
     * Its subscription is checked against the azure-native provider's at deployment.
     */
    policyId?: pulumi.Input<string>;
    /** Name of the firewall policy; needs `resourceGroupName`. The provider's subscription holds it. */
    policyName?: pulumi.Input<string>;
    /** Resource group of the firewall policy; needs `policyName`. */
    resourceGroupName?: pulumi.Input<string>;
    /**
     * Name of the rule collection group: 1-80 letters, digits, `_`, `.`, `-`, starting with a
     * letter or digit and ending with a letter, digit or `_`. When the rules need more than one
     * group, the others are named `<name>-2`, `<name>-3`, ...
     * @default the component's name
     */
    ruleCollectionGroupName?: pulumi.Input<string>;
    /**
     * Priority of the (first) rule collection group, 100-65000; lower runs first. Must differ
     * from every other group this program writes to the same policy. Further groups take the
     * lowest free priorities after it.
     * @default the lowest free multiple of 10 in `priorityRange` among this program's groups on the policy
     */
    priority?: pulumi.Input<number>;
    /**
     * Range for the automatic priorities, when `priority` is not given: the first group takes the
     * lowest free one, further groups the lowest free ones after it.
     * @default { start: 300, end: 65000 }
     */
    priorityRange?: pulumi.Input<PriorityRange>;
    /**
     * Chain the rule collection groups after the previous ones this program writes to the same
     * policy, since Azure writes one group of a policy at a time. Set false only when another
     * mechanism serializes the writes.
     * @default true
     */
    serializeWrites?: pulumi.Input<boolean>;
    /**
     * Largest size of one rule collection group, in bytes of its JSON request body. Azure
     * accepts 1 MB for policies created before July 2022 and 2 MB after; set 2097152 only for a
     * newer policy. Rules past this size go to further groups.
     * @default 1048576
     */
    maxGroupBytes?: pulumi.Input<number>;
    /**
     * Most rule collection groups this program may write to the policy. Azure allows 50 per
     * policy created before July 2022 and 60 after, counting groups written by anything else.
     * @default 50
     */
    maxRuleCollectionGroups?: pulumi.Input<number>;
    /**
     * Write network rules with FQDN destinations (Event Hubs AMQP, a cache by name) although the
     * policy, as read, has no DNS proxy (`dnsSettings.enableProxy` off, or Basic tier): a note
     * instead of the refusal. Such rules match nothing until the policy has DNS proxy.
     * @default false
     */
    allowWithoutDnsProxy?: pulumi.Input<boolean>;
    /**
     * Shortest accepted prefix length of any source or destination network: a shorter prefix is
     * refused as too broad (`0.0.0.0/1` covers half the Internet).
     * @default 8
     */
    minimumPrefixLength?: pulumi.Input<number>;
}

/** Who connects through the firewall, and how the configuration endpoint is opened. */
export interface GatewaySources {
    /** Source networks of the gateway hosts (IPv4 addresses or CIDRs). At least one source, here or in `sourceIpGroupIds`. */
    sourceAddresses?: pulumi.Input<pulumi.Input<string>[]>;
    /** Resource IDs of IP Groups holding the gateway hosts' addresses. */
    sourceIpGroupIds?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * How the configuration endpoint is opened: `ip`, `fqdn` or `both`.
     * @default `ip` when the instance is Internal (the firewall usually cannot resolve the
     * configuration host's private record), `both` otherwise
     */
    ruleStyle?: pulumi.Input<RuleStyle>;
    /**
     * The IPv4 address the configuration host resolves to from the gateway, when it is not the
     * APIM VIP: a custom `ConfigurationApi` hostname published through Application Gateway (the
     * "Internet connectivity" option of the self-hosted gateway overview) answers on the
     * Application Gateway's address. `ip` and `both` open this address instead of the VIP.
     * @default the VIP read from Azure
     */
    configurationAddress?: pulumi.Input<string>;
}

/**
 * The existing Azure Firewall Policy that receives one rule collection group, the gateway's
 * sources and rule style. Set `enabled: false` when a `GatewayEgressRuleCollectionGroup` writes
 * the gateway's firewall rules; then only `enabled` is read.
 */
export interface Firewall extends FirewallPolicyTarget, GatewaySources {
    /**
     * Write the gateway's rule collection group. A plain value: it decides whether the group exists.
     * @default true
     */
    enabled?: boolean;
}
