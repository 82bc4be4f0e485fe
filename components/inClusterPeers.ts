// In-cluster peers as cluster policy: pods selected by namespace and labels, in the vocabulary
// of each engine. Pure. Only the cluster policy carries them: the Azure Firewall never sees
// traffic that stays in the cluster (firewallRules.ts leaves them out), and an EgressFirewall
// governs only "traffic from a pod to an IP address outside the cluster" (OpenShift API
// reference, EgressFirewall k8s.ovn.org/v1), so it has no entry for them either.
import { EgressFlow } from "./egressPlan";
import { Destination, DestinationKind } from "./peers";

export function isInCluster(flow: EgressFlow): boolean {
    return flow.destination.kind === DestinationKind.InCluster;
}

function pods(destination: Destination) {
    if (!destination.pods) {
        throw new Error(`Not an in-cluster destination: ${destination.value}`);
    }
    return destination.pods;
}

/**
 * A NetworkPolicy peer: the namespace by the label every namespace carries since Kubernetes 1.21
 * (`kubernetes.io/metadata.name`), and the pods by their labels in the same element, which
 * NetworkPolicy reads as both at once (kubernetes.io/docs/concepts/services-networking/network-policies,
 * "Behavior of to and from selectors"). No labels: every pod of the namespace.
 */
export function networkPolicyPeer(destination: Destination) {
    const { namespace, podLabels } = pods(destination);
    return {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
        ...(Object.keys(podLabels).length > 0 ? { podSelector: { matchLabels: { ...podLabels } } } : {}),
    };
}

/**
 * A Cilium endpoint selector: the namespace by Cilium's label `k8s:io.kubernetes.pod.namespace`
 * (docs.cilium.io, "Kubernetes namespaces"), beside the pods' own labels.
 */
export function ciliumEndpoint(destination: Destination) {
    const { namespace, podLabels } = pods(destination);
    return { matchLabels: { "k8s:io.kubernetes.pod.namespace": namespace, ...podLabels } };
}
