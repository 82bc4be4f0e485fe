// STAND-IN for Pulumi's Node.js language host (`pulumi-language-nodejs`), used by the engine tests
// only where the real host cannot be built: the Go module proxy this project's machines use
// refuses its module (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3, HTTP 403),
// and scripts/engine-tools.sh builds only from that proxy. Written for this project from the
// LanguageRuntime protocol (proto/pulumi/language.proto, as shipped in @pulumi/pulumi's `proto`
// stubs) and the command lines the locked SDK's own entry points parse; it copies no code.
//
// What it IS: a launcher. It starts the locked @pulumi/pulumi's own entry points with the
// arguments and environment they read — `cmd/run` for programs, `cmd/run-plugin` for component
// providers (PulumiPlugin.yaml), `cmd/run-policy-pack` for policy packs — so program loading,
// serialization, the component provider host with its schema inference, and the policy pack
// server are the real SDK code, talking to the real engine.
// What it is NOT: the real host. No dependency installation (InstallDependencies does nothing: run
// `npm ci` yourself), no package managers, no debugger attach, no Pack/Link/code generation, no
// stack configuration handed to policy packs (the real host proxies the analyzer to read it; this
// project's pack reads none); its plugin list is read from node_modules the simple way.
// Where the real host is built (.tools/engine/.../bin/pulumi-language-nodejs), tests/engine/run.js
// uses that one instead and this file is not run.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as lang from "@pulumi/pulumi/proto/language_pb";
import { LanguageRuntimeService } from "@pulumi/pulumi/proto/language_grpc_pb";
import { PackageDependency, PluginDependency, PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";

/** Exit code by which the SDK's entry points say "the user has been told already". */
const ALREADY_REPORTED = 32;

const sdkVersion = (JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")) as { version: string }).version;
let engineAddress = process.argv[process.argv.length - 1] ?? "";

function log(message: string): void {
    process.stderr.write(`nodejs-host (stand-in): ${message}\n`);
}

interface ProgramPlace {
    root: string;
    dir: string;
    entry: string;
    options: Record<string, unknown>;
}

function place(info: lang.ProgramInfo | undefined, pwd: string, program: string): ProgramPlace {
    const dir = info?.getProgramDirectory() || pwd;
    return {
        root: info?.getRootDirectory() || dir,
        dir,
        entry: info?.getEntryPoint() || program || ".",
        options: (info?.getOptions()?.toJavaScript() ?? {}) as Record<string, unknown>,
    };
}

/** An entry point of the @pulumi/pulumi the program itself depends on. */
function sdkEntry(dir: string, entry: "run" | "run-plugin" | "run-policy-pack"): string {
    return require.resolve(`@pulumi/pulumi/cmd/${entry}`, { paths: [dir] });
}

function nodeArgs(options: Record<string, unknown>): string[] {
    return typeof options.nodeargs === "string" ? options.nodeargs.split(/\s+/).filter((a) => a !== "") : [];
}

interface Dependency {
    name: string;
    version: string;
    server: string;
}

/** Resource plugins the program's node_modules declare (`"pulumi": {"resource": true}`). */
function requiredPlugins(where: ProgramPlace): Dependency[] {
    const found = new Map<string, Dependency>();
    for (const base of new Set([where.dir, where.root])) {
        const modules = path.join(base, "node_modules");
        if (!fs.existsSync(modules)) {
            continue;
        }
        const dirs = fs.readdirSync(modules).flatMap((d) =>
            d.startsWith("@") ? fs.readdirSync(path.join(modules, d)).map((s) => path.join(modules, d, s)) : [path.join(modules, d)],
        );
        for (const d of dirs) {
            const file = path.join(d, "package.json");
            if (!fs.existsSync(file)) {
                continue;
            }
            const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string; pulumi?: { resource?: boolean; name?: string; version?: string; server?: string } };
            if (pkg.pulumi?.resource !== true || !pkg.name) {
                continue;
            }
            const name = pkg.pulumi.name ?? pkg.name.replace(/^@pulumi\//, "");
            found.set(name, { name, version: pkg.pulumi.version ?? pkg.version ?? "", server: pkg.pulumi.server ?? "" });
        }
    }
    return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function run(call: grpc.ServerUnaryCall<lang.RunRequest, lang.RunResponse>, callback: grpc.sendUnaryData<lang.RunResponse>): void {
    try {
        launch(call.request, callback);
    } catch (e) {
        callback(null, new lang.RunResponse().setError(`nodejs-host (stand-in): ${e instanceof Error ? e.message : String(e)}`));
    }
}

function launch(req: lang.RunRequest, callback: grpc.sendUnaryData<lang.RunResponse>): void {
    const where = place(req.getInfo(), req.getPwd(), req.getProgram());
    const flags: [string, string][] = [
        ["monitor", req.getMonitorAddress()],
        ["engine", engineAddress],
        ["organization", req.getOrganization()],
        ["project", req.getProject()],
        ["stack", req.getStack()],
        ["pwd", req.getPwd() || where.dir],
        ["parallel", String(req.getParallel())],
        ["root-directory", where.root],
    ];
    const args = [...nodeArgs(where.options), sdkEntry(where.dir, "run")];
    flags.filter(([, v]) => v !== "").forEach(([k, v]) => args.push(`--${k}`, v));
    if (req.getDryrun()) {
        args.push("--dry-run");
    }
    args.push(where.entry, ...req.getArgsList());
    const config: Record<string, string> = {};
    req.getConfigMap().forEach((v, k) => (config[k] = v));
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        PULUMI_CONFIG: JSON.stringify(config),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(req.getConfigsecretkeysList()),
        PULUMI_NODEJS_TYPESCRIPT: String(where.options.typescript !== false),
    };
    if (typeof where.options.tsconfig === "string") {
        env.PULUMI_NODEJS_TSCONFIG_PATH = where.options.tsconfig;
    }
    const child = spawn(process.execPath, args, { cwd: where.dir, env, stdio: ["ignore", "inherit", "inherit"] });
    let answered = false;
    const answer = (response: lang.RunResponse) => {
        if (!answered) {
            answered = true;
            callback(null, response);
        }
    };
    child.on("error", (e) => answer(new lang.RunResponse().setError(`could not start node: ${e.message}`)));
    child.on("exit", (code, signal) => {
        const response = new lang.RunResponse();
        if (code === ALREADY_REPORTED) {
            response.setBail(true);
        } else if (code !== 0) {
            response.setError(signal ? `Program exited on signal ${signal}` : `Program exited with non-zero exit code: ${code}`);
        }
        answer(response);
    });
}

function runPlugin(call: grpc.ServerWritableStream<lang.RunPluginRequest, lang.RunPluginResponse>): void {
    try {
        launchPlugin(call);
    } catch (e) {
        call.write(new lang.RunPluginResponse().setStderr(Buffer.from(`nodejs-host (stand-in): ${e instanceof Error ? e.message : String(e)}\n`)));
        call.write(new lang.RunPluginResponse().setExitcode(1));
        call.end();
    }
}

function launchPlugin(call: grpc.ServerWritableStream<lang.RunPluginRequest, lang.RunPluginResponse>): void {
    const req = call.request;
    const where = place(req.getInfo(), req.getPwd(), req.getProgram());
    const analyzer = req.getKind() === "analyzer";
    // run-policy-pack takes `<engine address> <pack directory>`; run-plugin `<plugin directory> <args...>`.
    const args = analyzer
        ? [...nodeArgs(where.options), sdkEntry(where.dir, "run-policy-pack"), ...req.getArgsList(), where.dir]
        : [...nodeArgs(where.options), sdkEntry(where.dir, "run-plugin"), where.dir, ...req.getArgsList()];
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const kv of req.getEnvList()) {
        const at = kv.indexOf("=");
        if (at > 0) {
            env[kv.slice(0, at)] = kv.slice(at + 1);
        }
    }
    // Policy packs run in their own directory: PolicyPack reads its version from ./package.json.
    const cwd = analyzer ? where.dir : req.getPwd() || where.dir;
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (chunk: Buffer) => call.write(new lang.RunPluginResponse().setStdout(chunk)));
    child.stderr.on("data", (chunk: Buffer) => call.write(new lang.RunPluginResponse().setStderr(chunk)));
    call.on("cancelled", () => child.kill());
    let ended = false;
    const end = (code: number, message?: string) => {
        if (!ended) {
            ended = true;
            if (message) {
                call.write(new lang.RunPluginResponse().setStderr(Buffer.from(`${message}\n`)));
            }
            call.write(new lang.RunPluginResponse().setExitcode(code));
            call.end();
        }
    };
    child.on("error", (e) => end(1, `could not start node: ${e.message}`));
    child.on("close", (code) => end(code ?? 1));
}

function main(): void {
    const server = new grpc.Server();
    server.addService(LanguageRuntimeService, {
        handshake: (call: grpc.ServerUnaryCall<lang.LanguageHandshakeRequest, lang.LanguageHandshakeResponse>, cb: grpc.sendUnaryData<lang.LanguageHandshakeResponse>) => {
            engineAddress = call.request.getEngineAddress() || engineAddress;
            cb(null, new lang.LanguageHandshakeResponse());
        },
        getPluginInfo: (_call: unknown, cb: grpc.sendUnaryData<PluginInfo>) => cb(null, new PluginInfo().setVersion(`${sdkVersion}+stand-in`)),
        getRequiredPlugins: (call: grpc.ServerUnaryCall<lang.GetRequiredPluginsRequest, lang.GetRequiredPluginsResponse>, cb: grpc.sendUnaryData<lang.GetRequiredPluginsResponse>) => {
            const where = place(call.request.getInfo(), call.request.getPwd(), call.request.getProgram());
            cb(null, new lang.GetRequiredPluginsResponse().setPluginsList(requiredPlugins(where).map((d) => new PluginDependency().setKind("resource").setName(d.name).setVersion(d.version).setServer(d.server))));
        },
        getRequiredPackages: (call: grpc.ServerUnaryCall<lang.GetRequiredPackagesRequest, lang.GetRequiredPackagesResponse>, cb: grpc.sendUnaryData<lang.GetRequiredPackagesResponse>) => {
            const deps = requiredPlugins(place(call.request.getInfo(), "", ""));
            cb(null, new lang.GetRequiredPackagesResponse().setPackagesList(deps.map((d) => new PackageDependency().setKind("resource").setName(d.name).setVersion(d.version).setServer(d.server))));
        },
        run,
        runPlugin,
        installDependencies: (call: grpc.ServerWritableStream<lang.InstallDependenciesRequest, lang.InstallDependenciesResponse>) => {
            log(`InstallDependencies(${call.request.getDirectory()}) does nothing here: dependencies are installed by npm ci`);
            call.end();
        },
        about: (_call: unknown, cb: grpc.sendUnaryData<lang.AboutResponse>) => cb(null, new lang.AboutResponse().setExecutable(process.execPath).setVersion(process.version)),
        getProgramDependencies: (_call: unknown, cb: grpc.sendUnaryData<lang.GetProgramDependenciesResponse>) => cb(null, new lang.GetProgramDependenciesResponse()),
        cancel: (_call: unknown, cb: grpc.sendUnaryData<Empty>) => cb(null, new Empty()),
    });
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
        if (err) {
            log(err.message);
            process.exit(1);
        }
        // The engine reads the port from the first line of stdout.
        process.stdout.write(`${port}\n`);
    });
}

main();
