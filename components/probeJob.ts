// The probe's Kubernetes objects: a ConfigMap holding the script and a batch/v1 Job that runs it
// once, both named after a hash of the script and of what the pod runs with, so that a changed
// plan makes a new Job and an unchanged one leaves the finished Job alone. Pure.
//
// The Job's pod carries the gateway's pod labels (`cluster.podLabels`, the chart's component and
// instance labels by default) and lives in the gateway's namespace: the NetworkPolicy and the
// CiliumNetworkPolicy select it by the same labels and the EgressFirewall by the same namespace,
// exactly as they select the gateway pods. It does not carry all three of the chart's Service
// selector labels (optionsProbe.ts refuses pod labels that hold them), so no Service sends it
// traffic. It takes the chart's hostAliases, so that it resolves names as the gateway does.
import { createHash } from "crypto";
import { ClusterFlavor } from "./args";
import { MANAGED_LABELS } from "./clusterPolicy";
import { InputError } from "./errors";
import { HelmHostAlias } from "./helmValues";
import { ClusterOptions, Options } from "./options";
import { ProbeOptions } from "./optionsProbe";
import { Derivation } from "./pipeline";
import { probeChecks, renderChecks } from "./probeScript";

export interface ProbeObject {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Readonly<Record<string, string>>; readonly annotations?: Readonly<Record<string, string>> };
}

export interface ProbeConfigMap extends ProbeObject {
    readonly data: Readonly<Record<string, string>>;
}

export interface ProbeJob extends ProbeObject {
    readonly spec: Record<string, unknown>;
}

export interface ProbeObjects {
    /** The Job's and the ConfigMap's name: `<policy name>-probe-<hash of the script and the pod's settings>`. */
    readonly name: string;
    readonly configMap: ProbeConfigMap;
    readonly job: ProbeJob;
}

/** Seconds per check, as the script reads PROBE_TIMEOUT. */
const PROBE_TIMEOUT_SECONDS = 5;
// "The data stored in a ConfigMap cannot exceed 1 MiB" (kubernetes.io/docs/concepts/configuration/configmap/).
const CONFIGMAP_MAX_BYTES = 1024 * 1024;
const SCRIPT_KEY = "probe.sh";
const MOUNT = "/probe";
// A Job's name becomes its pods' `job-name` label: at most 63 characters, so the base gets 46.
const HASH_LENGTH = 10;
const MAX_BASE = 63 - "-probe-".length - HASH_LENGTH;
// An unprivileged uid for images whose USER is a name (curl's image: `curl_user`), which
// runAsNonRoot cannot check. OpenShift's restricted SCCs run pods as a uid of the namespace's own
// range (`MustRunAsRange`, docs.openshift.com "Managing security context constraints") and refuse
// any other, so there it gets none.
const PROBE_UID = 65532;

/** The ConfigMap and Job that run `script` (of `checks` checks) in the gateway's namespace. Internal. Exported for testing. */
export function probeObjects(script: string, checks: number, probe: ProbeOptions, cluster: ClusterOptions, hostAliases: readonly HelmHostAlias[]): ProbeObjects {
    const bytes = Buffer.byteLength(script, "utf8");
    if (bytes > CONFIGMAP_MAX_BYTES) {
        throw new InputError("probe.enabled", true, `The probe script of this plan takes ${Math.ceil(bytes / 1024)} KB, more than a ConfigMap holds (1 MiB): split the backends across components, or leave the probe off.`);
    }
    const openshift = cluster.flavor === ClusterFlavor.OpenShift;
    const template = (name: string) => ({
        metadata: { labels: { ...cluster.podLabels } },
        spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            // The image is Linux: a mixed cluster's Windows nodes must not get the pod (the label:
            // kubernetes.io/docs/reference/labels-annotations-taints/#kubernetes-io-os).
            nodeSelector: { "kubernetes.io/os": "linux" },
            ...(hostAliases.length > 0 ? { hostAliases: hostAliases.map((a) => ({ ip: a.ip, hostnames: [...a.hostnames] })) } : {}),
            securityContext: { runAsNonRoot: true, ...(openshift ? {} : { runAsUser: PROBE_UID, runAsGroup: PROBE_UID }), seccompProfile: { type: "RuntimeDefault" } },
            containers: [{
                name: "probe",
                image: probe.image,
                imagePullPolicy: "IfNotPresent",
                command: ["/bin/sh", `${MOUNT}/${SCRIPT_KEY}`],
                env: [{ name: "PROBE_TIMEOUT", value: `${PROBE_TIMEOUT_SECONDS}` }],
                resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
                volumeMounts: [{ name: "script", mountPath: MOUNT, readOnly: true }],
            }],
            volumes: [{ name: "script", configMap: { name, items: [{ key: SCRIPT_KEY, path: SCRIPT_KEY }], defaultMode: 0o444 } }],
        },
    });
    // The script and the whole pod template, but for the name it takes from the hash: a Job's pod
    // template cannot change in place, so any change makes a new Job rather than an update the API
    // server would refuse.
    const hash = createHash("sha256").update(script).update("\n").update(JSON.stringify(template(""))).digest("hex").slice(0, HASH_LENGTH);
    const name = `${cluster.policyName.slice(0, MAX_BASE).replace(/[^a-z0-9]+$/, "")}-probe-${hash}`;
    const metadata = { name, namespace: cluster.namespace, labels: { ...MANAGED_LABELS } };
    return {
        name,
        configMap: { apiVersion: "v1", kind: "ConfigMap", metadata, data: { [SCRIPT_KEY]: script } },
        job: {
            apiVersion: "batch/v1",
            kind: "Job",
            // The probe is evidence, not a gate: the provider would otherwise wait for the Job to
            // complete and fail the deployment with it (pulumi-kubernetes: the Job awaiter, and its
            // `pulumi.com/skipAwait` annotation, github.com/pulumi/pulumi-kubernetes/pull/417).
            metadata: { ...metadata, annotations: { "pulumi.com/skipAwait": "true" } },
            spec: {
                backoffLimit: 0,
                // No ttlSecondsAfterFinished: Pulumi owns the Job, and a Job the TTL controller
                // deleted is one `pulumi up --refresh` would create again, rerunning the probe. The
                // next plan's Job replaces it; until then its logs stay.
                // Every check is bounded by PROBE_TIMEOUT; the margin is for the image pull and start.
                activeDeadlineSeconds: checks * PROBE_TIMEOUT_SECONDS + 120,
                template: template(name),
            },
        },
    };
}

/** The probe of one gateway's derivation: its script always (the `probeScript` output), its objects when `probe.enabled`. */
export function probeOf(d: Derivation, o: Options): { script: string; objects?: ProbeObjects } {
    const probe = o.probe as ProbeOptions;
    const input = { hostAliases: d.helmValues.gateway.deployment.dns?.hostAliases ?? [], egressProxy: o.egressProxy, probe };
    const checks = probeChecks(d.plan, input);
    const script = renderChecks(d.plan.apimName, checks, o.egressProxy);
    return { script, ...(probe.enabled ? { objects: probeObjects(script, checks.length, probe, o.cluster, input.hostAliases) } : {}) };
}
