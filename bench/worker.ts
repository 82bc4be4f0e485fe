// One measured process of `npm run bench`: `node dist/bench/worker.js <component|baseline|floor> <N>`.
// Prints one JSON line (WorkerResult) on stdout. With BENCH_DUMP=1 it adds the registered
// resources, which the driver uses to check that the baseline still matches the component.
//
// Everything is loaded with dynamic require inside main(): a top-level import would load the
// SDK before the first statement runs, and each mode must load only what it needs (the floor
// mode nothing but the SDK, the baseline nothing of components/).
import type { Input, Output, Resource } from "@pulumi/pulumi";
import type { SelfHostedGatewayEgressArgs } from "../components/args";
import type { RegisteredResource } from "../cli/apimMocks";

// performance.now() counts from performance.timeOrigin, the start of this process, so node's
// own bootstrap is part of every mode's wall time, the floor's included.
const ENTERED_MS = performance.now();

export const Mode = {
    /** N SelfHostedGatewayEgress, each with its own rule collection group. */
    Component: "component",
    /** The same resources, written by hand. */
    Baseline: "baseline",
    /** One GatewayEgressRuleCollectionGroup for N gateways of three instances on one policy. */
    Hub: "hub",
    /** The same group, written by hand. */
    HubBaseline: "hub-baseline",
    /** The README's landing-zone pattern: the hub above and one cluster-only SelfHostedGatewayEgress per gateway. */
    LandingZone: "landing-zone",
    /** The same group and cluster policies, written by hand. */
    LandingZoneBaseline: "landing-zone-baseline",
    /** Node and the SDK modules, nothing registered. */
    Floor: "floor",
} as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

export interface WorkerResult {
    mode: Mode;
    n: number;
    /** Process start → every registration settled (or, for the floor, SDK loaded). */
    wallMs: number;
    /** Process start → this file's first statement: node's bootstrap. */
    enteredMs: number;
    /** Process start → the modules of this mode loaded, before any registration. */
    loadedMs: number;
    /** User + system CPU of the whole process, ms: less sensitive than wall to other load on the machine. */
    cpuMs: number;
    /** Peak resident set size of the whole process (getrusage ru_maxrss), MB. */
    maxRssMb: number;
    /** Rule collection groups registered: the writes a first deployment costs on the policy, one after another. */
    groupWrites: number;
    /** Resources registered with the mock monitor, when BENCH_DUMP=1. */
    resources?: RegisteredResource[];
}

const APIM_DOCUMENT_FILE = `${__dirname}/../../examples/apim-internal-premium.json`;

// Distinct per instance so that N components on one mock stack neither collide on URNs nor
// produce identical resources: the i-th copy of examples/options.yaml. Each site has its own
// firewall policy: a policy holds at most 50 groups, so 100 sites cannot share one (the
// landing-zone case below is how they share one).
function instanceNames(i: number) {
    return {
        name: `shgw-${i}`,
        policyName: `fwpol-site-${i}`,
        serviceName: `contoso-apim-${i}`,
        ruleCollectionGroupName: `apim-shgw-factory-${i}`,
        namespace: `apim-gateway-${i}`,
        priority: 300 + i,
    };
}

// Written out rather than parsed from examples/options.yaml so that neither mode pays for a
// YAML parser the other does not load.
function componentArgs(i: number): SelfHostedGatewayEgressArgs {
    const n = instanceNames(i);
    return {
        apim: { resourceGroupName: "rg-apim", serviceName: n.serviceName },
        firewall: {
            policyName: n.policyName,
            resourceGroupName: "rg-hub",
            ruleCollectionGroupName: n.ruleCollectionGroupName,
            priority: n.priority,
            sourceAddresses: ["10.80.0.0/24"],
        },
        cluster: { namespace: n.namespace },
    };
}

function registerComponents(n: number): Promise<unknown>[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { settle } = require("../cli/apimMocks") as typeof import("../cli/apimMocks");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SelfHostedGatewayEgress } = require("../components/selfHostedGatewayEgress") as typeof import("../components/selfHostedGatewayEgress");
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
        const c = new SelfHostedGatewayEgress(instanceNames(i).name, componentArgs(i));
        pending.push(settle(c.ruleCollectionGroupId), settle(c.networkPolicyName));
    }
    return pending;
}

/**
 * The NetworkPolicy the component renders for the example's gateway in `namespace`, by hand: DNS,
 * the replicas' ports and the configuration endpoint's VIP out; the ingress controller and the
 * replicas in.
 */
function networkPolicyByHand(name: string, namespace: string, vip: Input<string>, parent?: Resource) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { NetworkPolicy } = require("@pulumi/kubernetes/networking/v1") as typeof import("@pulumi/kubernetes/networking/v1");
    const gatewayPods = { matchLabels: { "app.kubernetes.io/component": "self-hosted-gateway", "app.kubernetes.io/instance": "azure-api-management-gateway" } };
    const replicaPorts = [{ port: 4290, protocol: "UDP" }, { port: 4291, protocol: "UDP" }];
    return new NetworkPolicy(name, {
        metadata: {
            labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "apim-gateway-egress" },
            name,
            namespace,
        },
        spec: {
            egress: [
                {
                    ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }],
                    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                },
                { ports: replicaPorts, to: [{ podSelector: gatewayPods }] },
                { ports: [{ port: 443, protocol: "TCP" }], to: [{ ipBlock: { cidr: vip } }] },
            ],
            ingress: [
                {
                    from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }],
                    ports: [{ port: 8080, protocol: "TCP" }, { port: 8081, protocol: "TCP" }],
                },
                { from: [{ podSelector: gatewayPods }], ports: replicaPorts },
            ],
            podSelector: gatewayPods,
            policyTypes: ["Ingress", "Egress"],
        },
    }, { parent });
}

/**
 * With BENCH_UNDER_COMPONENT=1, each site of a hand-written program sits under an empty component
 * of the SelfHostedGatewayEgress type token (`registerOutputs({})`): what one ComponentResource per
 * site costs by itself, the floor under the component's ratio. Off in `npm run bench`; run a
 * baseline mode with it beside the same mode without it to measure that floor.
 */
function emptySite(name: string): Resource | undefined {
    if (process.env.BENCH_UNDER_COMPONENT !== "1") {
        return undefined;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ComponentResource } = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    return new (class EmptySite extends ComponentResource {
        constructor() {
            super("apim-gateway-egress:index:SelfHostedGatewayEgress", name, {});
            this.registerOutputs({});
        }
    })();
}

/**
 * What a user would write without the component for the same example: read the instance, take
 * its private VIP, and spell both resources out. The literal is the component's rendering of
 * examples/ once, with the per-instance names substituted; no code of components/ runs here.
 */
function registerByHand(n: number): Promise<unknown>[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { settle } = require("../cli/apimMocks") as typeof import("../cli/apimMocks");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { getApiManagementServiceOutput } = require("@pulumi/azure-native/apimanagement") as typeof import("@pulumi/azure-native/apimanagement");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { FirewallPolicyRuleCollectionGroup } = require("@pulumi/azure-native/network") as typeof import("@pulumi/azure-native/network");
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
        const names = instanceNames(i);
        const parent = emptySite(names.name);
        const apim = getApiManagementServiceOutput({ resourceGroupName: "rg-apim", serviceName: names.serviceName });
        // The mock answers with the REST GET body, where the addresses sit under `properties`.
        const vip = apim.apply((d) => `${(d as unknown as { properties: { privateIPAddresses: string[] } }).properties.privateIPAddresses[0]}/32`);
        const rcg = new FirewallPolicyRuleCollectionGroup(names.name, {
            resourceGroupName: "rg-hub",
            firewallPolicyName: names.policyName,
            ruleCollectionGroupName: names.ruleCollectionGroupName,
            priority: names.priority,
            ruleCollections: [{
                action: { type: "Allow" },
                name: "apim-gateway-network",
                priority: 100,
                ruleCollectionType: "FirewallPolicyFilterRuleCollection",
                rules: [{
                    description: `configuration sync, heartbeat, metrics and events (v2 configuration API): the VIP behind ${names.serviceName}.configuration.azure-api.net [https://learn.microsoft.com/azure/api-management/api-management-howto-ip-addresses]`,
                    destinationAddresses: [vip],
                    destinationPorts: ["443"],
                    ipProtocols: ["TCP"],
                    name: "configuration-address",
                    ruleType: "NetworkRule",
                    sourceAddresses: ["10.80.0.0/24"],
                }],
            }],
        }, { parent });
        const np = networkPolicyByHand(names.name, names.namespace, vip, parent);
        pending.push(settle(rcg.id), settle(np.metadata.name));
    }
    return pending;
}

/** The three APIM instances of the landing-zone case: Internal, so each gateway gets one network rule to its instance's VIP. */
const HUB_INSTANCES = ["contoso-apim-eu", "contoso-apim-us", "contoso-apim-asia"];

function hubGateway(i: number) {
    return { name: `site-${String(i).padStart(4, "0")}`, serviceName: HUB_INSTANCES[i % 3], source: `10.${100 + Math.floor(i / 250)}.${i % 250}.0/24` };
}

function registerHub(n: number): Promise<unknown>[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { settle } = require("../cli/apimMocks") as typeof import("../cli/apimMocks");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { GatewayEgressRuleCollectionGroup } = require("../components/gatewayEgressRuleCollectionGroup") as typeof import("../components/gatewayEgressRuleCollectionGroup");
    const hub = new GatewayEgressRuleCollectionGroup("landing-zone-hub", {
        firewall: { policyName: "fwpol-hub", resourceGroupName: "rg-hub", ruleCollectionGroupName: "apim-self-hosted-gateways" },
        gateways: Array.from({ length: n }, (_, i) => {
            const g = hubGateway(i);
            return { name: g.name, apim: { resourceGroupName: "rg-apim", serviceName: g.serviceName }, sourceAddresses: [g.source] };
        }),
    });
    return [settle(hub.ruleCollectionGroupIds)];
}

/**
 * What a user would write by hand for the same landing zone: read each instance once, take its
 * private VIP, and spell out one group with a collection per gateway, in name order, as the
 * component lays them out (network collection at 100 + 10 × position). No code of components/.
 * Returns the VIPs too, for the cluster side of the landing-zone pattern.
 */
function registerHubByHand(n: number): { pending: Promise<unknown>[]; vips: Record<string, Output<string>> } {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { settle } = require("../cli/apimMocks") as typeof import("../cli/apimMocks");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { getApiManagementServiceOutput } = require("@pulumi/azure-native/apimanagement") as typeof import("@pulumi/azure-native/apimanagement");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { FirewallPolicyRuleCollectionGroup } = require("@pulumi/azure-native/network") as typeof import("@pulumi/azure-native/network");
    const vips = Object.fromEntries(HUB_INSTANCES.map((name) => [name, getApiManagementServiceOutput({ resourceGroupName: "rg-apim", serviceName: name })
        .apply((d) => `${(d as unknown as { properties: { privateIPAddresses: string[] } }).properties.privateIPAddresses[0]}/32`)]));
    const gateways = Array.from({ length: n }, (_, i) => hubGateway(i));
    const ruleCollections = pulumi.all(vips).apply((vip) => gateways.map((g, position) => ({
        action: { type: "Allow" as const },
        name: `${g.name}-network`,
        priority: 100 + 10 * position,
        ruleCollectionType: "FirewallPolicyFilterRuleCollection" as const,
        rules: [{
            description: `configuration sync, heartbeat, metrics and events (v2 configuration API): the VIP behind ${g.serviceName}.configuration.azure-api.net [https://learn.microsoft.com/azure/api-management/api-management-howto-ip-addresses]`,
            destinationAddresses: [vip[g.serviceName]],
            destinationPorts: ["443"],
            ipProtocols: ["TCP"],
            name: "configuration-address",
            ruleType: "NetworkRule" as const,
            sourceAddresses: [g.source],
        }],
    })));
    const rcg = new FirewallPolicyRuleCollectionGroup("landing-zone-hub", {
        resourceGroupName: "rg-hub",
        firewallPolicyName: "fwpol-hub",
        ruleCollectionGroupName: "apim-self-hosted-gateways",
        priority: 300,
        ruleCollections,
    });
    return { pending: [settle(rcg.id)], vips };
}

/** A site of the landing-zone pattern: its cluster-only component's name and namespace. */
function site(i: number) {
    return { name: `apim-shgw-${hubGateway(i).name}`, namespace: `apim-gateway-${i}` };
}

/** The README's landing zone: the hub, and per site a SelfHostedGatewayEgress for the cluster side only. */
function registerLandingZone(n: number): Promise<unknown>[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { settle } = require("../cli/apimMocks") as typeof import("../cli/apimMocks");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SelfHostedGatewayEgress } = require("../components/selfHostedGatewayEgress") as typeof import("../components/selfHostedGatewayEgress");
    const pending = registerHub(n);
    for (let i = 0; i < n; i++) {
        const c = new SelfHostedGatewayEgress(site(i).name, {
            apim: { resourceGroupName: "rg-apim", serviceName: hubGateway(i).serviceName },
            firewall: { enabled: false },
            cluster: { namespace: site(i).namespace },
        });
        pending.push(settle(c.networkPolicyName));
    }
    return pending;
}

/**
 * The same landing zone by hand: the hub's group as above, and per site its NetworkPolicy to the
 * VIP of its instance, read once per instance as a hand-written program would.
 */
function registerLandingZoneByHand(n: number): Promise<unknown>[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { settle } = require("../cli/apimMocks") as typeof import("../cli/apimMocks");
    const { pending, vips } = registerHubByHand(n);
    for (let i = 0; i < n; i++) {
        pending.push(settle(networkPolicyByHand(site(i).name, site(i).namespace, vips[hubGateway(i).serviceName], emptySite(site(i).name)).metadata.name));
    }
    return pending;
}

/**
 * The fixed cost every mode pays: the SDK and the three submodules, with the lazily loaded
 * classes the program uses touched, since the submodule index alone defers them.
 */
function loadSdk(): void {
    /* eslint-disable @typescript-eslint/no-require-imports */
    require("@pulumi/pulumi");
    void (require("@pulumi/azure-native/apimanagement") as typeof import("@pulumi/azure-native/apimanagement")).getApiManagementServiceOutput;
    void (require("@pulumi/azure-native/network") as typeof import("@pulumi/azure-native/network")).FirewallPolicyRuleCollectionGroup;
    void (require("@pulumi/kubernetes/networking/v1") as typeof import("@pulumi/kubernetes/networking/v1")).NetworkPolicy;
    /* eslint-enable @typescript-eslint/no-require-imports */
}

async function main(argv: string[]): Promise<WorkerResult> {
    const [mode, count] = argv;
    const n = Number(count);
    if (!Object.values(Mode).includes(mode as Mode) || !Number.isInteger(n) || n < 0) {
        throw new Error(`usage: worker.js <${Object.values(Mode).join("|")}> <N>, got ${argv.join(" ")}`);
    }
    const dump = process.env.BENCH_DUMP === "1";
    const finish = (loadedMs: number, resources?: RegisteredResource[]): WorkerResult => {
        const wallMs = performance.now();
        const cpu = process.cpuUsage();
        return {
            mode: mode as Mode,
            n,
            wallMs,
            enteredMs: ENTERED_MS,
            loadedMs,
            cpuMs: (cpu.user + cpu.system) / 1000,
            maxRssMb: process.resourceUsage().maxRSS / 1024,
            groupWrites: (resources ?? []).filter((r) => r.type === "azure-native:network:FirewallPolicyRuleCollectionGroup").length,
            ...(dump && resources ? { resources } : {}),
        };
    };

    if (mode === Mode.Floor) {
        loadSdk();
        const loaded = performance.now();
        return finish(loaded);
    }

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fs = require("fs") as typeof import("fs");
    const document = JSON.parse(fs.readFileSync(APIM_DOCUMENT_FILE, "utf8")) as Record<string, unknown>;
    // Both modes record every registration, so the dump costs neither more than the other.
    const resources: RegisteredResource[] = [];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { setApimMocks } = require("../cli/apimMocks") as typeof import("../cli/apimMocks");
    // Each instance reads its own service: answer with the example renamed to it.
    await setApimMocks({ answer: (read) => ({ ...document, name: read.serviceName }) }, resources, "apim-gateway-egress-bench", "bench");

    let loadedMs: number;
    let pending: Promise<unknown>[];
    if (mode === Mode.Component || mode === Mode.Hub || mode === Mode.LandingZone) {
        // Loading the component's modules is part of its cost, so it is timed as loading.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require("../components");
        loadedMs = performance.now();
        pending = mode === Mode.Component ? registerComponents(n) : mode === Mode.Hub ? registerHub(n) : registerLandingZone(n);
    } else {
        loadSdk();
        loadedMs = performance.now();
        pending = mode === Mode.Baseline ? registerByHand(n) : mode === Mode.HubBaseline ? registerHubByHand(n).pending : registerLandingZoneByHand(n);
    }
    await Promise.all(pending);
    await pulumi.runtime.disconnect();
    return finish(loadedMs, resources);
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (result) => {
            process.stdout.write(`${JSON.stringify(result)}\n`);
        },
        (e: unknown) => {
            process.stderr.write(`bench worker failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
            process.exitCode = 1;
        },
    );
}
