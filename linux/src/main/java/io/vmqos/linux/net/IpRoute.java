package io.vmqos.linux.net;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.vmqos.core.net.DeviceKind;

import java.util.ArrayList;
import java.util.List;

/**
 * The one gateway from vmqos to iproute2, ethtool and a namespace's sysfs. Every method takes a network namespace
 * name or {@code null} for the caller's own, and runs:
 * <ul>
 *   <li>{@code ip [-n NS] -j ARGS} and {@code tc [-n NS] -j ARGS}, parsed with Jackson;</li>
 *   <li>{@code [ip netns exec NS] ethtool ...};</li>
 *   <li>{@code [ip netns exec NS] cat|tee|ls /sys/...}: sysfs shows the namespace of whoever mounted it, and
 *       {@code ip netns exec} remounts {@code /sys} for the target namespace, so this is the only way to read
 *       another namespace's {@code /sys/class/net}. {@code tee} reports the errno text of a refused write
 *       (e.g. "Operation not supported"), which the callers map to typed errors.</li>
 * </ul>
 * A failed command becomes a {@link NetCommandException} carrying the command line, exit code, stderr and, for
 * errors seen before, the fix. Stateless apart from the runner; thread-safe when the runner is.
 */
public final class IpRoute {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CommandRunner runner;

    public IpRoute(CommandRunner runner) { this.runner = runner; }

    /** Over real processes. */
    public static IpRoute system() { return new IpRoute(new ProcessCommandRunner()); }

    public CommandRunner runner() { return runner; }

    /** {@code ip [-n NS] -j ARGS}, parsed; an empty output is an empty array. */
    public JsonNode ipJson(String ns, String... args) {
        return parse(run(withNs("ip", ns, true, args), null));
    }

    /** {@code tc [-n NS] -j ARGS}, parsed. Some tc 6.1 printers ignore {@code -j}: see {@link #tcText}. */
    public JsonNode tcJson(String ns, String... args) {
        return parse(run(withNs("tc", ns, true, args), null));
    }

    /** {@code tc [-n NS] -j ARGS} returning stdout as is (JSON on iproute2 that supports it for this object, else text). */
    public String tcText(String ns, String... args) {
        return run(withNs("tc", ns, true, args), null).stdout();
    }

    /** {@code tc [-n NS] ARGS} for changes; throws on failure. */
    public void tc(String ns, String... args) { run(withNs("tc", ns, false, args), null); }

    /** {@code ip [-n NS] ARGS} for changes; throws on failure. */
    public void ip(String ns, String... args) { run(withNs("ip", ns, false, args), null); }

    /** {@code [ip netns exec NS] ethtool ARGS}, stdout. */
    public String ethtool(String ns, String... args) {
        List<String> argv = exec(ns);
        argv.add("ethtool");
        argv.addAll(List.of(args));
        return run(argv, null).stdout();
    }

    /** {@code [ip netns exec NS] ethtool --json ARGS}, parsed. */
    public JsonNode ethtoolJson(String ns, String... args) {
        List<String> argv = exec(ns);
        argv.add("ethtool");
        argv.add("--json");
        argv.addAll(List.of(args));
        return parse(run(argv, null));
    }

    /** Contents of a sysfs (or any) file as seen from namespace {@code ns}, trailing newline removed. */
    public String readSys(String ns, String path) {
        List<String> argv = exec(ns);
        argv.add("cat");
        argv.add(path);
        return run(argv, null).stdout().strip();
    }

    /** Writes {@code value} to a sysfs file as seen from {@code ns}; a refused write throws with tee's errno text. */
    public void writeSys(String ns, String path, String value) {
        List<String> argv = exec(ns);
        argv.add("tee");
        argv.add(path);
        run(argv, value);
    }

    /** Entries of a sysfs directory as seen from {@code ns}; empty when it does not exist. */
    public List<String> listSys(String ns, String dir) {
        List<String> argv = exec(ns);
        argv.add("ls");
        argv.add("-1");
        argv.add(dir);
        CommandRunner.CommandResult r = runner.run(argv, null);
        if (!r.ok()) return List.of();
        List<String> out = new ArrayList<>();
        for (String line : r.stdout().split("\n")) if (!line.isBlank()) out.add(line.strip());
        return out;
    }

    /** True when the sysfs path exists as seen from {@code ns}. */
    public boolean existsSys(String ns, String path) {
        List<String> argv = exec(ns);
        argv.add("test");
        argv.add("-e");
        argv.add(path);
        return runner.run(argv, null).ok();
    }

    /** Runs argv and throws {@link NetCommandException} with a known fix on a non-zero exit. */
    public CommandRunner.CommandResult run(List<String> argv, String stdin) {
        CommandRunner.CommandResult r = runner.run(argv, stdin);
        if (!r.ok()) throw new NetCommandException(argv, r.exitCode(), r.stderr(), KnownErrors.fixFor(argv, r.stderr()));
        return r;
    }

    static JsonNode parse(CommandRunner.CommandResult r) {
        String out = r.stdout().strip();
        if (out.isEmpty()) return JSON.createArrayNode();
        try {
            return JSON.readTree(out);
        } catch (JsonProcessingException e) {
            throw new NetCommandException(r.argv(), r.exitCode(), "output is not JSON: " + abbreviate(out),
                    "use iproute2/ethtool with JSON support for this object (iproute2 >= 6.1)");
        }
    }

    /** Text of a field, or {@code null} when absent. */
    static String text(JsonNode n, String field) {
        JsonNode v = n == null ? MissingNode.getInstance() : n.path(field);
        return v.isMissingNode() || v.isNull() ? null : v.asText();
    }

    /**
     * A device's kind from {@code ip -d link}: {@code linkinfo.info_kind} (may be null), {@code info_data.type} for
     * tun/tap, the link type, and whether it has a backing {@code device} in sysfs (a NIC driver).
     */
    static DeviceKind deviceKind(String infoKind, String tunType, String linkType, boolean hasDevice) {
        if ("loopback".equals(linkType)) return DeviceKind.LOOPBACK;
        if (infoKind == null) return hasDevice ? DeviceKind.PHYSICAL : DeviceKind.OTHER;
        return switch (infoKind) {
            case "tun" -> "tap".equals(tunType) ? DeviceKind.TAP : DeviceKind.OTHER;
            case "bridge" -> DeviceKind.BRIDGE;
            case "veth" -> DeviceKind.VETH;
            case "bond" -> DeviceKind.BOND;
            case "vlan" -> DeviceKind.VLAN;
            case "macvtap" -> DeviceKind.MACVTAP;
            default -> DeviceKind.OTHER;
        };
    }

    private static List<String> withNs(String tool, String ns, boolean json, String... args) {
        List<String> argv = new ArrayList<>(args.length + 4);
        argv.add(tool);
        if (ns != null) {
            argv.add("-n");
            argv.add(ns);
        }
        if (json) argv.add("-j");
        argv.addAll(List.of(args));
        return argv;
    }

    private static List<String> exec(String ns) {
        List<String> argv = new ArrayList<>();
        if (ns != null) {
            argv.add("ip");
            argv.add("netns");
            argv.add("exec");
            argv.add(ns);
        }
        return argv;
    }

    private static String abbreviate(String s) { return s.length() > 200 ? s.substring(0, 200) + "..." : s; }
}
