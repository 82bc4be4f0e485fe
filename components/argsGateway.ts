// The args of the gateway's own settings that its egress depends on: how it signs in to the
// configuration endpoint and whether it keeps a configuration backup. Plain interfaces and an
// `as const` enum, as in args.ts, which re-exports them; `optionsGateway.ts` validates them.
import type * as pulumi from "@pulumi/pulumi";

/** How the gateway authenticates to the configuration endpoint (self-hosted-gateway-authentication-options). */
export const GatewayAuthType = {
    /** The gateway's access token (`gateway.auth.key`); no further flow. */
    GatewayToken: "GatewayToken",
    /** A Microsoft Entra app with a client secret or certificate: signs in at the authority. */
    AzureAdApp: "AzureAdApp",
    /** Microsoft Entra workload identity (federated credentials, chart 1.15+, gateway 2.11+): signs in at the authority. */
    WorkloadIdentity: "WorkloadIdentity",
} as const;
export type GatewayAuthType = (typeof GatewayAuthType)[keyof typeof GatewayAuthType];

/**
 * How the gateway authenticates. With `AzureAdApp` or `WorkloadIdentity` the sign-in is a required
 * flow (the cloud's login host and, in the public cloud, `<region>.login.microsoft.com`; a custom
 * authority's host alone) and `gatewayName` is required (the chart refuses to render without
 * `gateway.name`). The app's tenant, client ID and secret stay in the gateway's own release.
 */
export interface GatewayAuth {
    /**
     * `GatewayToken`, `AzureAdApp` or `WorkloadIdentity`.
     * @default "GatewayToken"
     */
    type?: pulumi.Input<GatewayAuthType>;
    /** Name of the gateway resource in the API Management instance (`gateway.name`); `SelfHostedGatewayEgress` requires it with the Entra types. */
    gatewayName?: pulumi.Input<string>;
    /**
     * Authority URL of Microsoft Entra ID, `https://<host>[/<tenant>]`: its host is the sign-in flow opened.
     * @default the login host of the instance's cloud: `https://login.microsoftonline.com`, `https://login.microsoftonline.us`, `https://login.chinacloudapi.cn`
     */
    authority?: pulumi.Input<string>;
}

/** The chart's configuration backup volume (`gateway.configuration.backup`). */
export interface ConfigurationBackup {
    /** @default false */
    enabled?: pulumi.Input<boolean>;
    /**
     * Size of the volume claim, a Kubernetes quantity.
     * @default the chart's, "50Mi"
     */
    size?: pulumi.Input<string>;
    /**
     * Storage class of the volume claim. The chart asks for `ReadWriteMany`, which the class must offer for several replicas.
     * @default the cluster's default class
     */
    storageClassName?: pulumi.Input<string>;
}
