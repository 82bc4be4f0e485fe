// The probe in the component: with `probe.enabled`, a ConfigMap holding the script and a Job
// running it, in the gateway's namespace, valid for the API server (kubernetes-models), whose pod
// the gateway's cluster policy selects as it selects the gateway pods while the chart's Services
// do not; `probe-script` prints the same script the component holds.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { main } from "../cli/main";
import { setApimMocks, settle } from "../cli/apimMocks";
import { SelfHostedGatewayEgress } from "../components/selfHostedGatewayEgress";
import { OfflineRun, RegisteredResource, runOffline } from "../cli/offlineRun";
import { resetPolicyLedger } from "../components/groupWriter";
import { resolveOptions } from "../components/options";
import { DEFAULT_PROBE_IMAGE, ProbeOptions } from "../components/optionsProbe";
import { probeObjects } from "../components/probeJob";
import { baseArgs, exampleOptions, fixture, forgetRefusedRegistrations, LooseArgs, Sink, unmaskedExample, with_ } from "./helpers";
import * as fs from "fs";
import * as path from "path";

const EXAMPLE = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "examples", "apim-internal-premium.json"), "utf8"));
const JOB = "kubernetes:batch/v1:Job";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

interface Validatable {
    validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;
// kubernetes-models is an ES module exported for `import` only (see clusterManifests.test.ts).
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<Record<string, unknown>>;

function only(run: OfflineRun, type: string): RegisteredResource {
    const found = run.resources.filter((r) => r.type === type);
    assert.equal(found.length, 1, `one ${type}`);
    return found[0];
}

type PodTemplate = { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> & { containers: Record<string, unknown>[]; hostAliases?: unknown } };
const podOf = (job: RegisteredResource) => (job.inputs.spec as { template: PodTemplate }).template;
const metadataOf = (r: RegisteredResource) => r.inputs.metadata as { name: string; namespace: string };

/** Every label of `selector` on `labels`, with its value: what matchLabels selects. */
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The chart's Service selector (templates/_helpers.tpl, selectorLabels) for a release, without name overrides. */
function chartServiceSelector(release: string): Record<string, string> {
    const fullname = release.includes("azure-api-management-gateway") ? release : `${release}-azure-api-management-gateway`;
    return { "app.kubernetes.io/name": fullname.slice(0, 63), "app.kubernetes.io/component": "self-hosted-gateway", "app.kubernetes.io/instance": release };
}

function probeArgs(cluster: Record<string, unknown> = {}, probe: Record<string, unknown> = {}): LooseArgs {
    const base = exampleOptions() as LooseArgs;
    return { ...base, cluster: { ...base.cluster, ...cluster }, probe: { enabled: true, ...probe } };
}

const FLAVORS: Record<string, Record<string, unknown>> = {
    kubernetes: {},
    openshift: { flavor: "openshift", namespaceIsDedicated: true },
    cilium: { flavor: "cilium" },
};

describe("probe Job and ConfigMap", () => {
    let JobModel: ModelClass;
    let ConfigMapModel: ModelClass;

    before(async () => {
        JobModel = (await importEsm("kubernetes-models/batch/v1/Job")).Job as ModelClass;
        ConfigMapModel = (await importEsm("kubernetes-models/v1/ConfigMap")).ConfigMap as ModelClass;
    });

    describe("with probe.enabled", () => {
        let run: OfflineRun;
        before(async () => {
            run = await runOffline(EXAMPLE, probeArgs(), "gw");
        });

        it("registers one ConfigMap holding the component's probeScript and one Job, named alike after the script's hash, in the gateway's namespace", () => {
            const job = only(run, JOB);
            const configMap = only(run, CONFIG_MAP);
            assert.match(metadataOf(job).name, /^gw-probe-[0-9a-f]{10}$/);
            assert.equal(metadataOf(configMap).name, metadataOf(job).name);
            assert.deepEqual([metadataOf(job).namespace, metadataOf(configMap).namespace], ["apim-gateway", "apim-gateway"]);
            assert.deepEqual(configMap.inputs.data, { "probe.sh": run.outputs.probeScript });
            assert.equal(run.outputs.probeJobName, metadataOf(job).name);
        });

        it("runs the script once, as a non-root, read-only, bounded pod whose Job stays until the plan changes (no TTL: Pulumi owns it)", () => {
            const job = only(run, JOB);
            const spec = job.inputs.spec as Record<string, unknown>;
            assert.deepEqual([spec.backoffLimit, spec.ttlSecondsAfterFinished, spec.activeDeadlineSeconds], [0, undefined, 3 * 5 + 120]);
            assert.deepEqual((job.inputs.metadata as { annotations: unknown }).annotations, { "pulumi.com/skipAwait": "true" });
            const pod = podOf(job).spec;
            assert.deepEqual([pod.restartPolicy, pod.automountServiceAccountToken, pod.enableServiceLinks], ["Never", false, false]);
            // Linux nodes only, in a cluster with Windows ones too (review F6).
            assert.deepEqual(pod.nodeSelector, { "kubernetes.io/os": "linux" });
            assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } });
            const [container] = pod.containers;
            assert.deepEqual([container.image, container.command, container.env], [DEFAULT_PROBE_IMAGE, ["/bin/sh", "/probe/probe.sh"], [{ name: "PROBE_TIMEOUT", value: "5" }]]);
            assert.deepEqual(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
            assert.deepEqual(container.resources, { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "200m", memory: "64Mi" } });
        });

        it("resolves names as the gateway does: the chart values' hostAliases on the pod", () => {
            assert.deepEqual(podOf(only(run, JOB)).spec.hostAliases, run.outputs.gatewayHelmValues.gateway.deployment.dns?.hostAliases);
            assert.deepEqual(podOf(only(run, JOB)).spec.hostAliases, [{ ip: "10.40.1.5", hostnames: ["contoso-apim.configuration.azure-api.net"] }]);
        });

        it("the Job and the ConfigMap validate against the Kubernetes schemas", () => {
            for (const [r, Model] of [[only(run, JOB), JobModel], [only(run, CONFIG_MAP), ConfigMapModel]] as const) {
                const kind = r.type === JOB ? { apiVersion: "batch/v1", kind: "Job" } : { apiVersion: "v1", kind: "ConfigMap" };
                new Model({ ...kind, ...r.inputs }).validate();
            }
            assert.throws(() => new JobModel({ apiVersion: "batch/v1", kind: "Job", ...only(run, JOB).inputs, spec: { ...only(run, JOB).inputs.spec as object, backoffLimit: "0" } }).validate());
        });

        it("the ConfigMap's script is what probe-script prints for the same files, and sh -n accepts it", async () => {
            const [out, err] = [new Sink(), new Sink()];
            assert.equal(await main(["probe-script"], out, err), 0);
            assert.equal(err.text, "");
            execFileSync("sh", ["-n"], { input: out.text });
            const example = await runOffline(EXAMPLE, exampleOptions() as LooseArgs, "apim-shgw-egress");
            assert.equal(out.text, example.outputs.probeScript);
        });

        it("probe-script refuses bad input with exit 2, one stderr line and nothing on stdout", async () => {
            const [out, err] = [new Sink(), new Sink()];
            assert.equal(await main(["probe-script", "--hub", "hub.yaml"], out, err), 2);
            assert.equal(out.text, "");
            assert.match(err.text, /^error: unknown option '--hub'[^\n]*\n$/);
        });
    });

    for (const [flavor, cluster] of Object.entries(FLAVORS)) {
        it(`${flavor}: the gateway's policy selects the probe pod exactly as it selects the gateway pods; the chart's Service does not`, async () => {
            const run = await runOffline(EXAMPLE, probeArgs(cluster), "gw");
            const job = only(run, JOB);
            const labels = podOf(job).metadata.labels;
            const np = only(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs as { metadata: { namespace: string }; spec: { podSelector: { matchLabels: Record<string, string> } } };
            assert.deepEqual(labels, np.spec.podSelector.matchLabels);
            assert.equal(metadataOf(job).namespace, np.metadata.namespace);
            if (flavor === "openshift") {
                // An EgressFirewall governs its whole namespace: the probe's is the gateway's.
                assert.equal(metadataOf(job).namespace, (only(run, "kubernetes:k8s.ovn.org/v1:EgressFirewall").inputs.metadata as { namespace: string }).namespace);
                assert.equal((podOf(job).spec.securityContext as Record<string, unknown>).runAsUser, undefined, "OpenShift's SCC assigns the uid");
            }
            if (flavor === "cilium") {
                const cnp = only(run, "kubernetes:cilium.io/v2:CiliumNetworkPolicy").inputs as { spec: { endpointSelector: { matchLabels: Record<string, string> } } };
                assert.ok(selects(cnp.spec.endpointSelector.matchLabels, labels));
            }
            assert.ok(selects(np.spec.podSelector.matchLabels, labels));
            assert.equal(selects(chartServiceSelector("azure-api-management-gateway"), labels), false);
        });
    }

    it("custom cluster.podLabels: the probe pod carries them, so the policy selects it, and the Service still does not", async () => {
        const podLabels = { "app.kubernetes.io/instance": "gw-eu", "app.kubernetes.io/name": "gw-eu-azure-api-management-gateway" };
        const run = await runOffline(EXAMPLE, probeArgs({ podLabels }), "gw");
        const labels = podOf(only(run, JOB)).metadata.labels;
        assert.deepEqual(labels, podLabels);
        assert.equal(selects(chartServiceSelector("gw-eu"), labels), false);
    });

    it("refuses pod labels that hold all three of the Service's selector labels: the Service would send the probe the gateway's traffic", async () => {
        const podLabels = chartServiceSelector("azure-api-management-gateway");
        const resources: RegisteredResource[] = [];
        await assert.rejects(runOffline(EXAMPLE, probeArgs({ podLabels }), "gw", { resources }), /^InputError: Invalid value for cluster\.podLabels: .*the chart's Service would send it the gateway's traffic/);
        assert.deepEqual(resources.filter((r) => r.type !== "apim-gateway-egress:index:SelfHostedGatewayEgress"), []);
        // Without the probe, such labels select the gateway pods as before.
        await runOffline(EXAMPLE, with_(probeArgs({ podLabels }), (a) => (a.probe.enabled = false)), "gw");
        forgetRefusedRegistrations();
    });

    it("the Job waits for the rules it proves and for its script: the group, the NetworkPolicy, the flavor's policy, the ConfigMap", async () => {
        let dependsOn: string[] = [];
        const record: pulumi.ResourceTransformation = (t) => {
            if (t.type === JOB) {
                dependsOn = ([] as unknown[]).concat(t.opts.dependsOn ?? []).map((d) => `${(d as { __pulumiType: string }).__pulumiType}::${(d as { __name: string }).__name}`);
            }
            return undefined;
        };
        await runOffline(EXAMPLE, probeArgs(FLAVORS.cilium), "gw", { componentOptions: { transformations: [record] } });
        assert.deepEqual(dependsOn, [`${CONFIG_MAP}::gw-probe`, "azure-native:network:FirewallPolicyRuleCollectionGroup::gw", "kubernetes:networking.k8s.io/v1:NetworkPolicy::gw", "kubernetes:cilium.io/v2:CiliumNetworkPolicy::gw"]);
    });

    it("a changed plan or pod makes a new Job; an unchanged one keeps its name", async () => {
        const name = async (args: LooseArgs) => metadataOf(only(await runOffline(EXAMPLE, args, "gw"), JOB)).name;
        const first = await name(probeArgs());
        assert.equal(await name(probeArgs()), first);
        assert.notEqual(await name(with_(probeArgs(), (a) => (a.backends = [{ name: "orders", fqdn: "orders.contoso.example", port: 443 }]))), first);
        // A Job's pod template cannot change in place: a new image is a new Job too.
        assert.notEqual(await name(probeArgs({}, { image: "registry.example/mirror/curl:8.11.1" })), first);
    });

    it("the name's hash covers the script and the whole pod template, but for the ConfigMap name it takes (review F9)", () => {
        const o = resolveOptions("gw", probeArgs());
        const objects = probeObjects("#!/bin/sh\n", 1, o.probe as ProbeOptions, o.cluster, [{ ip: "10.40.1.5", hostnames: ["a.example"] }]);
        const template = JSON.parse(JSON.stringify((objects.job.spec as { template: PodTemplate }).template));
        assert.equal(template.spec.volumes[0].configMap.name, objects.name);
        template.spec.volumes[0].configMap.name = "";
        const hash = createHash("sha256").update("#!/bin/sh\n").update("\n").update(JSON.stringify(template)).digest("hex").slice(0, 10);
        assert.equal(objects.name, `gw-probe-${hash}`);
    });

    it("without probe.enabled: no Job, no ConfigMap, probeJobName undefined, the script still an output", async () => {
        const run = await runOffline(EXAMPLE, exampleOptions() as LooseArgs, "gw");
        assert.deepEqual(run.resources.filter((r) => r.type === JOB || r.type === CONFIG_MAP), []);
        assert.equal(run.outputs.probeJobName, undefined);
        assert.match(run.outputs.probeScript, /^#!\/bin\/sh\n/);
    });

    it("refuses probe.enabled without the cluster side, before anything is registered", async () => {
        const resources: RegisteredResource[] = [];
        await assert.rejects(runOffline(EXAMPLE, with_(probeArgs(), (a) => (a.cluster = { enabled: false })), "gw", { resources }), /^InputError: Invalid value for probe\.enabled: true\. The probe runs as a Job in the gateway's namespace/);
        assert.deepEqual(resources.filter((r) => r.type !== "apim-gateway-egress:index:SelfHostedGatewayEgress"), []);
        forgetRefusedRegistrations();
    });

    it("a probe arg the plan refuses stops every child, the policies too", async () => {
        const resources: RegisteredResource[] = [];
        await assert.rejects(runOffline(EXAMPLE, probeArgs({}, { hosts: { "backend-nope": "10.0.0.1" } }), "gw", { resources }), /probe\.hosts: "backend-nope"\. No flow of the plan/);
        assert.deepEqual(resources.filter((r) => r.type !== "apim-gateway-egress:index:SelfHostedGatewayEgress").map((r) => r.type), []);
        forgetRefusedRegistrations();
    });

    it("probe args as Outputs: the Job is registered once they resolve", async () => {
        const args = probeArgs();
        const run = await runOffline(unmaskedExample(), { ...args, apim: { resourceGroupName: "rg-apim", serviceName: "apimService1" }, probe: pulumi.output(args.probe) } as never, "gw");
        assert.equal(run.resources.filter((r) => r.type === JOB).length, 1);
    });

    it("probe.hosts unknown in a preview: the ConfigMap and Job are registered with inputs Pulumi shows as unknown, nothing refused", async () => {
        const resources: RegisteredResource[] = [];
        const run = await runOffline(EXAMPLE, probeArgs({}, { hosts: pulumi.output(pulumi.unknown) }), "gw", { resources });
        // The mocks receive an unknown input as undefined.
        assert.deepEqual(resources.filter((r) => r.type === JOB || r.type === CONFIG_MAP).map((r) => r.inputs), [
            { apiVersion: "batch/v1", kind: "Job", metadata: undefined, spec: undefined },
            { apiVersion: "v1", kind: "ConfigMap", metadata: undefined, data: undefined },
        ]);
        assert.deepEqual([run.outputs.probeJobName, run.outputs.probeScript], [undefined, undefined]);
    });

    it("a Job name within 63 characters for the longest policy name, and a script past a ConfigMap's 1 MiB refused", () => {
        const cluster = resolveOptions("gw", probeArgs({ policyName: `${"a".repeat(60)}.b` })).cluster;
        const probe = resolveOptions("gw", probeArgs()).probe as ProbeOptions;
        const objects = probeObjects("#!/bin/sh\n", 1, probe, cluster, []);
        assert.match(objects.name, /^a{46}-probe-[0-9a-f]{10}$/);
        assert.throws(() => probeObjects("#".repeat(1024 * 1024 + 1), 1, probe, cluster, []), /^InputError: Invalid value for probe\.enabled: true\. The probe script of this plan takes 1025 KB, more than a ConfigMap holds \(1 MiB\)/);
    });

    it("refuses probe.enabled unknown until deployment: it decides whether the Job exists", async () => {
        const args = probeArgs();
        const unknown = pulumi.output(pulumi.unknown) as unknown;
        await assert.rejects(runOffline(EXAMPLE, { ...args, probe: { enabled: unknown } } as never, "gw"), /Invalid value for probe\.enabled: "\(unknown until deployment\)"/);
        forgetRefusedRegistrations();
    });

    describe("secret probe args (trust review F1, F10)", () => {
        const S = pulumi.secret;
        const REST = () => fixture("rest-external-premium.json"); // fabrikam-apim, VIP 52.164.20.7
        const args = (probe: unknown, backends: unknown[] = [{ name: "erp", address: "10.80.0.0/24", port: 443 }]) => ({ ...baseArgs(), cluster: { namespace: "apim-gateway" }, backends, probe });
        const refusal = async (a: LooseArgs) => {
            try {
                await runOffline(REST(), a as never, "gw");
            } catch (e) {
                forgetRefusedRegistrations();
                return (e as Error).message;
            }
            return "accepted";
        };

        it("a refusal of the probe's checks names the field and withholds the value: a secret canary, list, probe, host address or host map", async () => {
            const withheld = "(withheld: the value is secret)";
            assert.deepEqual(await Promise.all([
                refusal(args({ enabled: true, mustBeBlocked: S(["https://10.80.0.5/"]) })),
                refusal(args({ enabled: true, mustBeBlocked: [S("https://52.164.20.7/")] })),
                refusal(args(S({ enabled: true, mustBeBlocked: ["https://52.164.20.7/"] }))),
                refusal(args({ enabled: true, hosts: { "backend-erp": S("10.99.99.99") } })),
                refusal(args({ enabled: true, hosts: S({ "backend-zzsecret": "10.80.0.9" }) })),
            ]), [
                `Invalid value for probe.mustBeBlocked[0]: ${withheld}. The plan opens this destination (flow backend-erp): a canary must be something no rule allows.`,
                `Invalid value for probe.mustBeBlocked[0]: ${withheld}. The plan opens this destination (flow configuration-address): a canary must be something no rule allows.`,
                `Invalid value for probe.mustBeBlocked[0]: ${withheld}. The plan opens this destination (flow configuration-address): a canary must be something no rule allows.`,
                `Invalid value for probe.hosts.backend-erp: ${withheld}. The address is outside the flow's network 10.80.0.0/24: the probe must try what the rules open.`,
                `Invalid value for probe.hosts: ${withheld}. No flow of the plan has this id; its flows are configuration-address, configuration-host, backend-erp.`,
            ]);
        });

        it("probeJobName is secret when any arg is, as the Job's inputs are; plain otherwise", async () => {
            const secretOf = async (a: LooseArgs) => {
                await setApimMocks({ answer: () => REST() }, [], "apim-gateway-egress", "probe");
                resetPolicyLedger();
                const c = new SelfHostedGatewayEgress("gw", a as never);
                await settle(c.probeJobName);
                const secret = await (c.probeJobName as unknown as { isSecret: Promise<boolean> }).isSecret;
                await pulumi.runtime.disconnect();
                return secret;
            };
            assert.deepEqual([await secretOf(args({ enabled: true, hosts: { "backend-erp": S("10.80.0.9") } })), await secretOf(args({ enabled: true }))], [true, false]);
        });
    });
});
